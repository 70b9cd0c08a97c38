"""The audit trail is a hash chain: every kind of tampering is found and located, and PostgreSQL refuses it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from macpu.access import audit
from macpu.access.heads import export_head, read_heads
from macpu.access.models import AuditEvent, AuditSubject

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
TABLES = ("access_auditevent", "access_auditsubject")


@contextmanager
def tampering() -> Iterator[None]:
    """What someone who owns the tables could do: on PostgreSQL, switch the append-only triggers off first."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending foreign key checks block ALTER TABLE
            for table in TABLES:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
    yield


def rows(count: int) -> list[AuditEvent]:
    return [
        audit.record(
            user=None,
            action="view",
            what="child-detail",
            reason=f"row {i}",
            now=NOW + timedelta(minutes=i),
            subjects=[(100 + i, "Allocated worker")],
        )
        for i in range(1, count + 1)
    ]


@pytest.mark.django_db
def test_an_untouched_chain_verifies_with_each_row_following_the_one_before():
    written = rows(5)

    result = audit.verify()

    assert result.broken is None
    assert result.rows == 5
    assert [e.seq for e in written] == [1, 2, 3, 4, 5]
    assert all(later.prev_hash == earlier.hash for earlier, later in zip(written, written[1:], strict=False))
    assert result.head == (5, written[-1].hash)


@pytest.mark.django_db
def test_an_edited_middle_row_is_found_and_located():
    written = rows(5)
    with tampering():
        AuditEvent.objects.filter(pk=written[2].pk).update(username="someone-else")

    broken = audit.verify().broken

    assert broken is not None and broken.seq == 3
    assert "content does not match its hash" in broken.problem


@pytest.mark.django_db
def test_an_edited_subject_is_found_at_its_row():
    written = rows(4)
    with tampering():
        AuditSubject.objects.filter(event=written[1]).update(person_id=999)

    broken = audit.verify().broken

    assert broken is not None and broken.seq == 2


@pytest.mark.django_db
def test_a_deleted_row_is_found_and_located():
    written = rows(5)
    with tampering():
        AuditSubject.objects.filter(event=written[3]).delete()
        AuditEvent.objects.filter(pk=written[3].pk).delete()

    broken = audit.verify().broken

    assert broken is not None and broken.seq == 4
    assert "missing" in broken.problem and "from row 3 to row 5" in broken.problem


@pytest.mark.django_db
def test_two_swapped_rows_are_found_at_the_first_of_them():
    written = rows(5)
    second, third = written[1], written[2]
    with tampering():
        AuditEvent.objects.filter(pk=second.pk).update(seq=-1)
        AuditEvent.objects.filter(pk=third.pk).update(seq=2)
        AuditEvent.objects.filter(pk=second.pk).update(seq=3)

    broken = audit.verify().broken

    assert broken is not None and broken.seq == 2


@pytest.mark.django_db
def test_a_row_rewritten_with_a_fresh_hash_is_found_at_the_row_after_it():
    written = rows(4)
    forged = written[1]
    forged.username = "forger"
    forged.hash = audit.row_hash(forged, [(102, "Allocated worker")])
    with tampering():
        AuditEvent.objects.filter(pk=forged.pk).update(username=forged.username, hash=forged.hash)

    broken = audit.verify().broken

    assert broken is not None and broken.seq == 3
    assert "does not follow the row before it" in broken.problem


@pytest.mark.django_db
def test_a_cut_tail_is_found_against_the_exported_head(tmp_path):
    written = rows(6)
    heads = tmp_path / "audit-heads.jsonl"
    export_head(heads, now=NOW)
    assert audit.verify(read_heads(heads)).broken is None
    with tampering():
        for event in written[4:]:
            AuditSubject.objects.filter(event=event).delete()
            AuditEvent.objects.filter(pk=event.pk).delete()

    assert audit.verify().broken is None  # without the exported head, a cut tail looks like a shorter chain
    broken = audit.verify(read_heads(heads)).broken

    assert broken is not None and broken.seq == 6
    assert "the chain ends at row 4" in broken.problem


@pytest.mark.django_db
def test_the_commands_export_the_head_and_report_the_first_broken_row(tmp_path, capsys):
    written = rows(3)
    heads = tmp_path / "heads.jsonl"

    call_command("audit-head", "--output", str(heads))
    call_command("audit-verify", "--heads", str(heads))
    assert "The audit trail verifies: 3 rows, and 1 exported chain heads" in capsys.readouterr().out

    with tampering():
        AuditEvent.objects.filter(pk=written[0].pk).update(reason="nothing to see")
    with pytest.raises(CommandError, match=r"Row 1: its content does not match its hash"):
        call_command("audit-verify", "--heads", str(heads))


@pytest.mark.django_db
def test_a_heads_file_that_cannot_be_read_is_an_error_naming_the_line(tmp_path):
    heads = tmp_path / "heads.jsonl"
    heads.write_text('{"seq": 1, "hash": "ab"}\nnot json\n')

    with pytest.raises(CommandError, match=r"--heads: .*line 2: not a chain head"):
        call_command("audit-verify", "--heads", str(heads))


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the append-only triggers are PostgreSQL's")
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE access_auditevent SET username = 'x'",
        "DELETE FROM access_auditevent",
        "TRUNCATE access_auditevent CASCADE",
        "UPDATE access_auditsubject SET basis = 'x'",
        "DELETE FROM access_auditsubject",
    ],
)
def test_postgresql_refuses_to_change_or_remove_audit_rows(statement):
    rows(2)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table in TABLES:
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)

    assert AuditEvent.objects.count() == 2
    assert audit.verify().broken is None
