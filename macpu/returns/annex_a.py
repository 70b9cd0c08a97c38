"""Ofsted Annex A (inspection of local authority children's services), lists 1 to 7, as an .xlsx workbook.

Source of the columns. Ofsted publishes the Annex A template as a workbook; its child-level columns, their order
and their value formats here follow the Annex A schema kept by the LIIA project (Social Finance,
``liia-tools``: ``liiatools/annex_a_pipeline/spec/Annex_A_schema.yml``), which validates local authorities'
Annex A returns against Ofsted's template, cross-checked with the Data to Insight standard safeguarding dataset
Annex A queries (``data-to-insight/ssd-data-model``), which quote Ofsted's description of each list. Values are
the template's own drop-down values ("a) Male", "a) WBRI", "q) 6: Police", "a) Yes", "N1 - Abuse or neglect",
"a) Neglect"...): Annex A is an export, so codes appear where Ofsted's template has them. Dates are real Excel
dates shown as DD/MM/YYYY.

Period. Every list looks back six months from ``as_of`` (the inspection date): from ``as_of`` less six calendar
months to ``as_of``, both included. Nothing dated after ``as_of`` is shown: a plan that ended the day after is
open at ``as_of``, with no end date. Ages are in whole years at ``as_of`` (blank for a child not yet born then;
the date of birth column holds the expected date of birth for an unborn child).

- List 1, contacts: every contact received in the period, one row per child named on it.
- List 2, early help: macpu has no early help module yet, so there are no early help assessments to list. The
  sheet has Ofsted's headers and one row for each time a child was referred to early help in the period: a
  contact decided "early help", or an episode whose assessment concluded "early help" or that closed "case
  closed after assessment, referred to early help" (RC9; one row per episode). Ofsted's three assessment
  columns are blank (macpu does not hold the early help assessment); one column is added after them, "Date
  referred to early help", the date of that decision.
- List 3, referrals: every referral received in the period (a child may have several rows). "Number of
  Referrals in Last 12 Months" counts the child's other referrals received in the 12 months before this one
  (not this one), so a number above 0 is a re-referral within 12 months.
- List 4, assessments: every child and family assessment open on any day of the period (started in it, or
  authorised in it, or open through it).
- List 5, section 47 enquiries and initial conferences: every enquiry open on any day of the period, including
  those still open at ``as_of``. The two counts are the child's other enquiries started, and initial
  conferences held, in the 12 months before this enquiry started (same-day enquiries recorded earlier count).
- List 6, children in need: each child whose episode was open on any day of the period and went beyond the
  referral (decided for an assessment or a strategy discussion by ``as_of``): one row per child, their latest
  such episode. Children only the subject of a referral are on list 3 only, as Ofsted asks.
- List 7, child protection: each child on a child protection plan at ``as_of`` or whose plan ended in the
  period: one row per child, their latest plan. The emergency protection column is "a) Yes" when a strategy
  discussion for the child in the six months to ``as_of`` recorded police protection or an emergency protection
  order.

What macpu cannot fill: list 2's early help assessment dates and organisation (blank, above); list 4's "Child
Seen During Continuous Assessment" is "a) Yes" when the child was seen in a section 47 enquiry during the
assessment and otherwise "c) Unknown" (macpu records no other assessment visit); list 6's "Date Child Was Last
Seen" comes from section 47 enquiries and statutory visits only; "Allocated Worker" is the worker allocated now
(macpu keeps no allocation history), blank when nobody is allocated; list 6's "a) Looked after child" never
appears (macpu holds no looked-after children).

Reads: eleven queries whatever the number of children (one or two per list, two more for list 5's 12-month
counts); nothing is read per row, and rows are streamed into a write-only workbook.
"""

from __future__ import annotations

import io
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import IO, Any
from zipfile import ZIP_DEFLATED, ZipFile

from dateutil.relativedelta import relativedelta
from django.db.models import Exists, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.writer.excel import ExcelWriter

