"""`macpu annex-a --as-of 2026-05-15 --output FILE.xlsx`: Ofsted Annex A lists 1 to 7 for an inspection date."""

from __future__ import annotations

import os
import re
import tempfile
from argparse import ArgumentTypeError
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from macpu.returns.annex_a import write_annex_a


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
        directory = output.parent if str(output.parent) else Path()
        if not directory.is_dir():
            raise CommandError(f"--output: the directory {str(directory)!r} does not exist.")
        if output.is_dir():
            raise CommandError(f"--output: {str(output)!r} is a directory; give a file name such as annex-a.xlsx.")
        try:
            handle, temporary = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".part", dir=directory)
        except OSError as error:
            raise CommandError(f"--output: cannot create a file in {str(directory)!r}: {error.strerror}.") from error
        try:
            with os.fdopen(handle, "wb") as file:
                counts = write_annex_a(file, as_of=as_of, now=now)
            os.replace(temporary, output)
        except BaseException as error:
            Path(temporary).unlink(missing_ok=True)
            if isinstance(error, Exception):
                raise CommandError(f"Annex A was not written to {output}, and no file was left: {error}") from error
            raise
        rows = ", ".join(f"{title} {count}" for title, count in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Wrote Ofsted Annex A at {as_of:%d/%m/%Y} to {output} ({rows} rows)."))
