"""Reads of information requests and their items. Every read of an item goes through `items_visible` (or, for
anything the family will see, `items_for_family`), so the disclosure marker holds on every page, export and API
answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.apps import apps
from django.db.models import F, Model, Prefetch, Q, QuerySet

from macpu.agencies.models import User
from macpu.intake.models import Contact
from macpu.mash.models import Disclosure, InformationItem, InformationRequest
from macpu.people.models import Person


def item_scope(user: User) -> Q:
    """Items the user may see: not restricted; or restricted to their role; or from their own agency."""
    restricted_to_them = Q(restricted_to__icontains=f'"{user.role}"') if user.role else Q(pk__in=[])
    return ~Q(disclosure=Disclosure.RESTRICTED) | restricted_to_them | Q(request__agency_id=user.agency_id)


def items_visible(user: User, requests: QuerySet[InformationRequest]) -> QuerySet[InformationItem]:
    return (
        InformationItem.objects.filter(request__in=requests)
        .filter(item_scope(user))
        .select_related("person", "request__agency")
    )


def items_for_family(contact: Contact) -> QuerySet[InformationItem]:
    """What may go into anything the family sees: only items marked as shareable with them."""
    return InformationItem.objects.filter(request__contact=contact, disclosure=Disclosure.FAMILY).select_related(
        "person", "request__agency"
    )


def agency_requests(user: User) -> QuerySet[InformationRequest]:
    """The requests sent to the user's own agency, oldest deadline first (a partner practitioner's whole view)."""
    if user.agency_id is None:
        return InformationRequest.objects.none()
    return (
        InformationRequest.objects.filter(agency_id=user.agency_id)
        .select_related("agency", "contact", "escalated_to")
        .prefetch_related(
            Prefetch("people", queryset=Person.objects.order_by("family_name", "given_name", "pk")),
            "strategy_invitations",
        )
    )


def agency_actions(user: User) -> QuerySet[Model]:
    """The actions agreed at strategy discussions for the user's agency, from discussions it was invited to: what
    it must do, and by when."""
    actions = apps.get_model("protection", "StrategyAction").objects  # protection builds on mash, not the reverse
    if user.agency_id is None:
        return actions.none()
    return (
        actions.filter(agency_id=user.agency_id, discussion__invitations__agency_id=user.agency_id)
        .distinct()
        .select_related("discussion__referral__child")
        .order_by(F("done_on").desc(nulls_first=True), "due_on", "pk")
    )


@dataclass(frozen=True)
class AgencyAnswer:
    request: InformationRequest
    items: list[InformationItem]
    late: bool  # not answered by the deadline (answered late, or still waiting after it)


def picture(user: User, contact: Contact, now: datetime) -> list[AgencyAnswer]:
    """For a contact the user may see (the caller has it from `contact_get`): each agency asked, whether it has
    answered or is late, and the items the user may see."""
    requests = list(contact.information_requests.select_related("agency").prefetch_related("people"))
    items: dict[int, list[InformationItem]] = {}
    for item in items_visible(user, contact.information_requests.all()):
        items.setdefault(item.request_id, []).append(item)
    return [
        AgencyAnswer(
            request=r,
            items=items.get(r.pk, []),
            late=(r.answered_at or now) > r.due_at,
        )
        for r in requests
    ]
