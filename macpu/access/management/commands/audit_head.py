"""`macpu audit-head --output FILE`: append the audit trail's chain head to a file kept apart from the database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from macpu.access.heads import export_head


class Command(BaseCommand):
    help = (
        "Append the chain head (last row's sequence number and hash) to FILE as one JSON line. Run it on a "
        "schedule (cron or a systemd timer) and keep FILE on other storage: `macpu audit-verify --heads FILE` then "
        "finds rows cut from the end of the trail."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", type=Path, required=True, help="The file to append the head to.")

    def handle(self, *args: Any, **options: Any) -> None:
        output: Path = options["output"]
        try:
            seq, hash_ = export_head(output, now=timezone.now())
        except OSError as error:
            raise CommandError(f"--output: cannot append to {output}: {error.strerror}.") from error
        self.stdout.write(self.style.SUCCESS(f"Appended the chain head (row {seq}) to {output}."))
