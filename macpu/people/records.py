"""Agency record import: an agency's extract of the people its system holds, loaded with where it came from.

Columns (a header row, in any order; docs/agency-records-csv.md): record_id, first_name, surname, date_of_birth
(YYYY-MM-DD), sex (M, F or U), postcode, address, nhs_number. Every row is checked before anything is written; if
any row breaks a rule, nothing is saved and each problem is reported as "Row N, column: what is wrong" (the
header is row 1, as a spreadsheet shows it), unless the user accepts a report of the rejected rows, which is
then kept with the import.

A row whose record (agency, system, record_id) is already loaded updates it if this extract is newer than the
one it came from, and is rejected if not. Linking records to the person index is linkage's job: an imported
record's `person` stays empty.

A million rows need not fit in memory: `RecordFile` reads the CSV from disk a row at a time, and
`records_import` reads the rows twice (once to check, once to load), a batch at a time.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Protocol

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from macpu.access import audit
from macpu.access.models import AuditAction
from macpu.agencies.models import Agency, Role, User
from macpu.core.codes import Sex
from macpu.core.services import Rules
from macpu.people.identifiers import is_valid_nhs_number
from macpu.people.matching import match_keys_refresh
from macpu.people.models import AgencyRecord, RecordImport

COLUMNS = ["record_id", "first_name", "surname", "date_of_birth", "sex", "postcode", "address", "nhs_number"]
REQUIRED_COLUMNS = ["record_id"]
NAME_COLUMNS = ["first_name", "surname"]
FIELDS = ["first_name", "surname", "date_of_birth", "sex", "postcode", "address", "nhs_number"]
BATCH = 5000  # rows checked, or loaded, between progress reports
MAX_LENGTH = {"record_id": 100, "first_name": 100, "surname": 100, "address": 300}
EARLIEST_BIRTH = date(1900, 1, 1)
SEXES = frozenset(Sex.values)
ONCE = "each record must be in the file once."
EXTRA = "__extra__"  # a row's values beyond the header's columns

DATE_FORMAT = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# A UK postcode, spaces removed: outward code (area, district, optional sub-district) and inward code (sector,
# unit). The format only: areas are not checked against a list, so test data's made-up areas pass.
POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?|GIR)([0-9][A-Z]{2})$")


class Progress(Protocol):
    def __call__(self, done: int, total: int, stage: str) -> None:
        """Called after every batch: `stage` is "checked" (rows checked of all rows) then "loaded" (rows
        written of the rows to load)."""


class Rows(Protocol):
    """The rows of a file: read twice (checked, then loaded), and counted for progress."""

    def __iter__(self) -> Iterator[Mapping[str, str | None]]: ...

    def __len__(self) -> int: ...


@dataclass(frozen=True)
class Problem:
    row: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"Row {self.row}, {self.field}: {self.message}" if self.field else f"Row {self.row}: {self.message}"

    def as_dict(self) -> dict[str, object]:
        return {"row": self.row, "field": self.field, "message": self.message}


class ImportProblems(ValidationError):
    """The file cannot be imported as it is: every problem, as "Row N, column: message" lines. `problems` holds
    the row problems as `Problem`s (empty when the file as a whole cannot be read)."""

    def __init__(self, messages: list[str], problems: list[Problem] | None = None) -> None:
        super().__init__(messages)
        self.problems = problems or []


# --------------------------------------------------------------------------------------------------------------
# Reading


def columns_problem(header: Iterable[str | None]) -> str | None:
    """What is wrong with a header row, in plain English, or None if nothing is."""
    columns = [(c or "").strip() for c in header]
    if not any(columns):
        return "The file is empty: the first row must name the columns, like record_id,first_name,surname."
    if "" in columns:
        return (
            f"Column {columns.index('') + 1} of the header row has no name: name it, or delete the column if it "
            "is empty."
        )
    unknown = [c for c in columns if c not in COLUMNS]
    if unknown:
        return (
            f"The header row has columns this import does not know: {', '.join(unknown)}. Rename or remove them: "
            f"the columns are {', '.join(COLUMNS)}."
        )
    twice = sorted({c for c in columns if columns.count(c) > 1}, key=columns.index)
    if twice:
        return f"The header row names these columns more than once: {', '.join(twice)}. Keep one of each."
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        return "The header row has no record_id column: every row needs the record's id in the agency's system."
    if not any(c in columns for c in NAME_COLUMNS):
        return "The header row has neither a first_name nor a surname column: every record needs a name."
    return None


class RecordFile:
    """A CSV file of agency records, read a row at a time (from disk, for a path), so a million rows need not
    fit in memory. Opening it checks the encoding, the CSV itself and the header row, and counts the rows; a file
    that cannot be read raises ImportProblems. Each row is a dict of the header's columns (blank lines are empty
    dicts, so row numbers stay those a spreadsheet shows); values beyond the header's columns are under EXTRA."""

    def __init__(self, source: str | Path | bytes) -> None:
        self.source = source
        self.columns: list[str] = []
        self.total = 0
        try:
            for number, values in enumerate(self._records(), start=1):
                if number == 1:
                    problem = columns_problem(values)
                    if problem:
                        raise ImportProblems([problem])
                    self.columns = [v.strip() for v in values]
                else:
                    self.total += 1
        except UnicodeDecodeError as error:
            raise ImportProblems(["The file is not UTF-8 text: save it from your spreadsheet as CSV UTF-8."]) from error
        except csv.Error as error:
            raise ImportProblems(
                [
                    f"Row {self.total + 2 if self.columns else 1} cannot be read as CSV ({error}): save the file "
                    "from your spreadsheet as CSV UTF-8 again."
                ]
            ) from error
        if not self.columns:
            raise ImportProblems([columns_problem([]) or ""])
        if self.total == 0:
            raise ImportProblems(["The file has a header row but no records."])

    def _records(self) -> Iterator[list[str]]:
        if isinstance(self.source, bytes):
            yield from csv.reader(io.StringIO(self.source.decode("utf-8-sig"), newline=""))
            return
        with open(self.source, encoding="utf-8-sig", newline="") as file:
            yield from csv.reader(file)

    def __len__(self) -> int:
        return self.total

    def __iter__(self) -> Iterator[dict[str, str | None]]:
        records = self._records()
        next(records)  # the header
        width = len(self.columns)
        for values in records:
            if not values:
                yield {}
                continue
            row: dict[str, str | None] = dict(zip(self.columns, values, strict=False))
            if len(values) > width:
                row[EXTRA] = ",".join(values[width:])
            yield row


