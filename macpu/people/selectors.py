"""Reads of people. Every read takes the requesting user and goes through `visible_people` (design rule 2)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Abs

from macpu.access import audit
from macpu.access.models import AuditAction
from macpu.access.selectors import (
    bases_for,
    visible_agency_records,
    visible_people,
)  # the one scope filter (design rule 2)
from macpu.agencies.models import User
from macpu.people import matching
from macpu.people.models import LA_CHILD_ID_PREFIX, Person, PersonMerge, ReviewDecision, ReviewPair

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


# --- the review queue and merges (issue #6) ----------------------------------------------------------------------


def _may_review(user: User) -> bool:
    from macpu.core.services import may_record

    return user.is_authenticated and may_record(user, "review_pair_decide")


def _visible_pairs(user: User) -> QuerySet[ReviewPair]:
    """Pairs whose people the user may all see (design rule 2: the one scope filter), and whose agency records they
    may see; nobody outside children's social care sees any."""
    if not _may_review(user):
        return ReviewPair.objects.none()
    people = visible_people(user)
    records = visible_agency_records(user)
    return ReviewPair.objects.filter(
        Exists(people.filter(pk=OuterRef("person_id"))),
        Q(other_person__isnull=True) | Exists(people.filter(pk=OuterRef("other_person_id"))),
        Q(record__isnull=True) | Exists(records.filter(pk=OuterRef("record_id"))),
        Q(other_record__isnull=True) | Exists(records.filter(pk=OuterRef("other_record_id"))),
    ).select_related(
        "person",
        "other_person",
        "record__agency",
        "record__record_import",
        "other_record__agency",
        "other_record__record_import",
        "decided_by",
    )


def review_queue(*, user: User) -> list[ReviewPair]:
    """The possible matches waiting for a decision that the user may decide: the most uncertain first (closest to
    an even chance), then the oldest. Pairs about a person since merged into another wait for the next linkage."""
    pairs: list[ReviewPair] = list(
        _visible_pairs(user)
        .filter(decision=ReviewDecision.PENDING, person__merged_into__isnull=True)
        .filter(Q(other_person__isnull=True) | Q(other_person__merged_into__isnull=True))
        .annotate(certainty=Abs(F("match_probability") - 0.5))
        .order_by("certainty", "queued_at", "pk")
    )
    audit.seen({p.person_id for p in pairs} | {p.other_person_id for p in pairs if p.other_person_id}, "list")
    return pairs


def review_pair_get(*, user: User, pair_id: int) -> ReviewPair | None:
    """A possible match, waiting or decided, if the user may see everyone in it."""
    pair = _visible_pairs(user).filter(pk=pair_id).first()
    if pair is not None:
        audit.seen([p for p in (pair.person_id, pair.other_person_id) if p])
    return pair


def merge_get(*, user: User, merge_id: int) -> PersonMerge | None:
    """A merge, if the user may review possible matches and may see the person kept."""
    if not _may_review(user):
        return None
    merge = (
        PersonMerge.objects.filter(pk=merge_id, kept__in=visible_people(user))
        .select_related("kept", "merged", "merged_by", "unmerged_by")
        .first()
    )
    if merge is not None:
        audit.seen([merge.kept_id, merge.merged_id])
    return merge


@dataclass(frozen=True)
class MergedInto:
    """A person whose record was merged into another's the user may see."""

    person: Person
    merge: PersonMerge
    may_unmerge: bool


def merged_person_get(*, user: User, person_id: int) -> MergedInto | None:
    """A person merged into someone the user may see: their page says where their record went."""
    person = (
        Person.objects.filter(pk=person_id, merged_into__in=visible_people(user)).select_related("merged_into").first()
    )
    if person is None:
        return None
    merge = (
        PersonMerge.objects.filter(merged=person, unmerged_at__isnull=True).select_related("merged_by", "kept").first()
    )
    if merge is None:
        return None
    audit.seen([person.pk, person.merged_into_id])
    return MergedInto(person=person, merge=merge, may_unmerge=_may_review(user))


def merges_into(*, user: User, person: Person) -> list[PersonMerge]:
    """The merges into a person the user may see (the page that shows them has already checked that)."""
    if not _may_review(user):
        return []
    return list(PersonMerge.objects.filter(kept=person, unmerged_at__isnull=True).select_related("merged", "merged_by"))


# --- matching at intake (macpu.people.matching) ------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A person in the index, or an agency record, that may be the child whose details are being typed."""

    name: str
    date_of_birth: date | None
    postcode: str
    source: str  # "Person index (MAC...)" or the agency and its system
    probability: float  # Splink's match probability
    person: Person | None = None  # a person in the index
    record_id: str = ""  # an agency record's id in its agency's system
    linked_person_id: int | None = None  # the person an agency record is linked to (audited, not shown)

    @property
    def likelihood(self) -> str:
        """The probability in words: "98% likely the same child" (rounded down: never "100%")."""
        percent = int(self.probability * 100)
        return f"{percent}% likely the same child" if percent >= 1 else "Less than 1% likely the same child"


