"""Analytics pages: published figures for every local authority, the unit's own funnel, and evaluation.

Only the analyst, manager and privacy officer roles see them, and they never show an identifiable child: figures are
counts and rates, with small cells suppressed (macpu.analytics.stats)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from macpu.agencies.models import Role, User

ANALYTICS_ROLES = frozenset({Role.PERFORMANCE_ANALYST, Role.ANALYST, Role.TEAM_MANAGER, Role.PRIVACY_OFFICER})


def may_see_analytics(user: User) -> bool:
    return user.is_active and user.role in ANALYTICS_ROLES


def _allowed(request: HttpRequest) -> None:
    if not may_see_analytics(request.user):  # type: ignore[arg-type]
        raise PermissionDenied


def home(request: HttpRequest) -> HttpResponse:
    _allowed(request)
    return render(request, "analytics/home.html")