# --------------------------------------------------------------------------------------------------------------
# Checking one row


@dataclass(frozen=True)
class Clean:
    """A row's values as they will be stored."""

    record_id: str
    first_name: str
    surname: str
    date_of_birth: date | None
    sex: str
    postcode: str
    address: str
    nhs_number: str

    def values(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in FIELDS}


def normal_postcode(value: str) -> str | None:
    """A UK postcode in capitals with one space before the inward code ("sw1a1aa" is "SW1A 1AA"), or None if the
    value is not in the UK format."""
    compact = re.sub(r"\s+", "", value).upper()
    found = POSTCODE.match(compact)
    return f"{found.group(1)} {found.group(2)}" if found else None


def _blank(row: Mapping[str, str | None]) -> bool:
    return not any((value or "").strip() for value in row.values())


def check_row(number: int, row: Mapping[str, str | None], extracted_on: date) -> tuple[Clean | None, list[Problem]]:
    """The row's values as stored, or its problems: every rule it breaks, each naming the column."""
    problems: list[Problem] = []

    def problem(field: str, message: str) -> None:
        problems.append(Problem(number, field, message))

    value = {c: (row.get(c) or "").strip() for c in COLUMNS}
    for column in COLUMNS:
        if "\x00" in value[column]:  # PostgreSQL cannot store it, and no spreadsheet writes it
            problem(column, "has a NUL character, which is not text: save the file from your spreadsheet as CSV again.")
            value[column] = value[column].replace("\x00", "")
    if row.get(EXTRA):
        problem("", "the row has more values than the header row has columns: check for a stray comma.")
    for column, most in MAX_LENGTH.items():
        if len(value[column]) > most:
            problem(column, f"must be {most} characters or fewer: it has {len(value[column])}.")
    if not value["record_id"]:
        problem("record_id", "enter the record's id in the agency's system.")
    if not value["first_name"] and not value["surname"]:
        problem("surname", "enter a surname or a first name: a record needs at least one of them.")

    born: date | None = None
    if value["date_of_birth"]:
        try:
            if not DATE_FORMAT.match(value["date_of_birth"]):
                raise ValueError
            born = date.fromisoformat(value["date_of_birth"])
        except ValueError:
            problem(
                "date_of_birth", f"write the date as YYYY-MM-DD, like 2014-03-31: {value['date_of_birth']!r} is not."
            )
        else:
            if born > extracted_on:
                problem(
                    "date_of_birth",
                    f"{born:%-d %B %Y} is after the extract was taken ({extracted_on:%-d %B %Y}): a date of birth "
                    "cannot be in the future.",
                )
            elif born < EARLIEST_BIRTH:
                problem(
                    "date_of_birth",
                    f"{born:%-d %B %Y} is before 1900: a date of birth must be 1 January 1900 or later.",
                )

    sex = value["sex"].upper() or Sex.UNKNOWN
    if sex not in SEXES:
        problem("sex", f"write M, F or U (not known), or leave it blank: {value['sex']!r} is not one of them.")

    postcode = ""
    if value["postcode"]:
        postcode = normal_postcode(value["postcode"]) or ""
        if not postcode:
            problem("postcode", f"{value['postcode']!r} is not a UK postcode: write it like SW1A 1AA.")

    nhs_number = value["nhs_number"].replace(" ", "")
    if nhs_number:
        if not (len(nhs_number) == 10 and nhs_number.isdigit()):
            problem("nhs_number", f"an NHS number is 10 digits: {value['nhs_number']!r} is not.")
        elif not is_valid_nhs_number(nhs_number):
            problem(
                "nhs_number",
                f"the NHS number {nhs_number} fails its check digit: a digit is wrong. Correct it in the agency's "
                "system, or leave it blank.",
            )
    if problems:
        return None, problems
    return (
        Clean(
            record_id=value["record_id"],
            first_name=value["first_name"],
            surname=value["surname"],
            date_of_birth=born,
            sex=sex,
            postcode=postcode,
            address=value["address"],
            nhs_number=nhs_number,
        ),
        [],
    )


