"""`macpu audit-verify [--heads FILE]`: walk the audit trail's hash chain and name the first row that fails."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from macpu.access.audit import verify
from macpu.access.heads import read_heads


class Command(BaseCommand):
    help = (
        "Check every row of the audit trail against its hash and the row before it. With --heads, also check the "
        "chain heads exported by `macpu audit-head`, so rows removed from the end are found too."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--heads", type=Path, help="The file `macpu audit-head` appends to.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            heads = read_heads(options["heads"]) if options["heads"] else []
        except (OSError, ValueError) as error:
            raise CommandError(f"--heads: {error}") from error
        result = verify(heads)
        if result.broken:
            raise CommandError(
                f"The audit trail does not verify. Row {result.broken.seq}: {result.broken.problem}. "
                f"({result.rows} rows read.)"
            )
        checked = f", and {len(heads)} exported chain heads" if heads else ""
        self.stdout.write(
            self.style.SUCCESS(f"The audit trail verifies: {result.rows} rows{checked}. Head: row {result.head[0]}.")
        )
