"""`macpu audit-head`: Django finds commands by file name, so this file gives the hyphenated name."""

from macpu.access.management.commands.audit_head import Command

__all__ = ["Command"]
