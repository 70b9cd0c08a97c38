"""`macpu cin-census`: Django finds commands by file name, so this file gives the hyphenated name."""

from macpu.returns.management.commands.cin_census import Command

__all__ = ["Command"]
