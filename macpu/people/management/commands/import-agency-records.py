"""`macpu import-agency-records`: Django finds commands by file name, so this file gives the hyphenated name."""

from macpu.people.management.commands.import_agency_records import Command

__all__ = ["Command"]