from macpu.access import audit
from macpu.agencies.models import User
from macpu.casework.models import Assessment, AssessmentOutcome, CinPlan
from macpu.core.codes import (
    CategoryOfAbuse,
    Disability,
    Ethnicity,
    PrimaryNeed,
    ReasonForClosure,
    ReferralSource,
    Sex,
)
from macpu.intake.models import Contact, ContactOutcome, Referral, ReferralDecision
from macpu.people.models import LA_CHILD_ID_PREFIX, Person, PersonDisability
from macpu.protection.models import (
    Conference,
    ConferenceDecision,
    ConferenceKind,
    CpPlan,
    ImmediateProtection,
    S47Enquiry,
    StatutoryVisit,
    StrategyDiscussion,
)
from macpu.protection.selectors import plans_with_previous_plans

PERIOD_MONTHS = 6
LOOKBACK_MONTHS = 12
DATE_FORMAT = "dd/mm/yyyy"

CellValue = date | int | str | None
Row = tuple[CellValue, ...]

# --------------------------------------------------------------------------------------------------------------
# Ofsted's template values

GENDER = {Sex.MALE: "a) Male", Sex.FEMALE: "b) Female", Sex.UNKNOWN: "c) Not stated/recorded"}
ETHNICITY = {
    code: f"{letter}) {code.value}"
    for letter, code in zip(
        "abcdefghijklmnopqrst",
        [
            Ethnicity.WHITE_BRITISH,
            Ethnicity.WHITE_IRISH,
            Ethnicity.TRAVELLER_IRISH,
            Ethnicity.WHITE_OTHER,
            Ethnicity.GYPSY_ROMA,
            Ethnicity.MIXED_WHITE_CARIBBEAN,
            Ethnicity.MIXED_WHITE_AFRICAN,
            Ethnicity.MIXED_WHITE_ASIAN,
            Ethnicity.MIXED_OTHER,
            Ethnicity.INDIAN,
            Ethnicity.PAKISTANI,
            Ethnicity.BANGLADESHI,
            Ethnicity.ASIAN_OTHER,
            Ethnicity.CARIBBEAN,
            Ethnicity.AFRICAN,
            Ethnicity.BLACK_OTHER,
            Ethnicity.CHINESE,
            Ethnicity.OTHER,
            Ethnicity.REFUSED,
            Ethnicity.NOT_OBTAINED,
        ],
        strict=True,
    )
}
SOURCE = {
    ReferralSource.FAMILY: "a) 1A: Individual",
    ReferralSource.ACQUAINTANCE: "b) 1B: Individual",
    ReferralSource.SELF: "c) 1C: Individual",
    ReferralSource.OTHER_INDIVIDUAL: "d) 1D: Individual",
    ReferralSource.SCHOOLS: "e) 2A: Schools",
    ReferralSource.EDUCATION_SERVICES: "f) 2B: Education services",
    ReferralSource.GP: "g) 3A: Health services",
    ReferralSource.HEALTH_VISITOR: "h) 3B: Health services",
    ReferralSource.SCHOOL_NURSE: "i) 3C: Health services",
    ReferralSource.OTHER_PRIMARY_HEALTH: "j) 3D: Health services",
    ReferralSource.A_AND_E: "k) 3E: Health services",
    ReferralSource.OTHER_HEALTH: "l) 3F: Health services",
    ReferralSource.HOUSING: "m) 4: Housing",
    ReferralSource.LA_SOCIAL_CARE: "n) 5A: LA services",
    ReferralSource.LA_OTHER_INTERNAL: "o) 5B: LA services",
    ReferralSource.LA_EXTERNAL: "p) 5C: LA services",
    ReferralSource.EARLY_HELP: "p1) 5D: LA services",
    ReferralSource.POLICE: "q) 6: Police",
    ReferralSource.OTHER_LEGAL: "r) 7: Other legal agency",
    ReferralSource.OTHER: "s) 8: Other",
    ReferralSource.ANONYMOUS: "t) 9: Anonymous",
    ReferralSource.UNKNOWN: "u) 10: Unknown",
}
PRIMARY_NEED = {
    PrimaryNeed.ABUSE_OR_NEGLECT: "N1 - Abuse or neglect",
    PrimaryNeed.CHILD_DISABILITY: "N2 - Child's disability",
    PrimaryNeed.PARENT_DISABILITY: "N3 - Parental disability or illness",
    PrimaryNeed.ACUTE_STRESS: "N4 - Family in acute stress",
    PrimaryNeed.FAMILY_DYSFUNCTION: "N5 - Family dysfunction",
    PrimaryNeed.SOCIALLY_UNACCEPTABLE: "N6 - Socially unacceptable behaviour",
    PrimaryNeed.LOW_INCOME: "N7 - Low income",
    PrimaryNeed.ABSENT_PARENTING: "N8 - Absent parenting",
    PrimaryNeed.NOT_IN_NEED: "N9 - Cases other than children in need",
    PrimaryNeed.NOT_STATED: "N0 - Not stated",
}
CLOSURE = {
    ReasonForClosure.ADOPTED: "RC1 - Adopted",
    ReasonForClosure.DIED: "RC2 - Died",
    ReasonForClosure.CHILD_ARRANGEMENTS_ORDER: "RC3 - Child arrangements order",
    ReasonForClosure.SPECIAL_GUARDIANSHIP: "RC4 - Special guardianship order",
    ReasonForClosure.TRANSFERRED_LA: "RC5 - Transferred to services of another local authority",
    ReasonForClosure.TRANSFERRED_ADULT: "RC6 - Transferred to adult social care services",
    ReasonForClosure.SERVICES_CEASED: "RC7 - Services ceased for any other reason, including child no longer in need",
    ReasonForClosure.ASSESSMENT_NFA: "RC8 - Case closed after assessment, no further action",
    ReasonForClosure.ASSESSMENT_EARLY_HELP: "RC9 - Case closed after assessment, referred to early help",
}
CATEGORY = {
    CategoryOfAbuse.NEGLECT: "a) Neglect",
    CategoryOfAbuse.PHYSICAL: "b) Physical abuse",
    CategoryOfAbuse.SEXUAL: "c) Sexual abuse",
    CategoryOfAbuse.EMOTIONAL: "d) Emotional abuse",
    CategoryOfAbuse.MULTIPLE: "e) Multiple/not recommended",
}
YES, NO, UNKNOWN = "a) Yes", "b) No", "c) Unknown"
CASE_CP_PLAN, CASE_CIN_PLAN = "b) Child Protection plan", "c) Child in need plan"
CASE_OPEN_ASSESSMENT, CASE_CLOSED = "d) Open assessment", "e) Closed episode"
# An assessment outcome that means the child needs children's social care support.
NEEDS_SUPPORT = {
    AssessmentOutcome.CHILD_IN_NEED_PLAN,
    AssessmentOutcome.STRATEGY_DISCUSSION,
    AssessmentOutcome.CONTINUE_PROTECTION,
}

