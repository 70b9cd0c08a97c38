from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from macpu.access import audit
from macpu.access.models import AuditAction
from macpu.agencies.models import Role, User
from macpu.core.codes import Ethnicity, Sex
from macpu.core.services import Rules, check_role, locked, today_of
from macpu.people import merging
from macpu.people.identifiers import is_valid_nhs_number, upn_problem
from macpu.people.matching import match_keys_refresh
from macpu.people.models import (
    AgencyRecord,
    Household,
    LinkageRun,
    Person,
    PersonDisability,
    PersonMerge,
    Relationship,
    RelationshipKind,
    ReviewDecision,
    ReviewKind,
    ReviewPair,
    ReviewReason,
)

if TYPE_CHECKING:  # Splink and DuckDB load only when linkage runs
    from macpu.people import batch

REVIEW_FLOOR = 0.5  # pairs from this match probability up to the threshold are uncertain: a practitioner decides


@dataclass(frozen=True)
class PersonDetails:
    given_name: str
    family_name: str
    sex: str = Sex.UNKNOWN
    date_of_birth: date | None = None
    expected_date_of_birth: date | None = None
    ethnicity: str = ""
    nhs_number: str = ""
    upn: str = ""
    disabilities: Sequence[str] = field(default_factory=tuple)


def check_person(rules: Rules, details: PersonDetails, prefix: str, today: date) -> None:
    rules.check(bool(details.given_name.strip()), f"{prefix}given_name", "Enter a first name.")
    rules.check(bool(details.family_name.strip()), f"{prefix}family_name", "Enter a last name.")
    rules.check(details.sex in Sex.values, f"{prefix}sex", "Choose male, female or not known.")
    rules.check(
        details.ethnicity in ("", *Ethnicity.values), f"{prefix}ethnicity", "Choose an ethnicity from the list."
    )
    rules.check(
        not (details.date_of_birth and details.expected_date_of_birth),
        f"{prefix}date_of_birth",
        "Give a date of birth or, for an unborn child, an expected date of birth: not both.",
    )
    rules.not_in_future(details.date_of_birth, f"{prefix}date_of_birth", "The date of birth", today)
    if details.expected_date_of_birth:
        rules.check(
            details.expected_date_of_birth >= today,
            f"{prefix}expected_date_of_birth",
            "An expected date of birth must be today or later; record a born child's date of birth instead.",
        )
    if details.nhs_number:
        if rules.check(
            details.nhs_number.isdigit() and len(details.nhs_number) == 10,
            f"{prefix}nhs_number",
            "An NHS number is 10 digits.",
        ):
            rules.check(
                is_valid_nhs_number(details.nhs_number),
                f"{prefix}nhs_number",
                f"The NHS number {details.nhs_number} fails its check digit: a digit is wrong. Check it with the GP "
                "or the health visitor.",
            )
    if details.upn:
        problem = upn_problem(details.upn)
        rules.check(problem is None, f"{prefix}upn", problem or "")
    if "NONE" in details.disabilities:
        rules.check(
            len(details.disabilities) == 1,
            f"{prefix}disabilities",
            "'No disability' cannot be chosen with a disability.",
        )


def _eighteenth_birthday(born: date) -> date:
    """The day a person turns 18 (someone born on 29 February turns 18 on 1 March in a common year)."""
    try:
        return born.replace(year=born.year + 18)
    except ValueError:
        return date(born.year + 18, 3, 1)


def _create_person(details: PersonDetails) -> Person:
    person = Person.objects.create(
        given_name=details.given_name.strip(),
        family_name=details.family_name.strip(),
        sex=details.sex,
        date_of_birth=details.date_of_birth,
        expected_date_of_birth=details.expected_date_of_birth,
        ethnicity=details.ethnicity,
        nhs_number=details.nhs_number,
        upn=details.upn,
    )
    PersonDisability.objects.bulk_create(PersonDisability(person=person, code=c) for c in details.disabilities)
    return person


