"""`macpu api-key`: Django finds commands by file name, so this file gives the hyphenated name."""

from macpu.agencies.management.commands.api_key import Command

__all__ = ["Command"]
