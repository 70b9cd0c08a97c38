"""The children in need census (DfE): which children are in a collection year's return, and its XML.

Collection year Y runs from 1 April Y-1 to 31 March Y (the reference date). A child is in the return when one of
their episodes (a referral, docs/adr/0003) was open on any day of the year. Within an episode, what must happen in
the year is included only when it did (assessments, section 47 enquiries and conferences, reviews, closures); what
may have started earlier is included while it was still open in the year (the episode, CIN plans, CP plans).
Nothing dated after the reference date is shown: an episode closed in April is open at 31 March.

Element order and rules follow the DfE CIN census specification as the validator (csc-validator-be-cin) reads it.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from lxml import etree

from macpu.access import audit
from macpu.agencies.selectors import local_authority, local_policy, working_day_calendar
from macpu.casework.models import Assessment
from macpu.intake.models import Referral, ReferralDecision
from macpu.people.models import Person
from macpu.protection.models import Conference, ConferenceKind, CpPlan, S47Enquiry
from macpu.protection.selectors import plans_with_previous_plans
from macpu.timescales.clocks import INITIAL_CONFERENCE_WORKING_DAYS

FIRST_COLLECTION_YEAR = 2000
CHUNK = 2000  # children read (with everything prefetched) per round of queries

# UPNunknown codes (DfE code set) that macpu can work out from the record.
UPN_UNKNOWN_UNDER_SCHOOL_AGE = "UN1"  # not of school age, so not yet given a UPN
UPN_UNKNOWN_NOT_OBTAINED = "UN4"  # of school age; the UPN has not been obtained
UPN_UNKNOWN_REFERRAL_NFA = "UN7"  # every episode in the return is a referral with no further action


@dataclass(frozen=True)
class CollectionYear:
    """The census year ending on 31 March of ``year``."""

    year: int

    def __post_init__(self) -> None:
        if self.year < FIRST_COLLECTION_YEAR:
            raise ValueError(f"A collection year is a year such as 2026, not {self.year}.")

    @classmethod
    def containing(cls, day: date) -> CollectionYear:
        """The collection year ``day`` falls in (the one in progress on that day)."""
        return cls(day.year + 1 if day.month >= 4 else day.year)

    @property
    def start(self) -> date:
        return date(self.year - 1, 4, 1)

    @property
    def reference_date(self) -> date:
        return date(self.year, 3, 31)

    def contains(self, day: date | None) -> bool:
        return day is not None and self.start <= day <= self.reference_date

    def known_by_end(self, day: date | None) -> date | None:
        """``day`` if it had happened by the reference date, else None (it was still to come)."""
        return day if day is not None and day <= self.reference_date else None

    def open_in_year(self, started_on: date, ended_on: date | None) -> bool:
        return started_on <= self.reference_date and (ended_on is None or ended_on >= self.start)


def census_episodes(year: CollectionYear) -> QuerySet[Referral]:
    """Episodes open on at least one day of the collection year."""
    return Referral.objects.filter(received_on__lte=year.reference_date).filter(
        Q(closed_on__isnull=True) | Q(closed_on__gte=year.start)
    )


def census_people(year: CollectionYear) -> QuerySet[Person]:
    """Every child with children in need activity in the year."""
    return Person.objects.filter(Exists(census_episodes(year).filter(child=OuterRef("pk")))).order_by("pk")


def census_children(year: CollectionYear) -> QuerySet[Person]:
    """Every child in the year's return, with all the census needs prefetched."""
    episodes = census_episodes(year)
    plans = plans_with_previous_plans(CpPlan.objects.all()).prefetch_related(
        Prefetch("conferences", to_attr="census_conferences")
    )
    # Every prefetch goes to a list (to_attr): Django then skips building a queryset per row, which for 50,000
    # children is most of the export's time.
    return census_people(year).prefetch_related(
        Prefetch("disabilities", to_attr="census_disabilities"),
        Prefetch(
            "referrals",
            queryset=episodes.order_by("received_on", "pk").prefetch_related(
                Prefetch(
                    "assessments",
                    queryset=Assessment.objects.prefetch_related(Prefetch("factors", to_attr="census_factors")),
                    to_attr="census_assessments",
                ),
                Prefetch("cin_plans", to_attr="census_cin_plans"),
                Prefetch(
                    "s47_enquiries",
                    queryset=S47Enquiry.objects.select_related("strategy_discussion", "initial_conference"),
                    to_attr="census_s47s",
                ),
                Prefetch(
                    "conferences",
                    queryset=Conference.objects.filter(
                        kind__in=[ConferenceKind.INITIAL, ConferenceKind.TRANSFER_IN]
                    ).select_related("s47"),
                    to_attr="initial_conferences",
                ),
                Prefetch("cp_plans", queryset=plans, to_attr="census_cp_plans"),
            ),
            to_attr="census_episodes",
        ),
    )


