"""`macpu link-dedupe INPUT.csv --output OUTPUT.csv`: link any person file an analyst has (macpu.people.linkage).

Input: a header row and the columns record_id, first_name, surname, date_of_birth (YYYY-MM-DD), sex (M, F or U),
postcode, address, nhs_number, source; any may be blank but record_id. Output: record_id, cluster_id (the records
of one person share it) and best_match_probability, one row for every record read. A value the command cannot read
is reported with its line and column and left out of the linking; a row without a usable record_id is reported and
has no output row, as it could not be named in one.
"""

from __future__ import annotations

import csv
import re
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

import pandas as pd
from django.core.management.base import BaseCommand, CommandError

from macpu.people.identifiers import is_valid_nhs_number
from macpu.people.linkage import COLUMNS, THRESHOLD, dedupe

DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def read(path: Path) -> tuple[pd.DataFrame, list[str]]:
    """The records of a CSV file, and a line for each value or row that could not be read."""
    problems: list[str] = []
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = [c.strip() for c in reader.fieldnames or []]
        if "record_id" not in header:
            raise CommandError(f"{path}: the header row has no record_id column. Columns: {', '.join(COLUMNS)}.")
        unknown = [c for c in header if c not in COLUMNS]
        if unknown:
            raise CommandError(f"{path}: unknown columns {', '.join(unknown)}. Columns: {', '.join(COLUMNS)}.")
        reader.fieldnames = header
        for raw in reader:
            line = reader.line_num
            if None in raw:
                problems.append(f"Line {line}: more values than columns; the row is not linked.")
                continue
            row = {c: (raw.get(c) or "").strip() or None for c in COLUMNS}
            record_id = row["record_id"]
            if record_id is None or record_id in seen:
                why = "no record_id" if record_id is None else f"record_id {record_id} is used by an earlier row"
                problems.append(f"Line {line}: {why}; the row is not linked.")
                continue
            seen.add(record_id)
            for column, ok, rule in (
                ("date_of_birth", _is_date, "a date as YYYY-MM-DD"),
                ("sex", lambda v: v.upper() in {"M", "F", "U"}, "M, F or U"),
                ("nhs_number", lambda v: is_valid_nhs_number(v.replace(" ", "")), "a valid 10-digit NHS number"),
            ):
                value = row[column]
                if value is not None and not ok(value):
                    problems.append(f"Line {line}, {column}: {value!r} is not {rule}; linked without it.")
                    row[column] = None
            rows.append(row)
    return pd.DataFrame(rows, columns=COLUMNS), problems


def _is_date(value: str) -> bool:
    if not DATE.fullmatch(value):
        return False
    try:
        pd.Timestamp(value)
    except ValueError:
        return False
    return True


class Command(BaseCommand):
    help = "Link the records of a person file: each record's cluster (person) and best match probability."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("input", type=Path)
        parser.add_argument("--output", type=Path, required=True)
        parser.add_argument("--threshold", type=float, default=THRESHOLD, help="Match probability to link at.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["input"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        frame, problems = read(path)
        for problem in problems:
            self.stderr.write(problem)
        if len(frame) < 2:
            raise CommandError(f"{path}: fewer than two records could be read; there is nothing to link.")
        linked = dedupe(frame, threshold=options["threshold"])
        out = frame[["record_id"]].merge(linked.clusters, on="record_id", how="left")
        out["best_match_probability"] = out["best_match_probability"].round(6)
        out.to_csv(options["output"], index=False, columns=["record_id", "cluster_id", "best_match_probability"])
        people = out["cluster_id"].nunique()
        self.stdout.write(
            f"{len(out)} records linked into {people} people ({linked.pairs} pairs scored); "
            f"{len(problems)} problem{'s' if len(problems) != 1 else ''} reported. Written to {options['output']}."
        )
