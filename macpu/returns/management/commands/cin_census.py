"""`macpu cin-census --year 2026 --output FILE.xml`: the children in need census return for a collection year."""

from __future__ import annotations

from argparse import ArgumentTypeError
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from macpu.returns.census import FIRST_COLLECTION_YEAR, CollectionYear, write_census
from macpu.returns.management.output import whole_file


def _year(text: str) -> int:
    if not text.isdigit() or int(text) < FIRST_COLLECTION_YEAR:
        raise ArgumentTypeError(f"give a collection year such as 2026 (the year to 31 March 2026), not {text!r}.")
    return int(text)


class Command(BaseCommand):
    help = (
        "Write the children in need census XML for the collection year ending 31 March YEAR. The file appears "
        "only when complete."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=_year, required=True, help="Collection year, e.g. 2026 (to 31 March).")
        parser.add_argument("--output", type=Path, required=True, help="The XML file to write.")
        parser.add_argument("--serial-no", type=int, default=1, help="Header SerialNo (default 1).")

    def handle(self, *args: Any, **options: Any) -> None:
        year: int = options["year"]
        output: Path = options["output"]
        latest = CollectionYear.containing(timezone.localdate())
        if year > latest.year:
            raise CommandError(
                f"--year: the {year} collection year has not started. The latest is {latest.year}, which ends on "
                f"{latest.reference_date:%-d %B %Y}."
            )
        with whole_file(output, "The census") as file:
            children = write_census(file, year=year, now=timezone.now(), serial_no=options["serial_no"])
        self.stdout.write(self.style.SUCCESS(f"Wrote the {year} CIN census of {children} children to {output}."))
