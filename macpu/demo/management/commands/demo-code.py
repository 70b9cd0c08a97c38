"""`macpu demo-code`: Django finds commands by file name, so this file gives the hyphenated name."""

from macpu.demo.management.commands.demo_code import Command

__all__ = ["Command"]