# --------------------------------------------------------------------------------------------------------------
# Headers, in Ofsted's order

CHILD = ("Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)")
DISABILITY = "Does the Child have a Disability"
ALLOCATED = ("Allocated Team", "Allocated Worker")
HEADERS: dict[str, tuple[str, ...]] = {
    "List 1": (*CHILD, "Date of Contact", "Contact Source"),
    "List 2": (
        *CHILD,
        "Assessment start date",
        "Assessment completion date",
        "Organisation completing assessment",
        "Date referred to early help",
    ),
    "List 3": (
        *CHILD,
        "Date of referral",
        "Referral Source",
        "Referral NFA?",
        "Number of Referrals in Last 12 Months",
        *ALLOCATED,
    ),
    "List 4": (
        *CHILD,
        DISABILITY,
        "Continuous Assessment Start Date",
        "Child Seen During Continuous Assessment",
        "Continuous Assessment Date of Authorisation",
        "Was the child assessed as requiring LA children's social care support?",
        *ALLOCATED,
    ),
    "List 5": (
        *CHILD,
        DISABILITY,
        "Strategy discussion initiating Section 47 Enquiry Start Date",
        "Was an Initial Child Protection Conference deemed unnecessary?",
        "Date of Initial Child Protection Conference",
        "Did the Initial Child Protection Conference Result in a Child Protection Plan",
        "Number of Section 47 Enquiries in the last 12 months",
        "Number of ICPCs in the last 12 months",
        *ALLOCATED,
    ),
    "List 6": (
        *CHILD,
        DISABILITY,
        "CIN Start Date",
        "Primary Need Code",
        "Date Child Was Last Seen",
        "CIN Closure Date",
        "Reason for Closure",
        "Case Status",
        *ALLOCATED,
    ),
    "List 7": (
        *CHILD,
        DISABILITY,
        "Child Protection Plan Start Date",
        "Initial Category of Abuse",
        "Latest Category of Abuse",
        "Date of the Last Statutory Visit",
        "Was the Child Seen Alone?",
        "Date of latest review conference",
        "Child Protection Plan End Date",
        "Subject to Emergency Protection Order or Protected Under Police Powers in Last Six Months (Y/N)",
        "Number of Previous Child Protection Plans",
        *ALLOCATED,
    ),
}