@dataclass(frozen=True)
class HouseholdPeople:
    household: Household
    children: list[Person]
    adults: list[Person]


@transaction.atomic
def household_record(
    *,
    actor: User,
    now: datetime,
    address: str,
    postcode: str,
    children: Sequence[PersonDetails],
    adults: Sequence[PersonDetails] = (),
    adult_relationships: Sequence[str] = (),
) -> HouseholdPeople:
    """Record a household: its children, its adults, and each adult's relationship to the children.

    ``adult_relationships[i]`` is what adult i is to each child (a RelationshipKind). Children are recorded
    as brothers and sisters of one another.
    """
    today = today_of(now)
    rules = Rules()
    rules.check(bool(address.strip()), "address", "Enter the household's address.")
    rules.check(len(children) > 0, "children", "Enter at least one child.")
    for i, child in enumerate(children):
        check_person(rules, child, f"child_{i}_", today)
        if child.date_of_birth and child.date_of_birth <= today:
            rules.check(
                today < _eighteenth_birthday(child.date_of_birth),
                f"child_{i}_date_of_birth",
                "A child must be under 18: this date of birth makes them 18 or over. Record them as an adult.",
            )
    for i, adult in enumerate(adults):
        check_person(rules, adult, f"adult_{i}_", today)
        kind = adult_relationships[i] if i < len(adult_relationships) else ""
        rules.check(
            kind in RelationshipKind.values, f"adult_{i}_relationship", "Choose what this adult is to the children."
        )
    rules.raise_if_broken()

    household = Household.objects.create(address=address.strip(), postcode=postcode.strip().upper())
    child_people = [_create_person(c) for c in children]
    adult_people = [_create_person(a) for a in adults]
    household.members.add(*child_people, *adult_people)
    match_keys_refresh(people=[*child_people, *adult_people])
    relationships = [
        Relationship(person=c, relative=a, kind=adult_relationships[i])
        for i, a in enumerate(adult_people)
        for c in child_people
    ]
    relationships += [
        Relationship(person=c, relative=s, kind=RelationshipKind.SIBLING)
        for c in child_people
        for s in child_people
        if c is not s
    ]
    Relationship.objects.bulk_create(relationships)
    return HouseholdPeople(household=household, children=child_people, adults=adult_people)


# --- batch linkage of the agency records and the person index (issue #6) ----------------------------------------


def _when(moment: datetime | None) -> str:
    return f"{timezone.localtime(moment):%-d %B %Y at %-H:%M}" if moment else "an unknown date"


def _representatives() -> dict[int, int]:
    """Each person merged into another: the person they are now part of."""
    return dict(Person.objects.filter(merged_into__isnull=False).values_list("pk", "merged_into_id"))


def _normal(key: str, reps: dict[int, int]) -> str:
    """A pair key with each merged person replaced by the person they were merged into."""
    from macpu.people import batch

    sides = []
    for side in key.split("|"):
        if batch.is_person(side) and batch.pk_of(side) in reps:
            side = batch.person_key(reps[batch.pk_of(side)])
        sides.append(side)
    return batch.pair_key(*sides)


@dataclass(frozen=True)
class _Queued:
    pair: batch.ScoredPair
    kind: str
    reason: str
    person: int
    other_person: int | None = None
    record: int | None = None
    other_record: int | None = None


def _review_reason(pair: batch.ScoredPair, threshold: float, floor: float) -> str | None:
    """Why a pair needs a practitioner, or None if it does not: uncertain (from the floor up to the threshold), or
    at or above the threshold but held by linkage.review_condition (first names or sexes disagree), so not linked."""
    if pair.held and pair.match_probability >= floor:
        return ReviewReason.DISAGREE
    if floor <= pair.match_probability < threshold:
        return ReviewReason.UNCERTAIN
    return None


