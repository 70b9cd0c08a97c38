"""What every page needs: the service navigation for the signed-in user's role."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse

from macpu.agencies.models import Role
from macpu.analytics.access import may_see_analytics
from macpu.core.services import may_record
from macpu.intake.services import may_record_contact  # the page refuses anyone else

CASE_LINKS = (("My work", "my-work"), ("Team's work", "team-work"), ("Find a child", "child-search"))
ADMINISTRATOR_LINKS = (("Local settings", "local-settings"),)
ANALYST_LINKS = (
    ("Analytics", "analytics-home"),
    ("Children in need census", "cin-census"),
    ("Ofsted Annex A", "annex-a"),
    ("Find a child", "child-search"),
)
PARTNER_LINKS = (("Requests to my agency", "agency-requests"),)
# Unit staff of police, health and education also answer the requests sent to their agency.
ANSWERING_ROLES = frozenset({Role.POLICE_OFFICER, Role.HEALTH_PRACTITIONER, Role.EDUCATION_LEAD})
PRIVACY_LINKS = (
    ("Audit and alerts", "privacy-home"),
    ("A child's access history", "privacy-child"),
    ("A user's activity", "privacy-user"),
    ("Analytics", "analytics-home"),
)


@dataclass(frozen=True)
class NavigationLink:
    label: str
    url: str
    current: bool


def navigation(request: HttpRequest) -> dict[str, list[NavigationLink]]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"navigation": []}
    if user.role == Role.ADMINISTRATOR:
        links = ADMINISTRATOR_LINKS
    elif user.role == Role.PERFORMANCE_ANALYST:
        links = ANALYST_LINKS
    elif user.role == Role.ANALYST:
        links = (("Analytics", "analytics-home"),)
    elif user.role == Role.PRIVACY_OFFICER:
        links = PRIVACY_LINKS
    elif user.role == Role.PARTNER_PRACTITIONER:
        links = PARTNER_LINKS
    else:
        links = (*CASE_LINKS, ("New contact", "contact-create")) if may_record_contact(user) else CASE_LINKS
        if user.role in ANSWERING_ROLES:
            links = (*links, *PARTNER_LINKS)
        if may_record(user, "review_pair_decide"):
            links = (*links, ("Possible matches", "review-queue"))
        if may_see_analytics(user):
            links = (*links, ("Analytics", "analytics-home"))
    current = request.resolver_match.url_name if request.resolver_match else None
    return {"navigation": [NavigationLink(label, reverse(name), name == current) for label, name in links]}
