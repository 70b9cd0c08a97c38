"""`macpu link-records`: Django finds commands by file name, so this file gives the hyphenated name."""

from macpu.people.management.commands.link_records import Command

__all__ = ["Command"]
