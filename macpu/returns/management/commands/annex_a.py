"""`macpu annex-a --as-of 2026-05-15 --output FILE.xlsx`: Ofsted Annex A lists 1 to 7 for an inspection date."""

from __future__ import annotations

import re
from argparse import ArgumentTypeError
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from macpu.returns.annex_a import write_annex_a
from macpu.returns.management.output import whole_file


def _as_of(text: str) -> date:
    """The inspection date. An ArgumentTypeError gives a plain message, from the shell and from call_command."""
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise ArgumentTypeError(f"give the inspection date as YYYY-MM-DD, e.g. 2026-05-15, not {text!r}.") from None


class Command(BaseCommand):
    help = (
        "Write Ofsted Annex A lists 1 to 7 (contacts to child protection) for the six months to --as-of, as an "
        ".xlsx workbook. The file appears only when complete."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", type=_as_of, required=True, help="Inspection date, YYYY-MM-DD.")
        parser.add_argument("--output", type=Path, required=True, help="The .xlsx file to write.")

    def handle(self, *args: Any, **options: Any) -> None:
        as_of: date = options["as_of"]
        output: Path = options["output"]
        now = timezone.now()
        if as_of > timezone.localdate(now):
            raise CommandError(f"--as-of: {as_of:%d/%m/%Y} is in the future; Annex A lists what has happened.")
        with whole_file(output, "Annex A") as file:
            counts = write_annex_a(file, as_of=as_of, now=now)
        rows = ", ".join(f"{title} {count}" for title, count in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Wrote Ofsted Annex A at {as_of:%d/%m/%Y} to {output} ({rows} rows)."))
