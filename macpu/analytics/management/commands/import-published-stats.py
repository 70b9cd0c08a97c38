"""`macpu import-published-stats`: Django finds commands by file name, so this file gives the hyphenated name."""

from macpu.analytics.management.commands.import_published_stats import Command

__all__ = ["Command"]