def _to_queue(
    scored: batch.Scored, links: dict[int, int | None], confirmed: set[int], floor: float
) -> dict[str, _Queued]:
    """The pairs a practitioner should decide, by key, given each agency record's link after this run. An agency
    record whose link a practitioner confirmed is not asked about again."""
    from macpu.people import batch

    cluster_people: dict[str, int] = {}
    for key, cluster_id in scored.clusters.items():
        if batch.is_person(key):
            cluster_people[cluster_id] = cluster_people.get(cluster_id, 0) + 1
    queue: dict[str, _Queued] = {}
    for pair in [*scored.candidates, *scored.extra.values()]:
        left, right = sorted((pair.left, pair.right), key=lambda k: (not batch.is_person(k), k))
        reason = _review_reason(pair, scored.threshold, floor)
        if batch.is_person(left) and batch.is_person(right):
            together = scored.clusters.get(left) == scored.clusters.get(right)
            if together and reason is None:
                reason = ReviewReason.DUPLICATE
            if reason:
                queue[pair.key] = _Queued(
                    pair, ReviewKind.PERSON_PERSON, reason, batch.pk_of(left), other_person=batch.pk_of(right)
                )
        elif batch.is_person(left):
            person, record = batch.pk_of(left), batch.pk_of(right)
            if reason and links.get(record) != person and record not in confirmed:
                queue[pair.key] = _Queued(pair, ReviewKind.RECORD_PERSON, reason, person, record=record)
        elif reason:  # two agency records: a question only when one of them is linked to a person and the other not
            one, other = batch.pk_of(left), batch.pk_of(right)
            if links.get(one) is None and links.get(other) is not None:
                one, other = other, one
            linked_to = links.get(one)
            if linked_to is not None and links.get(other) is None:
                queue[pair.key] = _Queued(
                    pair, ReviewKind.RECORD_RECORD, reason, linked_to, record=other, other_record=one
                )
    return queue


@dataclass(frozen=True)
class LinkageSummary:
    run: LinkageRun
    changed: int  # agency records whose link this run set, changed or cleared


def records_link(
    *,
    actor: User | None,
    now: datetime,
    threshold: float | None = None,
    floor: float = REVIEW_FLOOR,
    finished: Callable[[], datetime] | None = None,
) -> LinkageSummary:
    """Link every agency record and every person in the index: train Splink on them, score, cluster; link each
    agency record to the one person in the index in its cluster; queue for review the pairs a practitioner must
    decide. A link a practitioner confirmed is never changed, and a pair they rejected is never linked or queued
    again. `actor` is an administrator, or None for a scheduled run; `finished` is the edge's clock, read when the
    run is saved (by default the run is recorded as finishing at `now`)."""
    from macpu.people import batch, linkage

    threshold = linkage.THRESHOLD if threshold is None else threshold
    rules = Rules()
    if actor is not None:
        rules.check(
            actor.is_active and actor.role == Role.ADMINISTRATOR, "__all__", "Only an administrator can run linkage."
        )
    rules.check(0 < threshold < 1, "threshold", "The threshold is a match probability between 0 and 1, like 0.9.")
    rules.check(0 < floor < threshold, "floor", "Review pairs from a match probability between 0 and the threshold.")
    rules.raise_if_broken()
    frame = batch.index_frame()
    if len(frame) < 2:
        raise ValidationError({"__all__": ["There are fewer than two records to link: import agency records first."]})
    scored = batch.score(frame, threshold=threshold, floor=floor)
    return _records_link_save(actor=actor, now=now, scored=scored, records=len(frame), floor=floor, finished=finished)