@dataclass(frozen=True)
class Period:
    """The six months to ``as_of`` (both ends included) that every list covers."""

    as_of: date

    @property
    def start(self) -> date:
        return self.as_of - relativedelta(months=PERIOD_MONTHS)

    def known(self, day: date | None) -> date | None:
        """``day`` if it had happened by ``as_of``, else None (it was still to come)."""
        return day if day is not None and day <= self.as_of else None

    def open_filter(self, start_field: str, end_field: str) -> Q:
        """Records open on at least one day of the period."""
        return Q(**{f"{start_field}__lte": self.as_of}) & (
            Q(**{f"{end_field}__isnull": True}) | Q(**{f"{end_field}__gte": self.start})
        )

    def open_at_end(self, start_field: str, end_field: str) -> Q:
        """Records open on ``as_of`` (ended later, or not at all)."""
        return Q(**{f"{start_field}__lte": self.as_of}) & (
            Q(**{f"{end_field}__isnull": True}) | Q(**{f"{end_field}__gt": self.as_of})
        )


# --------------------------------------------------------------------------------------------------------------
# The child's own columns


def _disability_annotations(person: str) -> dict[str, Exists]:
    """``has_disability`` (a code other than "no disability") and ``disability_known`` (any code recorded)."""
    recorded = PersonDisability.objects.filter(person=OuterRef(person))
    return {
        "has_disability": Exists(recorded.exclude(code=Disability.NONE)),
        "disability_known": Exists(recorded),
    }


def _disability(record: Any) -> str:
    if record.has_disability:
        return YES
    return NO if record.disability_known else UNKNOWN


def _child(person: Person, period: Period) -> Row:
    born_on = person.date_of_birth
    age = relativedelta(period.as_of, born_on).years if born_on and born_on <= period.as_of else None
    return (
        person.la_child_id,
        GENDER[Sex(person.sex)],
        ETHNICITY[Ethnicity(person.ethnicity)] if person.ethnicity else ETHNICITY[Ethnicity.NOT_OBTAINED],
        born_on or person.expected_date_of_birth,
        age,
    )


def _allocated(referral: Referral) -> Row:
    worker: User | None = referral.allocated_worker
    return (referral.team.name, worker.display_name if worker else None)


def _yes_no(value: bool | None) -> str | None:
    return None if value is None else (YES if value else NO)


def _earlier_within(events: dict[int, list[tuple[date, int]]], child_id: int, on: date, pk: int) -> int:
    """How many of the child's events fall in the 12 months before ``on`` (same day: those recorded earlier)."""
    dated = events.get(child_id, [])
    return bisect_left(dated, (on, pk)) - bisect_left(dated, (on - relativedelta(months=LOOKBACK_MONTHS), 0))


