"""Reads of people. Every read takes the requesting user and goes through `visible_people` (design rule 2)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.db.models import Q

from macpu.access import audit
from macpu.access.selectors import visible_people  # the one scope filter (design rule 2)
from macpu.agencies.models import User
from macpu.people.models import LA_CHILD_ID_PREFIX, Person

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
# 31/12/2019, 31-12-2019, 31.12.2019, 2019-12-31: numbers only, so "31/02/2019" is a date that does not exist.
NUMERIC_DATE = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{2,4})|(\d{4})-(\d{1,2})-(\d{1,2})")
# 21 March 2019, 21 Mar 2019
WRITTEN_DATE = re.compile(r"\b(\d{1,2})\s+([a-z]+)\.?\s+(\d{4})\b", re.IGNORECASE)


class NotADate(ValueError):
    """The query holds something written as a date that is not a real date (31/02/2019)."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def _date(text: str, year: str, month: str, day: str) -> date:
    if len(year) != 4:
        raise NotADate(text)
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise NotADate(text) from None


def _parse_date(text: str) -> date | None:
    """A search term written as a date, or None if it is not written as one. Raises NotADate for 31/02/2019."""
    match = NUMERIC_DATE.fullmatch(text)
    if not match:
        return None
    if match[1]:
        return _date(text, match[3], match[2], match[1])
    return _date(text, match[4], match[5], match[6])


@dataclass(frozen=True)
class SearchResults:
    """A page of search results: the children shown, and whether more matched than are shown."""

    children: list[Person]
    more: bool = False


def person_search_results(*, user: User, query: str, limit: int = 50) -> SearchResults:
    """Find children by name ("Ava Sample", "Sample, Ava"), date of birth (31/12/2019, 31 December 2019, 31 Dec
    2019) or identifier (MAC0000123, NHS number, UPN). At most `limit` children, and whether there are more.

    Raises NotADate when the query holds a date that does not exist (31/02/2019), so the page can say so.
    """
    query = query.replace(",", " ").strip()
    if not query:
        return SearchResults([])
    conditions = Q()
    words = []
    dates: list[date] = []

    def written(match: re.Match[str]) -> str:
        month = MONTHS.get(match[2].lower())
        if month is None:
            return match[0]
        dates.append(_date(match[0], match[3], str(month), match[1]))
        return " "

    for term in WRITTEN_DATE.sub(written, query).split():
        parsed = _parse_date(term)
        upper = term.upper()
        if parsed:
            dates.append(parsed)
        elif re.fullmatch(rf"{LA_CHILD_ID_PREFIX}\d+", upper):
            conditions &= Q(pk=int(upper[len(LA_CHILD_ID_PREFIX) :]))
        elif re.fullmatch(r"\d{10}", term):
            conditions &= Q(nhs_number=term)
        elif re.fullmatch(r"[A-Z]\d{11}[0-9A-Z]", upper):
            conditions &= Q(upn=upper)
        else:
            words.append(term)
    for day in dates:
        conditions &= Q(date_of_birth=day) | Q(expected_date_of_birth=day)
    for word in words:
        conditions &= Q(given_name__icontains=word) | Q(family_name__icontains=word) | Q(known_as__icontains=word)
    found = list(
        visible_people(user).filter(conditions).order_by("family_name", "given_name", "date_of_birth")[: limit + 1]
    )
    audit.seen(found[:limit], "search")
    return SearchResults(found[:limit], more=len(found) > limit)


def person_search(*, user: User, query: str, limit: int = 50) -> list[Person]:
    """The children `person_search_results` finds, as a list (a date that does not exist finds nobody)."""
    try:
        return person_search_results(user=user, query=query, limit=limit).children
    except NotADate:
        return []


def person_get(*, user: User, person_id: int) -> Person | None:
    """A person the user may see, or None: out of scope is indistinguishable from not existing."""
    person = visible_people(user).filter(pk=person_id).first()
    if person is not None:
        audit.seen([person])
    return person