def _when(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%-d %B %Y %H:%M}"


# --------------------------------------------------------------------------------------------------------------
# Importing


def _batches(rows: Rows) -> Iterator[list[tuple[int, Mapping[str, str | None]]]]:
    """The rows with their numbers (the header is row 1), a batch at a time."""
    batch: list[tuple[int, Mapping[str, str | None]]] = []
    for number, row in enumerate(rows, start=2):
        batch.append((number, row))
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


@dataclass
class Checked:
    read: int  # rows that are not blank
    problems: dict[int, list[Problem]]  # by row number
    updates: dict[int, int]  # row number: the stored record it updates


def _check(*, agency: Agency, system: str, extracted_at: datetime, rows: Rows, progress: Progress | None) -> Checked:
    """Every row checked. Blank rows are skipped."""
    extracted_on = timezone.localdate(extracted_at)
    total, read, done = len(rows), 0, 0
    problems: dict[int, list[Problem]] = {}
    updates: dict[int, int] = {}
    first_row: dict[str, int] = {}  # record_id: the row it is first on
    duplicated: set[int] = set()  # first rows of record ids that are on more than one row
    for batch in _batches(rows):
        good: dict[str, int] = {}
        for number, row in batch:
            if _blank(row):
                continue
            read += 1
            clean, found = check_row(number, row, extracted_on)
            record_id = (row.get("record_id") or "").strip()
            if record_id:
                first = first_row.setdefault(record_id, number)
                if first != number:  # neither row is loaded: which of them is right is for the agency to say
                    found.append(Problem(number, "record_id", f"{record_id} is also on row {first}: {ONCE}"))
                    if first not in duplicated:
                        duplicated.add(first)
                        problems.setdefault(first, []).append(
                            Problem(first, "record_id", f"{record_id} is also on row {number}: {ONCE}")
                        )
                    good.pop(record_id, None)
            if found:
                problems[number] = found
            elif clean is not None:
                good[clean.record_id] = number
        stored = AgencyRecord.objects.filter(agency=agency, system=system, record_id__in=list(good))
        for record_id, pk, stored_at in stored.values_list("record_id", "pk", "extracted_at"):
            number = good[record_id]
            if stored_at < extracted_at:
                updates[number] = pk
            else:
                age = "a newer extract" if stored_at > extracted_at else "an extract taken at the same time"
                problems[number] = [Problem(number, "record_id", f"already loaded from {age} ({_when(stored_at)}).")]
        done += len(batch)
        if progress:
            progress(done, total, "checked")
    for number in duplicated:  # a first row found good before its record id turned up again
        updates.pop(number, None)
    return Checked(read=read, problems=problems, updates=updates)


UPDATED = {*FIELDS, "extracted_at", "record_import_id"}


