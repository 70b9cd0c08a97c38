from __future__ import annotations

from datetime import date, datetime

from django.db import models

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
    """Write one timeline event. Call it inside the service's own transaction."""
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
