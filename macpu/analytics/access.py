"""Who sees the analytics pages: the analyst, manager and privacy officer roles (counts and rates, never a child)."""

from __future__ import annotations

from macpu.agencies.models import Role, User

ANALYTICS_ROLES = frozenset({Role.PERFORMANCE_ANALYST, Role.ANALYST, Role.TEAM_MANAGER, Role.PRIVACY_OFFICER})


def may_see_analytics(user: User) -> bool:
    return user.is_active and user.role in ANALYTICS_ROLES
