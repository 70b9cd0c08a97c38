"""`macpu demo-logins`: Django finds commands by file name, so this file gives the hyphenated name."""

from macpu.demo.management.commands.demo_logins import Command

__all__ = ["Command"]
