"""`macpu annex-a`: Django finds commands by file name, so this file gives the hyphenated name."""

from macpu.returns.management.commands.annex_a import Command

__all__ = ["Command"]
