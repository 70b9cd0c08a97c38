"""`macpu link-dedupe`: Django finds commands by file name, so this file gives the hyphenated name."""

from macpu.people.management.commands.link_dedupe import Command

__all__ = ["Command"]