def _by_child(rows: Iterable[tuple[int, date, int]]) -> dict[int, list[tuple[date, int]]]:
    events: dict[int, list[tuple[date, int]]] = defaultdict(list)
    for child_id, on, pk in rows:
        events[child_id].append((on, pk))
    for dated in events.values():
        dated.sort()
    return events


# --------------------------------------------------------------------------------------------------------------
# The lists: each yields its rows in Ofsted's column order


def list_1_contacts(period: Period) -> Iterator[Row]:
    """Every contact received in the period, one row per child on it."""
    through = Contact.children.through
    links = (
        through.objects.filter(contact__received_on__gte=period.start, contact__received_on__lte=period.as_of)
        .select_related("contact", "person")
        .order_by("contact__received_on", "person_id", "contact_id")
    )
    for link in links.iterator(chunk_size=2000):
        contact = link.contact
        yield (*_child(link.person, period), contact.received_on, SOURCE[ReferralSource(contact.referral_source)])


def list_2_early_help(period: Period) -> Iterator[Row]:
    """Each referral to early help in the period: contacts decided early help, episodes assessed early help."""
    rows: list[tuple[date, str, Row]] = []
    through = Contact.children.through
    for link in through.objects.filter(
        contact__outcome=ContactOutcome.EARLY_HELP,
        contact__decided_on__gte=period.start,
        contact__decided_on__lte=period.as_of,
    ).select_related("contact", "person"):
        decided_on = link.contact.decided_on
        if decided_on is not None:  # always, by the filter
            row = (*_child(link.person, period), None, None, None, decided_on)
            rows.append((decided_on, link.person.la_child_id, row))
    assessed_on = (
        Assessment.objects.filter(
            referral=OuterRef("pk"),
            outcome=AssessmentOutcome.EARLY_HELP,
            authorised_on__gte=period.start,
            authorised_on__lte=period.as_of,
        )
        .order_by("authorised_on")
        .values("authorised_on")[:1]
    )
    closed_early_help = Q(
        closure_reason=ReasonForClosure.ASSESSMENT_EARLY_HELP, closed_on__gte=period.start, closed_on__lte=period.as_of
    )
    episodes = (
        Referral.objects.annotate(assessed_on=Subquery(assessed_on))
        .filter(Q(assessed_on__isnull=False) | closed_early_help)
        .select_related("child")
    )
    for episode in episodes:
        dates: list[date] = [episode.assessed_on] if episode.assessed_on else []  # type: ignore[attr-defined]
        closed_on = episode.closed_on
        if episode.closure_reason == ReasonForClosure.ASSESSMENT_EARLY_HELP and closed_on and closed_on >= period.start:
            dates.append(closed_on)
        referred_on = min(d for d in dates if d <= period.as_of)
        child = episode.child
        rows.append((referred_on, child.la_child_id, (*_child(child, period), None, None, None, referred_on)))
    for _, _, row in sorted(rows, key=lambda r: (r[0], r[1])):
        yield row


def list_3_referrals(period: Period) -> Iterator[Row]:
    """Every referral received in the period."""
    referrals = (
        Referral.objects.filter(received_on__gte=period.start, received_on__lte=period.as_of)
        .select_related("child", "team", "allocated_worker")
        .order_by("received_on", "child_id", "pk")
    )
    earlier = _by_child(
        Referral.objects.filter(child__in=referrals.values("child"), received_on__lte=period.as_of).values_list(
            "child_id", "received_on", "pk"
        )
    )
    for referral in referrals:
        nfa = referral.decision == ReferralDecision.NO_FURTHER_ACTION and period.known(referral.decided_on)
        yield (
            *_child(referral.child, period),
            referral.received_on,
            SOURCE[ReferralSource(referral.source)],
            YES if nfa else NO,
            _earlier_within(earlier, referral.child_id, referral.received_on, referral.pk),
            *_allocated(referral),
        )