@transaction.atomic
def _records_link_save(
    *,
    actor: User | None,
    now: datetime,
    scored: batch.Scored,
    records: int,
    floor: float,
    finished: Callable[[], datetime] | None,
) -> LinkageSummary:
    from macpu.people import batch

    run = LinkageRun.objects.create(
        started_at=now,
        started_by=actor,
        threshold=scored.threshold,
        model=scored.model,
        records=records,
        pairs=scored.pairs,
    )
    reps = _representatives()
    decided = {
        _normal(key, reps): decision
        for key, decision in ReviewPair.objects.exclude(decision=ReviewDecision.PENDING).values_list("key", "decision")
    }
    rejected = {key for key, decision in decided.items() if decision == ReviewDecision.DIFFERENT}

    people_in: dict[str, list[int]] = {}
    for key, cluster_id in scored.clusters.items():
        if batch.is_person(key):
            people_in.setdefault(cluster_id, []).append(batch.pk_of(key))

    links: dict[int, int | None] = {}
    confirmed: set[int] = set()
    changed: list[AgencyRecord] = []
    touched: set[int] = set()
    linked = moved = 0
    for pk, person_id, confirmed_by in AgencyRecord.objects.values_list("pk", "person_id", "link_confirmed_by_id"):
        if confirmed_by is not None:
            links[pk] = person_id
            confirmed.add(pk)
            continue
        cluster = scored.clusters.get(batch.record_key(pk))
        people = people_in.get(cluster, []) if cluster is not None else []
        target = people[0] if len(people) == 1 else None
        if target is not None and batch.pair_key(batch.record_key(pk), batch.person_key(target)) in rejected:
            target = None
        links[pk] = target
        linked += target is not None
        if target != person_id:
            changed.append(AgencyRecord(pk=pk, person_id=target, linked_by_run=run if target else None))
            touched |= {p for p in (person_id, target) if p is not None}
            moved += 1
        elif target is not None:
            changed.append(AgencyRecord(pk=pk, person_id=target, linked_by_run=run))
    AgencyRecord.objects.bulk_update(changed, ["person", "linked_by_run"], batch_size=2000)

    queue = {
        key: q for key, q in _to_queue(scored, links, confirmed, floor).items() if _normal(key, reps) not in decided
    }
    waiting = {p.key: p for p in ReviewPair.objects.filter(decision=ReviewDecision.PENDING)}
    # Pending pairs this run no longer finds go, except one whose merge was undone: it waits for a decision.
    gone = [p.pk for key, p in waiting.items() if key not in queue]
    ReviewPair.objects.filter(pk__in=gone).exclude(Exists(PersonMerge.objects.filter(pair=OuterRef("pk")))).delete()
    new: list[ReviewPair] = []
    updated: list[ReviewPair] = []
    for key, q in queue.items():
        row = waiting.get(key) or ReviewPair(key=key, queued_at=now)
        row.kind, row.reason, row.run = q.kind, q.reason, run
        row.person_id, row.other_person_id = q.person, q.other_person
        row.record_id, row.other_record_id = q.record, q.other_record
        row.match_probability = min(max(q.pair.match_probability, 0.0), 1.0)
        row.match_weight = q.pair.match_weight
        row.prior_weight = scored.prior_weight
        row.comparisons = [c.as_dict() for c in q.pair.comparisons]
        (updated if row.pk else new).append(row)
    ReviewPair.objects.bulk_create(new, batch_size=2000)
    fields = ["kind", "reason", "run", "person", "other_person", "record", "other_record"]
    fields += ["match_probability", "match_weight", "prior_weight", "comparisons"]
    ReviewPair.objects.bulk_update(updated, fields, batch_size=2000)

    run.linked = linked
    run.held_for_review = len(queue)
    run.finished_at = finished() if finished else now
    run.save(update_fields=["linked", "held_for_review", "finished_at"])
    audit.record(
        user=actor,
        action=AuditAction.CHANGE,
        what="records-link",
        reason=(
            f"Batch linkage: {records} records (agency records and people in the index), {scored.pairs} pairs "
            f"scored; {linked} agency records linked to a person, {moved} links made, moved or removed by this run; "
            f"{len(queue)} pairs waiting for review."
        ),
        now=now,
        subjects=[(pk, "Agency records linked or unlinked by batch linkage") for pk in sorted(touched)],
        record=run,
    )
    return LinkageSummary(run=run, changed=moved)


