"""`macpu benchmark --la CODE --year YEAR [--neighbours 2021|2025] [--population published|current]
[--count 5|10] [--format json|csv]`: an LA's published measures beside its statistical neighbours' and England's."""

from __future__ import annotations

import csv
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from macpu.analytics.benchmarking import BenchmarkError, benchmark_table


class Command(BaseCommand):
    help = (
        "Print a local authority's measures from the published statistics beside its statistical neighbours' and "
        "England's, for one year (rates per 10,000 children; shares as percentages)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--la", required=True, help="the 3-digit DfE code, the ONS code, the name, or england")
        parser.add_argument("--year", required=True, type=int, help="the CIN year, ending 31 March (2021: 2020-21)")
        parser.add_argument("--neighbours", choices=["2021", "2025"], default="2021")
        parser.add_argument("--population", choices=["published", "current"], default="published")
        parser.add_argument("--count", type=int, choices=[5, 10], default=10, help="how many neighbours")
        parser.add_argument("--format", choices=["json", "csv"], default="json")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            table = benchmark_table(
                la=options["la"],
                year=options["year"],
                model=options["neighbours"],
                basis=options["population"],
                count=options["count"],
            )
        except BenchmarkError as error:
            raise CommandError(str(error)) from error
        if options["format"] == "json":
            self.stdout.write(json.dumps(table, indent=2))
            return
        columns = list(table["rows"][0])
        writer = csv.DictWriter(self.stdout, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(table["rows"])
        self.stderr.write(table["attribution"])  # stdout stays a clean CSV file
