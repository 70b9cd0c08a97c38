"""Small helpers every service uses: rule checks that name the field and the rule, and date sanity."""

from __future__ import annotations

from datetime import date, datetime
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import models


class Rules:
    """Collects broken rules, then raises them together as one ValidationError keyed by field.

    rules = Rules()
    rules.check(held_on <= today, "held_on", "The date of the conference cannot be in the future.")
    rules.raise_if_broken()
    """

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def check(self, ok: bool, field: str, message: str) -> bool:
        if not ok:
            self.errors.setdefault(field, []).append(message)
        return ok

    def not_in_future(self, value: date | None, field: str, label: str, today: date) -> None:
        if value is not None:
            self.check(value <= today, field, f"{label} cannot be in the future.")

    def not_before(self, value: date | None, earliest: date, field: str, label: str, earlier_label: str) -> None:
        if value is not None:
            self.check(value >= earliest, field, f"{label} must be on or after {earlier_label} ({earliest:%-d %B %Y}).")

    def raise_if_broken(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


M = TypeVar("M", bound=models.Model)


def locked(instance: M) -> M:
    """The row as it is now in the database, locked until the transaction ends: services decide on fresh state."""
    return type(instance)._default_manager.select_for_update().get(pk=instance.pk)


def today_of(now: datetime) -> date:
    """The calendar day in England for an aware `now` passed in from the edge."""
    from django.utils import timezone

    return timezone.localdate(now)
