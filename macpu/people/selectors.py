"""Reads of people. Every read takes the requesting user and goes through `visible_people` (design rule 2)."""

from __future__ import annotations

import re
from datetime import date, datetime

from django.db.models import Exists, OuterRef, Q, QuerySet

from macpu.agencies.models import Role, User
from macpu.people.models import LA_CHILD_ID_PREFIX, Person

CASE_ROLES = {
    Role.SOCIAL_WORKER,
    Role.TEAM_MANAGER,
    Role.CONFERENCE_CHAIR,
    Role.POLICE_OFFICER,
    Role.HEALTH_PRACTITIONER,
    Role.EDUCATION_LEAD,
}


def visible_people(user: User) -> QuerySet[Person]:
    """The one scope filter for case data: unit staff see the unit's children; other roles see none.

    Children are people the unit holds a contact or referral about. (Per-relationship access arrives with
    issue #4; it replaces the body of this function, and every list, search, count and page follows.)
    """
    if not user.is_authenticated or not user.is_active or user.role not in CASE_ROLES:
        return Person.objects.none()
    from macpu.intake.models import Contact, Referral  # intake sits above people; only its tables are read

    return Person.objects.filter(
        Exists(Referral.objects.filter(child=OuterRef("pk"))) | Exists(Contact.objects.filter(children=OuterRef("pk")))
    )


def _parse_date(text: str) -> date | None:
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar date, no time zone
        except ValueError:
            continue
    return None


def person_search(*, user: User, query: str, limit: int = 50) -> list[Person]:
    """Find children by name, date of birth (31/12/2019) or identifier (MAC0000123, NHS number, UPN)."""
    query = query.strip()
    if not query:
        return []
    people = visible_people(user)
    terms = query.split()
    conditions = Q()
    words = []
    for term in terms:
        parsed = _parse_date(term)
        upper = term.upper()
        if parsed:
            conditions &= Q(date_of_birth=parsed) | Q(expected_date_of_birth=parsed)
        elif re.fullmatch(rf"{LA_CHILD_ID_PREFIX}\d+", upper):
            conditions &= Q(pk=int(upper[len(LA_CHILD_ID_PREFIX) :]))
        elif re.fullmatch(r"\d{10}", term.replace(" ", "")):
            conditions &= Q(nhs_number=term)
        elif re.fullmatch(r"[A-Z]\d{11}[0-9A-Z]", upper):
            conditions &= Q(upn=upper)
        else:
            words.append(term)
    for word in words:
        conditions &= Q(given_name__icontains=word) | Q(family_name__icontains=word) | Q(known_as__icontains=word)
    return list(people.filter(conditions).order_by("family_name", "given_name", "date_of_birth")[:limit])


def person_get(*, user: User, person_id: int) -> Person | None:
    """A person the user may see, or None: out of scope is indistinguishable from not existing."""
    return visible_people(user).filter(pk=person_id).first()