def _update(records: list[AgencyRecord]) -> None:
    """Write these records' values over the stored ones (each has its stored pk): one UPDATE statement, run for
    every record with executemany. Django's bulk_update builds a CASE expression per column instead, which took
    191 s for 100,000 records on SQLite; this took 10 s (PostgreSQL 20 s, its time spent in the server keeping the
    indexes; one UPDATE ... FROM (VALUES ...) per 1,000 records was no faster)."""
    if not records:
        return
    meta = AgencyRecord._meta
    fields = [field for field in meta.concrete_fields if field.attname in UPDATED]
    quote = connection.ops.quote_name  # names from the model, quoted; every value is a parameter
    columns = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    sql = f"UPDATE {quote(meta.db_table)} SET {columns} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608  # nosec B608
    params = [
        [field.get_db_prep_save(getattr(record, field.attname), connection) for field in fields] + [record.pk]
        for record in records
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _load(*, record_import: RecordImport, rows: Rows, checked: Checked, progress: Progress | None) -> int:
    """Write every row that passed its checks, a batch at a time: the number of rows loaded."""
    agency, system, extracted_at = record_import.agency, record_import.system, record_import.extracted_at
    extracted_on = timezone.localdate(extracted_at)
    to_load = checked.read - len(checked.problems)
    loaded = 0
    for batch in _batches(rows):
        new, changed = [], []
        for number, row in batch:
            if number in checked.problems or _blank(row):
                continue
            clean, _ = check_row(number, row, extracted_on)
            if clean is None:  # cannot happen: the row passed its checks
                raise RuntimeError(f"Row {number} changed while it was being imported.")
            record = AgencyRecord(
                agency_id=agency.pk,
                system=system,
                record_id=clean.record_id,
                extracted_at=extracted_at,
                record_import_id=record_import.pk,
                **clean.values(),
            )
            if number in checked.updates:
                record.pk = checked.updates[number]
                changed.append(record)
            else:
                new.append(record)
        AgencyRecord.objects.bulk_create(new)
        _update(changed)
        match_keys_refresh(agency_records=[*new, *changed])  # matching at intake finds them by these
        if new or changed:
            loaded += len(new) + len(changed)
            if progress:
                progress(loaded, to_load, "loaded")
    return loaded


@transaction.atomic
def records_import(
    *,
    actor: User,
    now: datetime,
    agency: Agency,
    system: str,
    extracted_at: datetime,
    file_name: str,
    rows: Rows,
    accept_rejects: bool = False,
    progress: Progress | None = None,
) -> RecordImport:
    """Load an agency's extract, all rows or none. If any row breaks a rule, raise ImportProblems naming every
    problem and write nothing, unless `accept_rejects`: then load the other rows and keep the problems with the
    import. Only an administrator may import."""
    rules = Rules()
    rules.check(
        actor.role == Role.ADMINISTRATOR and actor.is_active,
        "__all__",
        "Only an administrator can import agency records.",
    )
    system = system.strip()
    if rules.check(bool(system), "system", "Enter the name of the agency's system the extract came from, like Niche."):
        rules.check(len(system) <= 100, "system", "The system's name must be 100 characters or fewer.")
    rules.check(
        extracted_at <= now,
        "extracted_at",
        f"The extract cannot have been taken in the future: {_when(extracted_at)} is after now ({_when(now)}).",
    )
    rules.raise_if_broken()
    if isinstance(rows, RecordFile):
        columns: Iterable[str] = rows.columns
    else:
        columns = next((row.keys() for row in rows if row), COLUMNS)
    problem = columns_problem(c for c in columns if c != EXTRA)
    if problem:
        raise ImportProblems([problem])
    Agency.objects.select_for_update().filter(pk=agency.pk).first()  # one import per agency at a time

    checked = _check(agency=agency, system=system, extracted_at=extracted_at, rows=rows, progress=progress)
    if checked.read == 0:
        raise ImportProblems(["The file has a header row but no records."])
    listed = [p for number in sorted(checked.problems) for p in checked.problems[number]]
    if listed and not accept_rejects:
        raise ImportProblems([str(p) for p in listed], listed)

    record_import = RecordImport.objects.create(
        agency=agency,
        system=system,
        extracted_at=extracted_at,
        file_name=file_name[:255],
        imported_by=actor,
        imported_at=now,
        rows_read=checked.read,
        rows_loaded=checked.read - len(checked.problems),
        rows_updated=len(checked.updates),
        rejected=[p.as_dict() for p in listed],
    )
    loaded = _load(record_import=record_import, rows=rows, checked=checked, progress=progress)
    if loaded != record_import.rows_loaded:  # the rows changed between checking and loading: load none of them
        raise RuntimeError(f"{record_import.rows_loaded} rows passed their checks but {loaded} were loaded.")
    audit.record(
        user=actor,
        action=AuditAction.CHANGE,
        what="agency-records-import",
        reason=(
            f"{agency} {system} extract taken {_when(extracted_at)} ({file_name or 'no file name'}): "
            f"rows read {checked.read}, new records {record_import.rows_loaded - record_import.rows_updated}, "
            f"updated {record_import.rows_updated}, rows rejected {len(checked.problems)}"
        ),
        now=now,
        record=record_import,
    )
    return record_import


def problem_lines(problems: list[Problem], most: int | None = None) -> list[str]:
    """The problems as "Row N, column: message" lines: the first `most`, then how many more there are."""
    lines = [str(p) for p in (problems if most is None else problems[:most])]
    if most is not None and len(problems) > most:
        more = len(problems) - most
        lines.append(f"…and {more:,} more problem{'s' if more != 1 else ''}.")
    return lines