def list_4_assessments(period: Period) -> Iterator[Row]:
    """Every child and family assessment open on a day of the period."""
    seen_in_enquiry = S47Enquiry.objects.filter(
        referral=OuterRef("referral"),
        child_seen_on__gte=OuterRef("started_on"),
        child_seen_on__lte=Coalesce(OuterRef("authorised_on"), Value(period.as_of)),
    ).filter(child_seen_on__lte=period.as_of)
    assessments = (
        Assessment.objects.filter(period.open_filter("started_on", "authorised_on"))
        .select_related("referral__child", "referral__team", "referral__allocated_worker")
        .annotate(seen=Exists(seen_in_enquiry), **_disability_annotations("referral__child"))
        .order_by("started_on", "referral__child_id", "pk")
    )
    for assessment in assessments.iterator(chunk_size=2000):
        referral = assessment.referral
        authorised_on = period.known(assessment.authorised_on)
        yield (
            *_child(referral.child, period),
            _disability(assessment),
            assessment.started_on,
            YES if assessment.seen else UNKNOWN,  # type: ignore[attr-defined]
            authorised_on,
            _yes_no(assessment.outcome in NEEDS_SUPPORT) if authorised_on else None,
            *_allocated(referral),
        )


def list_5_section_47(period: Period) -> Iterator[Row]:
    """Every section 47 enquiry open on a day of the period, with its initial conference."""
    enquiries = (
        S47Enquiry.objects.filter(period.open_filter("started_on", "completed_on"))
        .select_related("referral__child", "referral__team", "referral__allocated_worker", "initial_conference")
        .annotate(**_disability_annotations("referral__child"))
        .order_by("started_on", "referral__child_id", "pk")
    )
    children = enquiries.values("referral__child")
    earlier_enquiries = _by_child(
        S47Enquiry.objects.filter(referral__child__in=children, started_on__lte=period.as_of).values_list(
            "referral__child_id", "started_on", "pk"
        )
    )
    earlier_conferences = _by_child(
        Conference.objects.filter(
            kind=ConferenceKind.INITIAL, referral__child__in=children, held_on__lte=period.as_of
        ).values_list("referral__child_id", "held_on", Value(0, output_field=IntegerField()))
    )
    for enquiry in enquiries:
        referral = enquiry.referral
        conference: Conference | None = getattr(enquiry, "initial_conference", None)
        held_on = period.known(conference.held_on) if conference else None
        completed = period.known(enquiry.completed_on) is not None
        yield (
            *_child(referral.child, period),
            _disability(enquiry),
            enquiry.started_on,
            _yes_no(enquiry.conference_not_required) if completed else None,
            held_on,
            _yes_no(conference.decision == ConferenceDecision.PLAN) if conference and held_on else None,
            _earlier_within(earlier_enquiries, referral.child_id, enquiry.started_on, enquiry.pk),
            _earlier_within(earlier_conferences, referral.child_id, enquiry.started_on, 0),
            *_allocated(referral),
        )


def _latest_per_child(records: Iterable[Any], child_id: Callable[[Any], int]) -> list[Any]:
    """The first record of each child from records ordered child by child, latest first."""
    latest: dict[int, Any] = {}
    for record in records:
        latest.setdefault(child_id(record), record)
    return list(latest.values())


