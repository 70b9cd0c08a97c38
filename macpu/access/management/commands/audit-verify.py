"""`macpu audit-verify`: Django finds commands by file name, so this file gives the hyphenated name."""

from macpu.access.management.commands.audit_verify import Command

__all__ = ["Command"]
