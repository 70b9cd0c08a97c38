from __future__ import annotations

from django.db import transaction

from macpu.agencies.models import LocalAuthority, Role, User
from macpu.core.services import Rules, locked

LOCAL_SETTINGS = (
    "name",
    "code",
    "visit_frequency_working_days",
    "contact_decision_working_days",
    "strategy_discussion_working_days",
    "due_soon_working_days",
    "start_day_counts",
    "working_day_starts",
    "working_day_ends",
    "red_hours",
    "red_working_hours",
    "amber_hours",
    "amber_working_hours",
    "green_hours",
    "green_working_hours",
    "practitioners_days",
    "managers_days",
    "senior_managers_days",
    "partners_days",
    "small_cell_threshold",
)


@transaction.atomic
def local_settings_update(*, actor: User, changes: dict[str, object]) -> LocalAuthority:
    """An administrator changes the local authority's own choices. Field rules come from the model's validators."""
    rules = Rules()
    rules.check(actor.role == Role.ADMINISTRATOR, "__all__", "Only an administrator can change local settings.")
    rules.check(set(changes) <= set(LOCAL_SETTINGS), "__all__", "Only local settings can be changed here.")
    rules.raise_if_broken()
    la = LocalAuthority.objects.first()
    la = locked(la) if la else LocalAuthority(name="Local authority", code="000")
    for name, value in changes.items():
        setattr(la, name, value)
    la.full_clean()
    la.save()
    return la