def list_6_children_in_need(period: Period) -> Iterator[Row]:
    """Each child with a children in need episode, beyond the referral, open on a day of the period."""
    as_of = period.as_of
    last_seen_in_enquiry = (
        S47Enquiry.objects.filter(referral=OuterRef("pk"), child_seen_on__lte=as_of)
        .order_by("-child_seen_on")
        .values("child_seen_on")[:1]
    )
    last_seen_on_visit = (
        StatutoryVisit.objects.filter(plan__referral=OuterRef("pk"), child_seen=True, visited_on__lte=as_of)
        .order_by("-visited_on")
        .values("visited_on")[:1]
    )
    episodes = (
        Referral.objects.filter(period.open_filter("received_on", "closed_on"))
        .filter(decision__in=[ReferralDecision.ASSESSMENT, ReferralDecision.STRATEGY_DISCUSSION], decided_on__lte=as_of)
        .select_related("child", "team", "allocated_worker")
        .annotate(
            cp_plan_open=Exists(
                CpPlan.objects.filter(period.open_at_end("started_on", "ended_on"), referral=OuterRef("pk"))
            ),
            cin_plan_open=Exists(
                CinPlan.objects.filter(period.open_at_end("started_on", "ended_on"), referral=OuterRef("pk"))
            ),
            assessment_open=Exists(
                Assessment.objects.filter(period.open_at_end("started_on", "authorised_on"), referral=OuterRef("pk"))
            ),
            seen_in_enquiry=Subquery(last_seen_in_enquiry),
            seen_on_visit=Subquery(last_seen_on_visit),
            **_disability_annotations("child"),
        )
        .order_by("child_id", "-received_on", "-pk")
    )
    rows = _latest_per_child(episodes, lambda e: e.child_id)
    for episode in sorted(rows, key=lambda e: (e.received_on, e.child_id)):
        closed_on = period.known(episode.closed_on)
        seen = [d for d in (episode.seen_in_enquiry, episode.seen_on_visit) if d is not None]
        yield (
            *_child(episode.child, period),
            _disability(episode),
            episode.received_on,
            PRIMARY_NEED[PrimaryNeed(episode.primary_need)],
            max(seen, default=None),
            closed_on,
            CLOSURE[ReasonForClosure(episode.closure_reason)] if closed_on else None,
            _case_status(episode, closed=closed_on is not None),
            *_allocated(episode),
        )


def _case_status(episode: Any, *, closed: bool) -> str:
    if closed:
        return CASE_CLOSED
    if episode.cp_plan_open:
        return CASE_CP_PLAN
    if episode.cin_plan_open:
        return CASE_CIN_PLAN
    if episode.assessment_open:
        return CASE_OPEN_ASSESSMENT
    # Open between steps (a plan ended or an assessment concluded, the episode not yet closed). Ofsted's values
    # have no "between steps"; the child is still a child in need, as Data to Insight's queries also answer.
    return CASE_CIN_PLAN


def list_7_child_protection(period: Period) -> Iterator[Row]:
    """Each child on a plan at ``as_of`` or whose plan ended in the period (their latest plan)."""
    as_of = period.as_of
    last_visit = StatutoryVisit.objects.filter(plan=OuterRef("pk"), visited_on__lte=as_of).order_by(
        "-visited_on", "-pk"
    )
    held = Conference.objects.filter(plan=OuterRef("pk"), held_on__lte=as_of).order_by("-held_on", "-pk")
    protected = StrategyDiscussion.objects.filter(
        referral__child=OuterRef("referral__child"),
        held_on__gte=as_of - relativedelta(months=PERIOD_MONTHS),
        held_on__lte=as_of,
        immediate_protection__in=[
            ImmediateProtection.POLICE_PROTECTION,
            ImmediateProtection.EMERGENCY_PROTECTION_ORDER,
        ],
    )
    plans = (
        plans_with_previous_plans(CpPlan.objects.filter(period.open_filter("started_on", "ended_on")))
        .select_related("referral__child", "referral__team", "referral__allocated_worker")
        .annotate(
            last_visit_on=Subquery(last_visit.values("visited_on")[:1]),
            last_visit_alone=Subquery(last_visit.values("child_seen_alone")[:1]),
            last_review_on=Subquery(held.filter(kind=ConferenceKind.REVIEW).values("held_on")[:1]),
            category_now=Coalesce(Subquery(held.exclude(category="").values("category")[:1]), F("initial_category")),
            protected=Exists(protected),
            **_disability_annotations("referral__child"),
        )
        .order_by("referral__child_id", "-started_on", "-pk")
    )
    rows = _latest_per_child(plans, lambda p: p.referral.child_id)
    for plan in sorted(rows, key=lambda p: (p.started_on, p.referral.child_id)):
        referral = plan.referral
        yield (
            *_child(referral.child, period),
            _disability(plan),
            plan.started_on,
            CATEGORY[CategoryOfAbuse(plan.initial_category)],
            CATEGORY[CategoryOfAbuse(plan.category_now)],
            plan.last_visit_on,
            _yes_no(plan.last_visit_alone) if plan.last_visit_on else None,
            plan.last_review_on,
            period.known(plan.ended_on),
            YES if plan.protected else NO,
            plan.previous_plans,
            *_allocated(referral),
        )