# --- review: a practitioner decides a pair; merge and unmerge ----------------------------------------------------


def pair_description(pair: ReviewPair) -> str:
    """The pair in words, for the audit trail and messages."""
    person = f"{pair.person.full_name} ({pair.person.la_child_id})"
    if pair.kind == ReviewKind.PERSON_PERSON:
        other = pair.other_person
        return f"{person} and {other.full_name} ({other.la_child_id})"  # type: ignore[union-attr]
    record = pair.record
    return f"{record.agency} {record.system} record {record.record_id} and {person}"  # type: ignore[union-attr]


def _unlink(record: AgencyRecord) -> None:
    record.person = None
    record.linked_by_run = None
    record.link_confirmed_by = None
    record.link_confirmed_at = None
    record.save(update_fields=["person", "linked_by_run", "link_confirmed_by", "link_confirmed_at"])


@transaction.atomic
def review_pair_decide(*, actor: User, now: datetime, pair: ReviewPair, same: bool, reason: str = "") -> ReviewPair:
    """Decide a possible match. The same person: an agency record is linked to the person (a confirmed link, which
    batch linkage never changes); two people in the index are then merged (people_merge). Different people: the
    pair never comes back, and an agency record linked to the person by linkage is unlinked."""
    rules = Rules()
    check_role(rules, actor, "review_pair_decide")
    rules.raise_if_broken()
    pair = locked(pair)
    if pair.decision:
        by = pair.decided_by.display_name if pair.decided_by else "someone"
        raise ValidationError(
            {
                "__all__": [
                    f"This pair was already decided: {by} decided on {_when(pair.decided_at)} that they are "
                    f"{pair.get_decision_display().lower()}."
                ]
            }
        )
    people = [p for p in (pair.person, pair.other_person) if p is not None]
    for person in people:
        if person.merged_into_id is not None:
            rules.check(
                False,
                "__all__",
                f"{person.full_name}'s record was merged into another since this pair was found: the next linkage "
                "will look at it again.",
            )
    rules.raise_if_broken()
    reason = reason.strip()
    if pair.record is not None:  # an agency record and a person, or two agency records
        record = locked(pair.record)
        if same:
            if record.link_confirmed_by_id and record.person_id != pair.person_id:
                rules.check(
                    False,
                    "__all__",
                    f"This agency record was confirmed as {record.person}'s record on {_when(record.link_confirmed_at)}"
                    ": decide that pair instead, or ask the practitioner who confirmed it.",
                )
                rules.raise_if_broken()
            record.person = pair.person
            record.linked_by_run = None
            record.link_confirmed_by = actor
            record.link_confirmed_at = now
            record.save(update_fields=["person", "linked_by_run", "link_confirmed_by", "link_confirmed_at"])
        elif record.person_id == pair.person_id:
            _unlink(record)
    pair.decision = ReviewDecision.SAME if same else ReviewDecision.DIFFERENT
    pair.decided_by = actor
    pair.decided_at = now
    pair.decision_reason = reason
    pair.save(update_fields=["decision", "decided_by", "decided_at", "decision_reason"])
    audit.record(
        user=actor,
        action=AuditAction.CHANGE,
        what="review-pair-decide",
        reason=f"{'The same person' if same else 'Different people'}: {pair_description(pair)}."
        + (f" Reason: {reason}" if reason else ""),
        now=now,
        subjects=[(p.pk, "Decided a possible match") for p in people],
        record=pair,
    )
    return pair