def _sub(parent: etree._Element, tag: str, value: object = None) -> etree._Element:
    element = etree.SubElement(parent, tag)
    if value is not None:
        element.text = value.isoformat() if isinstance(value, date) else str(value)
    return element


def _optional(parent: etree._Element, tag: str, value: object) -> None:
    if value not in (None, ""):
        _sub(parent, tag, value)


def _bool(value: bool) -> str:
    return "true" if value else "false"


class CensusBuilder:
    """Builds one collection year's XML. Reads the local authority's policy and calendar once."""

    def __init__(self, year: CollectionYear) -> None:
        self.year = year
        self.calendar = working_day_calendar()
        self.policy = local_policy()

    def header(self, parent: etree._Element, *, now: datetime, serial_no: int) -> None:
        header = _sub(parent, "Header")
        details = _sub(header, "CollectionDetails")
        _sub(details, "Collection", "CIN")
        _sub(details, "Year", self.year.year)
        _sub(details, "ReferenceDate", self.year.reference_date)
        source = _sub(header, "Source")
        _sub(source, "SourceLevel", "L")
        _sub(source, "LEA", local_authority().code)
        _sub(source, "SoftwareCode", settings.CIN_CENSUS_SOFTWARE_CODE)
        _sub(source, "Release", settings.CIN_CENSUS_RELEASE)
        _sub(source, "SerialNo", serial_no)
        _sub(source, "DateTime", timezone.localtime(now).strftime("%Y-%m-%dT%H:%M:%S"))

    def child(self, parent: etree._Element, person: Person) -> None:
        episodes: list[Referral] = person.census_episodes  # type: ignore[attr-defined]
        child = _sub(parent, "Child")
        self.identifiers(child, person, episodes)
        characteristics = _sub(child, "ChildCharacteristics")
        _optional(characteristics, "Ethnicity", person.ethnicity)
        codes = sorted(d.code for d in person.census_disabilities)  # type: ignore[attr-defined]
        if codes:
            disabilities = _sub(characteristics, "Disabilities")
            for code in codes:
                _sub(disabilities, "Disability", code)
        for episode in episodes:
            self.episode(child, episode)

    def identifiers(self, parent: etree._Element, person: Person, episodes: list[Referral]) -> None:
        ids = _sub(parent, "ChildIdentifiers")
        _sub(ids, "LAchildID", person.la_child_id)
        born_on = self.year.known_by_end(person.date_of_birth)
        expected_on = None if born_on else (person.expected_date_of_birth or person.date_of_birth)
        if person.upn:
            _sub(ids, "UPN", person.upn)
        else:
            _sub(ids, "UPNunknown", self.upn_unknown_reason(born_on, episodes))
        if born_on:
            _sub(ids, "PersonBirthDate", born_on)
        else:
            _optional(ids, "ExpectedPersonBirthDate", expected_on)
        _sub(ids, "Sex", person.sex if born_on else "U")  # our codes are the census's M, F, U; unborn is U
        _optional(ids, "PersonDeathDate", self.year.known_by_end(person.date_of_death))

    def upn_unknown_reason(self, born_on: date | None, episodes: list[Referral]) -> str:
        if all(e.decision == ReferralDecision.NO_FURTHER_ACTION for e in episodes):
            return UPN_UNKNOWN_REFERRAL_NFA
        school_age_born_by = date(self.year.year - 6, 8, 31)  # of school age by the September after the year
        if born_on is None or born_on > school_age_born_by:
            return UPN_UNKNOWN_UNDER_SCHOOL_AGE
        return UPN_UNKNOWN_NOT_OBTAINED

    def episode(self, parent: etree._Element, episode: Referral) -> None:
        year = self.year
        closed_on = year.known_by_end(episode.closed_on)
        s47s: list[S47Enquiry] = episode.census_s47s  # type: ignore[attr-defined]
        enquiries = sorted((s for s in s47s if year.contains(s.started_on)), key=lambda s: s.started_on)
        # An initial conference is recorded once: with its enquiry when the enquiry is in this return, otherwise
        # (the enquiry started in an earlier year) at episode level. A transfer-in conference has no enquiry in this
        # authority: it is recorded at episode level, and the plan it decided starts on its date.
        episode_level_icpc = [
            c.held_on
            for c in episode.initial_conferences  # type: ignore[attr-defined]
            if year.contains(c.held_on) and (c.s47 is None or not year.contains(c.s47.started_on))
        ]
        details = _sub(parent, "CINdetails")
        _sub(details, "CINreferralDate", episode.received_on)
        _sub(details, "ReferralSource", episode.source)
        _sub(details, "PrimaryNeedCode", episode.primary_need)
        if closed_on:
            _sub(details, "CINclosureDate", closed_on)
            _sub(details, "ReasonForClosure", episode.closure_reason)
        if episode_level_icpc:
            _sub(details, "DateOfInitialCPC", min(episode_level_icpc))
        _sub(details, "ReferralNFA", _bool(episode.decision == ReferralDecision.NO_FURTHER_ACTION))
        self.assessments(details, episode.census_assessments)  # type: ignore[attr-defined]
        for plan in sorted(episode.census_cin_plans, key=lambda p: p.started_on):  # type: ignore[attr-defined]
            if year.open_in_year(plan.started_on, plan.ended_on):
                dates = _sub(details, "CINPlanDates")
                _sub(dates, "CINPlanStartDate", plan.started_on)
                _optional(dates, "CINPlanEndDate", year.known_by_end(plan.ended_on))
        for enquiry in enquiries:
            self.section47(details, enquiry)
        for cp_plan in sorted(episode.census_cp_plans, key=lambda p: p.started_on):  # type: ignore[attr-defined]
            if year.open_in_year(cp_plan.started_on, cp_plan.ended_on):
                self.cp_plan(details, cp_plan)

    def assessments(self, parent: etree._Element, assessments: Iterable[Assessment]) -> None:
        year = self.year
        for assessment in sorted(assessments, key=lambda a: a.started_on):
            if not year.open_in_year(assessment.started_on, assessment.authorised_on):
                continue
            authorised_on = year.known_by_end(assessment.authorised_on)
            element = _sub(parent, "Assessments")
            _sub(element, "AssessmentActualStartDate", assessment.started_on)
            if authorised_on:
                _sub(element, "AssessmentAuthorisationDate", authorised_on)
                factors = sorted(f.code for f in assessment.census_factors)  # type: ignore[attr-defined]
                if factors:
                    group = _sub(element, "FactorsIdentifiedAtAssessment")
                    for code in factors:
                        _sub(group, "AssessmentFactors", code)

    def section47(self, parent: etree._Element, enquiry: S47Enquiry) -> None:
        year = self.year
        conference = getattr(enquiry, "initial_conference", None)
        target = self.calendar.add_working_days(
            enquiry.strategy_discussion.held_on,
            INITIAL_CONFERENCE_WORKING_DAYS,
            start_day_counts=self.policy.start_day_counts,
        )
        not_required = enquiry.conference_not_required and year.known_by_end(enquiry.completed_on) is not None
        element = _sub(parent, "Section47")
        _sub(element, "S47ActualStartDate", enquiry.started_on)
        _sub(element, "InitialCPCtarget", target)
        _optional(element, "DateOfInitialCPC", year.known_by_end(conference.held_on) if conference else None)
        _sub(element, "ICPCnotRequired", _bool(not_required))

    def cp_plan(self, parent: etree._Element, plan: CpPlan) -> None:
        year = self.year
        ended_on = year.known_by_end(plan.ended_on)
        conferences: list[Conference] = plan.census_conferences  # type: ignore[attr-defined]
        held = sorted((c for c in conferences if c.held_on <= year.reference_date), key=lambda c: c.held_on)
        categories = [c.category for c in held if c.category]
        reviews = [
            c.held_on
            for c in held
            if c.kind == ConferenceKind.REVIEW
            and year.contains(c.held_on)
            and (ended_on is None or c.held_on <= ended_on)
        ]
        element = _sub(parent, "ChildProtectionPlans")
        _sub(element, "CPPstartDate", plan.started_on)
        _optional(element, "CPPendDate", ended_on)
        _sub(element, "InitialCategoryOfAbuse", plan.initial_category)
        _sub(element, "LatestCategoryOfAbuse", categories[-1] if categories else plan.initial_category)
        _sub(element, "NumberOfPreviousCPP", plan.previous_plans)  # type: ignore[attr-defined]
        if reviews:
            group = _sub(element, "Reviews")  # all of a plan's reviews in one group, as the specification shows
            for held_on in reviews:
                _sub(group, "CPPreviewDate", held_on)


