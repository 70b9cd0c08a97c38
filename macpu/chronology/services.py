from __future__ import annotations

from datetime import date, datetime

from django.db import models

from macpu.access import audit
from macpu.agencies.models import User
from macpu.chronology.models import Event, EventKind
from macpu.people.models import Person


def event_record(
    *,
    child: Person,
    kind: EventKind,
    occurred_on: date,
    summary: str,
    subject: models.Model,
    actor: User | None,
    now: datetime,
) -> Event:
    """Write one timeline event and its audit row. Call it inside the service's own transaction.

    The change's row says who made it, as what; the relationship that let them reach the record is on the row the
    same request wrote for reading it (a service is only reached through the scope filter)."""
    audit.record(
        user=actor,
        action="change",
        what=kind,
        reason=summary,
        now=now,
        subjects=[(child.pk, f"Recorded as {actor.get_role_display().lower()}" if actor else "Done by the system")],
        record=subject,
    )
    return Event.objects.create(
        child=child,
        kind=kind,
        occurred_on=occurred_on,
        summary=summary,
        subject_type=subject._meta.model_name,
        subject_id=subject.pk,
        actor=actor,
        recorded_at=now,
    )
