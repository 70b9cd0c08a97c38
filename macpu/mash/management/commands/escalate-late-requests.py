"""`macpu escalate-late-requests`: Django finds commands by file name, so this file gives the hyphenated name."""

from macpu.mash.management.commands.escalate_late_requests import Command

__all__ = ["Command"]
