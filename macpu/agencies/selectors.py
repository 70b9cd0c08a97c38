from __future__ import annotations

from functools import cache

from macpu.agencies.models import LocalAuthority, Role, Team, User
from macpu.timescales.calendar import WorkingDayCalendar
from macpu.timescales.clocks import LocalPolicy


def local_authority() -> LocalAuthority:
    la = LocalAuthority.objects.first()
    return la if la is not None else LocalAuthority(name="Local authority", code="000")


def local_policy() -> LocalPolicy:
    """The local authority's choices for clocks, from its settings (an administrator changes them in the product)."""
    la = local_authority()
    return LocalPolicy(
        visit_frequency_working_days=la.visit_frequency_working_days,
        contact_decision_working_days=la.contact_decision_working_days,
        strategy_discussion_working_days=la.strategy_discussion_working_days,
        due_soon_working_days=la.due_soon_working_days,
        start_day_counts=la.start_day_counts,
    )


@cache
def working_day_calendar() -> WorkingDayCalendar:
    return WorkingDayCalendar()


def team_social_workers(team: Team | None) -> list[User]:
    if team is None:
        return []
    return list(
        User.objects.filter(team=team, is_active=True, role__in=[Role.SOCIAL_WORKER, Role.TEAM_MANAGER]).order_by(
            "last_name", "first_name"
        )
    )


def conference_chairs() -> list[User]:
    return list(User.objects.filter(role=Role.CONFERENCE_CHAIR, is_active=True).order_by("last_name", "first_name"))
