"""Reads of contacts, referrals and the records on a child's case. Each takes the requesting user and scopes
through `people.selectors.visible_people`, the one scope filter (design rule 2): out of scope reads as absent."""

from __future__ import annotations

from typing import TypeVar

from django.db import models
from django.db.models import Exists, OuterRef, QuerySet

from macpu.access import audit
from macpu.agencies.models import User
from macpu.intake.models import Contact, Referral
from macpu.people.selectors import visible_people

M = TypeVar("M", bound=models.Model)


def visible_contacts(user: User) -> QuerySet[Contact]:
    """Contacts about a child the user may see."""
    return Contact.objects.filter(Exists(visible_people(user).filter(contacts=OuterRef("pk"))))


def contact_get(*, user: User, contact_id: int) -> Contact | None:
    """A contact the user may see, or None: out of scope is indistinguishable from not existing."""
    contact = (
        visible_contacts(user)
        .filter(pk=contact_id)
        .select_related("household", "team", "recorded_by", "decided_by", "referrer_agency")
        .first()
    )
    if contact is not None:
        audit.seen(contact.children.filter(pk__in=visible_people(user)).values_list("pk", flat=True))
    return contact


def referral_get(*, user: User, referral_id: int) -> Referral | None:
    """A referral about a child the user may see, or None."""
    referral = (
        Referral.objects.filter(pk=referral_id, child__in=visible_people(user))
        .select_related("team", "allocated_worker")
        .first()
    )
    if referral is not None:
        audit.seen([referral.child_id])
    return referral


def case_record_get(*, user: User, model: type[M], child_path: str, pk: int) -> M | None:
    """A record on a child's case (a referral, an assessment, a plan...), reached from the child by `child_path`
    ("referral__child"; "" when the record is the child), if the user may see the child; or None."""
    scope = f"{child_path}__in" if child_path else "pk__in"
    found = model._default_manager.filter(pk=pk, **{scope: visible_people(user)})
    audit.seen(found.values_list(child_path or "pk", flat=True))
    return found.first()