def write_census(file: IO[bytes], *, year: int, now: datetime, serial_no: int = 1) -> int:
    """Write the CIN census return for the collection year ending 31 March ``year`` to ``file`` as UTF-8 XML, one
    child at a time (memory stays flat however many children there are). Returns the number of children."""
    collection = CollectionYear(year)
    builder = CensusBuilder(collection)
    written = 0
    with etree.xmlfile(file, encoding="UTF-8") as xml:
        xml.write_declaration()
        with xml.element("Message"):
            xml.write("\n")
            holder = etree.Element("Message")
            builder.header(holder, now=now, serial_no=serial_no)
            xml.write(holder[0], pretty_print=True)
            with xml.element("Children"):
                xml.write("\n")
                for person in census_children(collection).iterator(chunk_size=CHUNK):
                    holder = etree.Element("Children")
                    builder.child(holder, person)
                    xml.write(holder[0], pretty_print=True)
                    written += 1
                    audit.seen([person.pk], "export")
            xml.write("\n")
    return written


def census_xml(*, year: int, now: datetime, serial_no: int = 1) -> bytes:
    """The CIN census return for the collection year ending 31 March ``year``, as UTF-8 XML."""
    buffer = io.BytesIO()
    write_census(buffer, year=year, now=now, serial_no=serial_no)
    return buffer.getvalue()