@transaction.atomic
def people_merge(
    *, actor: User, now: datetime, keep: Person, merge: Person, reason: str, pair: ReviewPair | None = None
) -> PersonMerge:
    """Merge `merge` into `keep`: every row pointing at `merge` (agency records, with their provenance untouched;
    contacts, referrals, households, relationships...) moves to `keep`, and `merge` stays, marked as merged into
    `keep`. What moved is kept with the merge, so that people_unmerge moves exactly that back."""
    rules = Rules()
    check_role(rules, actor, "people_merge")
    rules.check(keep.pk != merge.pk, "keep", "Choose two different people: a record cannot be merged into itself.")
    rules.raise_if_broken()
    keep, merge = locked(keep), locked(merge)
    for person in (keep, merge):
        if person.merged_into_id is not None:
            rules.check(
                False,
                "keep",
                f"{person.full_name}'s record ({person.la_child_id}) was already merged into another: merge with that "
                "one instead.",
            )
    if pair is not None:
        pair = locked(pair)
        rules.check(
            pair.kind == ReviewKind.PERSON_PERSON
            and {pair.person_id, pair.other_person_id} == {keep.pk, merge.pk}
            and pair.decision == ReviewDecision.SAME,
            "__all__",
            "Only two people decided to be the same person can be merged from a possible match.",
        )
    rules.raise_if_broken()
    moved = merging.repoint(old=merge, new=keep)
    merge.merged_into = keep
    merge.save(update_fields=["merged_into"])
    record = PersonMerge.objects.create(
        kept=keep, merged=merge, pair=pair, merged_by=actor, merged_at=now, reason=reason.strip(), moved=moved
    )
    audit.record(
        user=actor,
        action=AuditAction.CHANGE,
        what="people-merge",
        reason=f"{merge.full_name} ({merge.la_child_id}) merged into {keep.full_name} ({keep.la_child_id}): moved "
        f"{merging.describe(moved)}." + (f" Reason: {reason.strip()}" if reason.strip() else ""),
        now=now,
        subjects=[(keep.pk, "Kept in a merge"), (merge.pk, "Merged into another record")],
        record=record,
    )
    return record


@transaction.atomic
def people_unmerge(*, actor: User, now: datetime, merge_record: PersonMerge, reason: str = "") -> PersonMerge:
    """Undo a merge: move back exactly the rows it moved that still belong to the kept person, and make the merged
    person a person of their own again. The possible match that led to it waits for a decision again."""
    rules = Rules()
    check_role(rules, actor, "people_unmerge")
    rules.raise_if_broken()
    merge_record = locked(merge_record)
    kept, merged = locked(merge_record.kept), locked(merge_record.merged)
    if merge_record.unmerged_at is not None:
        by = merge_record.unmerged_by.display_name if merge_record.unmerged_by else "someone"
        rules.check(False, "__all__", f"This merge was already undone, by {by} on {_when(merge_record.unmerged_at)}.")
    elif merged.merged_into_id != kept.pk:
        rules.check(False, "__all__", f"{merged.full_name}'s record is no longer merged into {kept.full_name}'s.")
    rules.raise_if_broken()
    back, left = merging.restore(merge_record.moved, kept=kept, merged=merged)
    merged.merged_into = None
    merged.save(update_fields=["merged_into"])
    merge_record.unmerged_by = actor
    merge_record.unmerged_at = now
    merge_record.unmerge_reason = reason.strip()
    merge_record.save(update_fields=["unmerged_by", "unmerged_at", "unmerge_reason"])
    if merge_record.pair_id:
        ReviewPair.objects.filter(pk=merge_record.pair_id).update(
            decision=ReviewDecision.PENDING, decided_by=None, decided_at=None, decision_reason=""
        )
    audit.record(
        user=actor,
        action=AuditAction.CHANGE,
        what="people-unmerge",
        reason=f"Merge of {merged.full_name} ({merged.la_child_id}) into {kept.full_name} ({kept.la_child_id}) "
        f"undone: {back} rows moved back"
        + (f", {left} left with {kept.full_name} because they had changed since" if left else "")
        + "."
        + (f" Reason: {reason.strip()}" if reason.strip() else ""),
        now=now,
        subjects=[(kept.pk, "Merge undone"), (merged.pk, "Merge undone")],
        record=merge_record,
    )
    return merge_record
