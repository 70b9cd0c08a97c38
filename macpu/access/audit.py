"""The audit trail: one hash-chained row per look at, or change of, children's records (design rule 3).

`record` appends a row inside the caller's transaction, so a change and its audit row commit together or not at
all. Appends are serialised (an advisory lock on PostgreSQL; SQLite's IMMEDIATE transactions already are), so each
row's `prev_hash` is the hash of the row before it.

Pages and API reads say which children they showed with `seen`; the middleware writes one row for the request
before the response leaves, and a request whose row cannot be written fails.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.db import connection, transaction

from macpu.access.models import AuditEvent, AuditSubject

GENESIS = "0" * 64
CHAIN_LOCK = 740_118_331  # pg_advisory_xact_lock key for appends


@dataclass
class RequestAudit:
    """What the current request has shown: filled by selectors, written by the middleware."""

    source: str
    what: str
    action: str = "view"
    children: dict[int, None] = field(default_factory=dict)  # ordered set of person ids


current: ContextVar[RequestAudit | None] = ContextVar("macpu_request_audit", default=None)


@contextmanager
def collecting(*, source: str, what: str) -> Iterator[RequestAudit]:
    """Note the children shown while the block runs (a request, or an export from the command line)."""
    noted = RequestAudit(source=source, what=what)
    token = current.set(noted)
    try:
        yield noted
    finally:
        current.reset(token)


def seen(children: Iterable[object], action: str | None = None) -> None:
    """Note that this request showed these children (people, or their ids). Outside a request nothing is noted:
    commands audit their own exports with `record`."""
    request = current.get()
    if request is None:
        return
    for child in children:
        request.children[int(getattr(child, "pk", child))] = None  # type: ignore[call-overload]
    if action:
        request.action = action


def _canonical(row: dict[str, object], subjects: list[tuple[int, str]]) -> bytes:
    return json.dumps({**row, "subjects": subjects}, sort_keys=True, separators=(",", ":"), default=str).encode()


def _content(event: AuditEvent, subjects: list[tuple[int, str]]) -> dict[str, object]:
    return {
        "seq": event.seq,
        "at": event.at.astimezone(UTC).isoformat(),
        "user_id": event.user_id,
        "username": event.username,
        "agency": event.agency,
        "role": event.role,
        "action": event.action,
        "what": event.what,
        "record_type": event.record_type,
        "record_id": event.record_id,
        "source": event.source,
        "reason": event.reason,
    }


def row_hash(event: AuditEvent, subjects: list[tuple[int, str]]) -> str:
    """The row's hash: the previous row's hash and this row's content, subjects included."""
    digest = hashlib.sha256(event.prev_hash.encode())
    digest.update(_canonical(_content(event, subjects), sorted(subjects)))
    return digest.hexdigest()


def _lock_chain() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK])


def record(
    *,
    user: object | None,
    action: str,
    what: str,
    reason: str,
    now: datetime,
    subjects: Iterable[tuple[int, str]] = (),
    record: object | None = None,
    source: str | None = None,
) -> AuditEvent:
    """Append one row to the chain, in the caller's transaction (or its own). `subjects` are (person id, basis)."""
    request = current.get()
    agency = getattr(user, "agency", None)
    with transaction.atomic(savepoint=False):  # the caller's transaction, or one of its own; no savepoint
        _lock_chain()
        last = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
        seq, prev = last if last else (0, GENESIS)
        event = AuditEvent(
            seq=seq + 1,
            at=now.astimezone(UTC),
            user_id=getattr(user, "pk", None),
            username=getattr(user, "username", "") or "system",
            agency=str(agency) if agency else "",
            role=getattr(user, "role", "") or "",
            action=action,
            what=what[:100],
            record_type=record._meta.model_name if record is not None else "",  # type: ignore[attr-defined]
            record_id=getattr(record, "pk", None),
            source=source or (request.source if request else "command line"),
            reason=reason,
            prev_hash=prev,
        )
        subject_list = [(int(p), b[:300]) for p, b in subjects]
        event.hash = row_hash(event, subject_list)
        event.save(force_insert=True)
        AuditSubject.objects.bulk_create(
            [AuditSubject(event=event, person_id=p, basis=b) for p, b in subject_list], batch_size=2000
        )
    return event


@dataclass(frozen=True)
class Break:
    """Where the chain first fails to verify, in words a privacy officer can act on."""

    seq: int
    problem: str


def _events() -> Iterator[tuple[AuditEvent, list[tuple[int, str]]]]:
    """Every row in sequence order with its subjects, a chunk at a time."""
    last = 0
    while True:
        chunk = list(AuditEvent.objects.filter(seq__gt=last).order_by("seq")[:2000])
        if not chunk:
            return
        subjects: dict[int, list[tuple[int, str]]] = {}
        for event_id, person_id, basis in AuditSubject.objects.filter(event__in=chunk).values_list(
            "event_id", "person_id", "basis"
        ):
            subjects.setdefault(event_id, []).append((person_id, basis))
        for event in chunk:
            yield event, subjects.get(event.pk, [])
        last = chunk[-1].seq


@dataclass(frozen=True)
class Verification:
    rows: int
    head: tuple[int, str]  # the last row's sequence number and hash
    broken: Break | None


def verify(heads: Iterable[tuple[int, str]] = ()) -> Verification:
    """Walk the chain from the first row. The first row whose content no longer matches its hash was altered; a
    row whose hash is right but which does not follow the row before it was moved or has a row missing before it.
    `heads` (sequence, hash) exported earlier must still be in the chain: a missing one means the tail was cut."""
    expected_seq, prev, rows = 1, GENESIS, 0
    hashes: dict[int, str] = {}
    wanted = dict(heads)
    for event, subjects in _events():
        rows += 1
        if event.seq != expected_seq:
            return Verification(rows, (event.seq, event.hash), Break(expected_seq, _missing(expected_seq, event.seq)))
        if row_hash(event, subjects) != event.hash:
            return Verification(
                rows,
                (event.seq, event.hash),
                Break(event.seq, "its content does not match its hash: it was changed, or swapped with another row"),
            )
        if event.prev_hash != prev:
            return Verification(
                rows,
                (event.seq, event.hash),
                Break(event.seq, "it does not follow the row before it (moved or swapped)"),
            )
        if event.seq in wanted:
            hashes[event.seq] = event.hash
        prev, expected_seq = event.hash, event.seq + 1
    head = (expected_seq - 1, prev)
    for seq, hash_ in sorted(wanted.items()):
        if seq not in hashes:
            return Verification(rows, head, Break(seq, f"the chain ends at row {head[0]}: rows after it were removed"))
        if hashes[seq] != hash_:
            return Verification(rows, head, Break(seq, "it differs from the exported chain head"))
    return Verification(rows, head, None)


def _missing(expected: int, found: int) -> str:
    if found > expected:
        return f"it is missing: the chain jumps from row {expected - 1} to row {found}"
    return f"the rows are out of order: row {found} comes where row {expected} should"


def record_noted(noted: RequestAudit, *, user: Any, reason: str, now: datetime) -> AuditEvent | None:
    """The one row for what a request or export showed, each child with the user's basis for seeing them."""
    if not noted.children:
        return None
    from macpu.access.selectors import bases_for  # it reads the cases, which sit above the audit trail

    bases = bases_for(user, noted.children) if user is not None else {}
    default = "Not visible to this user" if user is not None else "Run from the command line"
    return record(
        user=user,
        action=noted.action,
        what=noted.what,
        reason=reason,
        now=now,
        subjects=[(pk, bases.get(pk, default)) for pk in noted.children],
    )
