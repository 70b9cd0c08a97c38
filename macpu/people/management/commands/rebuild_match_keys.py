"""`macpu rebuild-match-keys`: every person's and agency record's blocking keys for matching at intake, afresh
(macpu.people.matching). The services keep the keys up to date; this is for a new database, after a change to how
keys are made, or to be sure."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from macpu.people.matching import match_keys_rebuild


class Command(BaseCommand):
    help = "Rebuild the blocking keys that matching at intake finds people and agency records by."

    def handle(self, *args: Any, **options: Any) -> None:
        def progress(done: int, total: int) -> None:
            if options["verbosity"] > 1:
                self.stdout.write(f"{done:,} of {total:,}")

        with transaction.atomic():
            written = match_keys_rebuild(progress)
        self.stdout.write(f"{written:,} match keys written.")
