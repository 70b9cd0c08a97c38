"""`macpu rebuild-match-keys`: Django finds commands by file name, so this file gives the hyphenated name."""

from macpu.people.management.commands.rebuild_match_keys import Command

__all__ = ["Command"]