LISTS: dict[str, Callable[[Period], Iterator[Row]]] = {
    "List 1": list_1_contacts,
    "List 2": list_2_early_help,
    "List 3": list_3_referrals,
    "List 4": list_4_assessments,
    "List 5": list_5_section_47,
    "List 6": list_6_children_in_need,
    "List 7": list_7_child_protection,
}


# --------------------------------------------------------------------------------------------------------------
# The workbook


def _sheet(workbook: Workbook, title: str, headers: tuple[str, ...], rows: Iterator[Row]) -> int:
    sheet: WriteOnlyWorksheet = workbook.create_sheet(title)
    sheet.freeze_panes = "A2"
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(max(len(header) + 2, 12), 32)
    bold, wrapped = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font, cell.alignment = bold, wrapped
        header_cells.append(cell)
    sheet.append(header_cells)
    count, children = 0, []
    for row in rows:
        if len(row) != len(headers):
            raise ValueError(f"{title}: a row has {len(row)} values for {len(headers)} columns.")
        sheet.append([_cell(sheet, value) for value in row])
        children.append(int(str(row[0]).removeprefix(LA_CHILD_ID_PREFIX)))  # every list starts with the child's id
        count += 1
    audit.seen(children, "export")
    return count


def _cell(sheet: WriteOnlyWorksheet, value: CellValue) -> CellValue | WriteOnlyCell:
    if isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    return value


def write_annex_a(file: IO[bytes], *, as_of: date, now: datetime) -> dict[str, int]:
    """Write Annex A lists 1 to 7 at ``as_of`` to ``file`` as .xlsx; returns the number of rows of each list."""
    period = Period(as_of)
    workbook = Workbook(write_only=True)
    stamp = now.astimezone(UTC).replace(tzinfo=None)  # the file format holds UTC without a zone
    workbook.properties.created = workbook.properties.modified = stamp
    workbook.properties.creator = "macpu"
    workbook.properties.title = f"Ofsted Annex A, lists 1 to 7, at {as_of:%d/%m/%Y}"
    try:
        counts = {title: _sheet(workbook, title, HEADERS[title], build(period)) for title, build in LISTS.items()}
        with ZipFile(file, "w", ZIP_DEFLATED, allowZip64=True) as archive:
            ExcelWriter(workbook, archive).write_data()  # not openpyxl's save(), which reads the clock
    except BaseException:
        _discard(workbook)
        raise
    return counts


def _discard(workbook: Workbook) -> None:
    """End each sheet's stream and remove its temporary file: a failed workbook leaves nothing behind."""
    for sheet in workbook.worksheets:
        with suppress(Exception):
            if not sheet.closed:
                sheet.close()
        with suppress(Exception):
            sheet._writer.cleanup()  # already gone if the sheet reached the archive


def annex_a_workbook(*, as_of: date, now: datetime) -> bytes:
    """Annex A lists 1 to 7 at ``as_of``, as the bytes of an .xlsx file."""
    buffer = io.BytesIO()
    write_annex_a(buffer, as_of=as_of, now=now)
    return buffer.getvalue()


def annex_a_rows(*, as_of: date) -> dict[str, list[Row]]:
    """Every list's rows at ``as_of`` (for checks and previews), keyed by sheet name."""
    period = Period(as_of)
    return {title: list(build(period)) for title, build in LISTS.items()}


__all__ = [
    "HEADERS",
    "LISTS",
    "Period",
    "Row",
    "annex_a_rows",
    "annex_a_workbook",
    "write_annex_a",
]
