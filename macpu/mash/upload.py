"""Answers to information requests uploaded as CSV, for agencies without a system that calls the API.

Columns (a header row; docs/information-requests-csv.md): request_id, person_id, nothing_known (yes or no),
occurred_on (YYYY-MM-DD), kind, summary, source_reference, lawful_basis, disclosure, disclosure_reason,
restricted_to (roles separated by semicolons). Rows for the same request make one answer. Every row is checked,
and every answer; if any row breaks a rule, nothing is saved and each problem is reported with its row and column.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from macpu.agencies.models import User
from macpu.mash.models import InformationRequest
from macpu.mash.selectors import agency_requests
from macpu.mash.services import Item, information_answer

COLUMNS = [
    "request_id",
    "person_id",
    "nothing_known",
    "occurred_on",
    "kind",
    "summary",
    "source_reference",
    "lawful_basis",
    "disclosure",
    "disclosure_reason",
    "restricted_to",
]
MAX_ROWS = 5000


class UploadProblems(ValidationError):
    """Every problem in the file, as "Row N, column: message" lines."""


def _int(value: str) -> int | None:
    return int(value) if value.strip().isdigit() else None


def _date(value: str) -> date | None:
    try:
        return datetime.strptime(value.strip(), "%Y-%m-%d").date()  # noqa: DTZ007 - a calendar date, no time
    except ValueError:
        return None


def read(data: bytes) -> list[dict[str, str]]:
    """The file's rows, or UploadProblems if it cannot be read as the CSV described above."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UploadProblems(["The file is not UTF-8 text: save it from your spreadsheet as CSV UTF-8."]) from error
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise UploadProblems([f"The header row is missing these columns: {', '.join(missing)}."])
    rows = [{k: (v or "").strip() for k, v in row.items() if k in COLUMNS} for row in reader]
    if not rows:
        raise UploadProblems(["The file has a header row but no answers."])
    if len(rows) > MAX_ROWS:
        raise UploadProblems([f"The file has {len(rows)} rows: upload at most {MAX_ROWS} at a time."])
    return rows


@transaction.atomic
def answers_upload(*, actor: User, now: datetime, rows: list[dict[str, str]]) -> list[InformationRequest]:
    """Answer every request the rows name, all or none. Row numbers count the header as row 1."""
    problems: list[str] = []
    by_request: dict[int, list[tuple[int, Item]]] = defaultdict(list)
    open_requests = {r.pk: r for r in agency_requests(actor).filter(answered_at__isnull=True)}
    people: dict[int, dict[int, object]] = {}
    for number, row in enumerate(rows, start=2):
        request_id = _int(row["request_id"])
        if request_id is None or request_id not in open_requests:
            problems.append(f"Row {number}, request_id: there is no open request {row['request_id']!r} to your agency.")
            continue
        asked = people.setdefault(request_id, {p.pk: p for p in open_requests[request_id].people.all()})
        person_id = _int(row["person_id"])
        if person_id not in asked:
            problems.append(f"Row {number}, person_id: {row['person_id']!r} is not one of the people asked about.")
            continue
        if row["nothing_known"].lower() not in ("yes", "no", ""):
            problems.append(f"Row {number}, nothing_known: write yes or no.")
            continue
        if row["occurred_on"] and _date(row["occurred_on"]) is None:
            problems.append(f"Row {number}, occurred_on: write the date as YYYY-MM-DD, like 2026-03-31.")
            continue
        by_request[request_id].append(
            (
                number,
                Item(
                    person=asked[person_id],  # type: ignore[arg-type]
                    nothing_known=row["nothing_known"].lower() == "yes",
                    occurred_on=_date(row["occurred_on"]) if row["occurred_on"] else None,
                    kind=row["kind"],
                    summary=row["summary"],
                    source_reference=row["source_reference"],
                    lawful_basis=row["lawful_basis"],
                    disclosure=row["disclosure"],
                    disclosure_reason=row["disclosure_reason"],
                    restricted_to=[r.strip() for r in row["restricted_to"].split(";") if r.strip()],
                ),
            )
        )
    answered = []
    for request_id, numbered in by_request.items():
        try:
            answered.append(
                information_answer(
                    actor=actor, now=now, request=open_requests[request_id], items=[i for _, i in numbered]
                )
            )
        except ValidationError as error:
            problems += _located(error, request_id, [n for n, _ in numbered])
    if problems:
        raise UploadProblems(problems)
    return answered


def _located(error: ValidationError, request_id: int, numbers: list[int]) -> list[str]:
    """The service's `item_2_summary` is the third row for the request: "Row 7, summary: ..."."""
    found = []
    for key, messages in error.message_dict.items():
        parts = key.split("_", 2)
        if len(parts) == 3 and parts[0] == "item" and parts[1].isdigit():
            where = f"Row {numbers[int(parts[1])]}, {parts[2]}"
        else:
            where = f"Request {request_id}"
        found += [f"{where}: {message}" for message in messages]
    return found
