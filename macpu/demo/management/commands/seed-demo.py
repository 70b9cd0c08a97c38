"""`macpu seed-demo`: Django finds commands by file name, so this file gives the hyphenated name."""

from macpu.demo.management.commands.seed_demo import Command

__all__ = ["Command"]