MATCH_MINIMUM = 0.01  # candidates less likely than this are not shown
MATCH_LIMIT = 10


def intake_candidates(
    *, user: User, details: Mapping[str, object], now: datetime, limit: int = MATCH_LIMIT
) -> list[Candidate]:
    """The people in the index (as far as the user may see them) and the agency records (for roles that may see
    them) that may be the child described by `details` (linkage.COLUMNS: first_name, surname, date_of_birth, sex,
    postcode, address, nhs_number), most likely first, each with its match probability. Scored with the latest
    batch linkage's model; before any, nothing is found. The look-up is audited, each candidate person a subject."""
    model = matching.current_model()
    if model is None:
        return []
    query = matching.prepare(details)
    found = matching.find(query)
    scored: list[Candidate] = []
    if found.people:
        scored += _index_candidates(user, model, query, found.people)
    if found.agency_records:
        records = visible_agency_records(user).filter(pk__in=found.agency_records).select_related("agency")
        for record in records:
            score = model.score(query, matching.prepare(matching.agency_record(record)))
            scored.append(
                Candidate(
                    name=f"{record.first_name} {record.surname}".strip(),
                    date_of_birth=record.date_of_birth,
                    postcode=record.postcode,
                    source=f"{record.agency}, {record.system}",
                    probability=score.probability,
                    record_id=record.record_id,
                    linked_person_id=record.person_id,
                )
            )
    shown = sorted(
        (c for c in scored if c.probability >= MATCH_MINIMUM), key=lambda c: (-c.probability, c.name, c.source)
    )[:limit]
    if shown:
        _audit_candidates(user, shown, now)
    return shown


def _index_candidates(user: User, model: matching.Model, query: matching.Prepared, found: list[int]) -> list[Candidate]:
    """The people found in the index that the user may see, scored. A person merged into another is shown as the
    person kept, scored with the better of the two records' details (both are that person's)."""
    people = {p.pk: p for p in Person.objects.filter(pk__in=found)}
    for _ in range(5):  # a merge of a merge: follow to the person kept
        kept_ids = {p.merged_into_id for p in people.values() if p.merged_into_id and p.merged_into_id not in people}
        if not kept_ids:
            break
        people.update({p.pk: p for p in Person.objects.filter(pk__in=kept_ids)})

    def kept(person: Person) -> Person:
        while person.merged_into_id and person.merged_into_id in people:
            person = people[person.merged_into_id]
        return person

    visible = set(visible_people(user).filter(pk__in=list(people)).values_list("pk", flat=True))
    households = matching.latest_households(people)
    best: dict[int, float] = {}
    for person in people.values():
        if person.pk not in found:
            continue
        shown = kept(person)
        if shown.pk not in visible or shown.merged_into_id:
            continue
        details = matching.person_record(person, households.get(person.pk))
        probability = model.score(query, matching.prepare(details)).probability
        if person.pk != shown.pk:  # the kept person's own details may match better
            details = matching.person_record(shown, households.get(shown.pk))
            probability = max(probability, model.score(query, matching.prepare(details)).probability)
        best[shown.pk] = max(best.get(shown.pk, 0.0), probability)
    candidates = []
    for pk, probability in best.items():
        person, household = people[pk], households.get(pk)
        candidates.append(
            Candidate(
                name=person.full_name,
                date_of_birth=person.date_of_birth,
                postcode=household.postcode if household else "",
                source=f"Person index ({person.la_child_id})",
                probability=probability,
                person=person,
            )
        )
    return candidates


def _audit_candidates(user: User, shown: list[Candidate], now: datetime) -> None:
    """One audit row for the look-up (design rule 3). Its subjects: each person in the index shown, with the user's
    basis for seeing them, and each person an agency record shown is linked to."""
    index_people = {c.person.pk for c in shown if c.person is not None}
    bases = bases_for(user, index_people)
    subjects = {pk: bases.get(pk, "Not visible to this user") for pk in index_people}
    for c in shown:
        if c.linked_person_id is not None and c.linked_person_id not in subjects:
            subjects[c.linked_person_id] = f"Their agency record was shown at intake ({c.source} {c.record_id})"
    records = [f"{c.source} {c.record_id}" for c in shown if c.record_id]
    listed = f" ({'; '.join(records)})" if records else ""
    audit.record(
        user=user,
        action=AuditAction.SEARCH,
        what="intake-matching",
        reason=f"Matching at intake: {len(index_people)} in the person index, {len(records)} agency records{listed}",
        now=now,
        subjects=sorted(subjects.items()),
    )
