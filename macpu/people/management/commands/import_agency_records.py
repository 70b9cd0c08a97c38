"""`macpu import-agency-records FILE --agency NAME --system SYSTEM --extracted-at YYYY-MM-DDTHH:MM --by USERNAME
[--accept-rejects]`: load an agency's extract of people (docs/agency-records-csv.md), all rows or none."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from macpu.agencies.models import Agency, User
from macpu.people.records import ImportProblems, Problem, RecordFile, problem_lines, records_import

SHOWN = 50  # problems printed when nothing is imported; the rest are counted
LARGE = 20_000  # rows: a file this big shows its progress
EVERY = 100_000  # rows between progress lines


def _extracted_at(value: str) -> datetime:
    try:
        moment = datetime.strptime(value, "%Y-%m-%dT%H:%M")  # noqa: DTZ007 - made aware just below
    except ValueError as error:
        raise CommandError(
            f"--extracted-at: write when the agency took the extract as YYYY-MM-DDTHH:MM, like 2026-03-31T09:00: "
            f"{value!r} is not."
        ) from error
    zone = timezone.get_current_timezone()
    first, second = moment.replace(tzinfo=zone, fold=0), moment.replace(tzinfo=zone, fold=1)
    if first.utcoffset() != second.utcoffset():  # a time the clocks skipped, or passed twice, when they changed
        raise CommandError(
            f"--extracted-at: {value} is not a single time in England (the clocks changed then): give a time an "
            "hour earlier or later."
        )
    return first


def _count(number: int, thing: str) -> str:
    return f"{number:,} {thing}{'' if number == 1 else 's'}"


class Command(BaseCommand):
    help = (
        "Load an agency's extract of the people its system holds (CSV, docs/agency-records-csv.md). Every row is "
        "checked first: if any breaks a rule nothing is loaded, unless --accept-rejects."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The CSV file (UTF-8, with a header row).")
        parser.add_argument("--agency", required=True, help="The agency whose extract it is, as its name is here.")
        parser.add_argument("--system", required=True, help="The agency's system it came from, like Niche.")
        parser.add_argument(
            "--extracted-at", required=True, help="When the agency took the extract: YYYY-MM-DDTHH:MM, UK time."
        )
        parser.add_argument("--by", required=True, help="Your own administrator username.")
        parser.add_argument(
            "--accept-rejects",
            action="store_true",
            help="Load the rows that pass, and keep a report of the rows that do not (printed, and kept with the "
            "import).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"There is no file {path}.")
        agency = Agency.objects.filter(name=options["agency"]).first()
        if agency is None:
            names = ", ".join(Agency.objects.values_list("name", flat=True)) or "none yet"
            raise CommandError(f"--agency: there is no agency named {options['agency']!r}. The agencies are: {names}.")
        actor = User.objects.filter(username=options["by"]).first()
        if actor is None:
            raise CommandError(f"--by: there is no account with the username {options['by']}.")
        extracted_at = _extracted_at(options["extracted_at"])
        self._shown: dict[str, int] = {}
        try:
            rows = RecordFile(path)
            record_import = records_import(
                actor=actor,
                now=timezone.now(),
                agency=agency,
                system=options["system"],
                extracted_at=extracted_at,
                file_name=path.name,
                rows=rows,
                accept_rejects=options["accept_rejects"],
                progress=self._progress if len(rows) >= LARGE else None,
            )
        except ImportProblems as error:
            if not error.problems:
                raise CommandError(" ".join(error.messages)) from error
            for line in problem_lines(error.problems, SHOWN):
                self.stderr.write(line)
            count = len({p.row for p in error.problems})
            raise CommandError(
                f"Nothing was imported: {count:,} row{'s' if count != 1 else ''} of {path.name} "
                f"{'have' if count != 1 else 'has'} problems. Correct them and import the file again, or import "
                "with --accept-rejects to load the other rows and keep a report of these."
            ) from error
        except ValidationError as error:
            raise CommandError(
                "\n".join(
                    f"{'' if field == '__all__' else field + ': '}{' '.join(messages)}"
                    for field, messages in error.message_dict.items()
                )
            ) from error
        rejected = len({p["row"] for p in record_import.rejected})
        added = record_import.rows_loaded - record_import.rows_updated
        self.stdout.write(
            f"Import {record_import.pk}: {agency} {record_import.system} extract taken "
            f"{timezone.localtime(record_import.extracted_at):%-d %B %Y %H:%M}, from {path.name}."
        )
        self.stdout.write(
            f"{_count(record_import.rows_read, 'row')} read: {_count(added, 'new record')}, "
            f"{record_import.rows_updated:,} updated, {rejected:,} rejected."
        )
        if record_import.rejected:
            self.stdout.write("Rows not loaded (kept with the import):")
            for line in problem_lines([Problem(**problem) for problem in record_import.rejected]):
                self.stdout.write(line)

    def _progress(self, done: int, total: int, stage: str) -> None:
        step = done // EVERY
        if done == total or step > self._shown.get(stage, 0):
            self._shown[stage] = step
            self.stderr.write(f"{stage.capitalize()} {done:,} of {total:,} rows")
