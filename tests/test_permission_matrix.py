"""The permission matrix: every route that returns or changes case data, times every role, times three states.

The routes come from the URL configuration (`get_resolver`) and are cross-checked against the API schema: a new
route, or a new schema path, that the matrix does not know how to fill in fails the suite. Each route is either in
`ROUTES` (how to build its URL from the scenario, and what each role may get) or in `EXCLUDED` (no case data, with
the reason).

The three states, for each role:

- "relationship": the user has the legitimate basis their role can have (allocated worker; manager of the team
  holding the case; invited to a meeting about the child for the chair and the police, health and education
  officers; the statutory returns basis for a performance analyst). Roles that can have no relationship
  (analyst, partner practitioner, administrator, privacy officer) are put in the case's own team instead: the
  closest they can get.
- "none": a user of the same role in another team, not invited.
- "restricted": the "relationship" user after a team manager has restricted the record without naming them.

Whenever the user may not see the child, every response (200 lists and searches, 403 and 404 pages, API answers)
must hold nothing that identifies the child; each search must read exactly like a search for a child who does not
exist (so no count gives the child away), and each 404 exactly like the 404 for a record id that does not exist;
every POST must then be refused and write nothing to the case tables.

A performance analyst has the statutory returns basis for every child known to the unit, so a performance analyst
without a relationship does not exist: that state is not tested for that role.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from macpu.access.models import AuditEvent, AuditSubject
from macpu.access.selectors import RECORD_ROLES, UNIT_ROLES
from macpu.access.services import invitation_create, restriction_impose
from macpu.agencies.models import AgencyKind, Role, User
from macpu.casework.services import assessment_start, cin_plan_start
from macpu.core.services import may_record
from macpu.intake.models import ContactOutcome, ReferralDecision
from macpu.intake.services import contact_decide, contact_record, may_record_contact, referral_allocate, referral_decide
from macpu.mash.services import agency_view_record, information_request_send
from macpu.people.identifiers import is_valid_nhs_number, upn_problem
from macpu.people.models import LinkageRun, Person
from macpu.people.selectors import visible_people
from macpu.people.services import PersonDetails, household_record, people_merge, review_pair_decide
from macpu.protection.models import ConferenceDecision, S47Outcome, StrategyDecision
from macpu.protection.services import (
    Action,
    Participant,
    cp_plan_end,
    initial_conference_record,
    s47_child_seen,
    s47_complete,
    strategy_discussion_record,
)
from tests.agency_records import agency_record, review_pair
from tests.factories import AgencyFactory, TeamFactory, UserFactory
from tests.pathway import ATTENDANCE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("local_authority")]
INTAKE_MODEL = Path(__file__).parent.parent / "macpu/people/tests/data/intake_model.json"  # a trained Splink model

# --- the child, and what identifies them ---------------------------------------------------------------------

GIVEN, FAMILY = "Zephyrine", "Quillfeather"
ADULT_GIVEN = "Ottoline"
BORN = dt.date(2019, 2, 17)
NHS = "4010232137"
UPN = "Z938201700123"
ADDRESS, STREET, POSTCODE = "17 Larkspur Crescent, Brindlemoor", "Larkspur Crescent", "QB7 3ZJ"
# Values of the same shapes that belong to nobody: the search a stranger makes must read like these.
NOBODY = {"name": "Xanthorpe", "nhs": "4010232145", "upn": "R938201700456", "la_id": "MAC9999999", "dob": "18/03/2011"}

ROLES = list(Role)
STATES = ("relationship", "none", "restricted")
NOT_CONSTRUCTIBLE = {(Role.PERFORMANCE_ANALYST, "none"): "every performance analyst has the statutory returns basis"}
SOCIAL_CARE_PAGES = (Role.SOCIAL_WORKER, Role.TEAM_MANAGER)  # access.views._social_care


def identifying(child) -> list[str]:
    """Every string that identifies the child: names, date of birth written three ways, identifiers, address."""
    return [
        GIVEN,
        FAMILY,
        ADULT_GIVEN,
        f"{BORN.day} {BORN:%B %Y}",
        f"{BORN.day} {BORN:%b %Y}",
        f"{BORN:%d/%m/%Y}",
        BORN.isoformat(),
        NHS,
        f"{NHS[:3]} {NHS[3:6]} {NHS[6:]}",
        UPN,
        child.la_child_id,
        STREET,
        "Brindlemoor",
        POSTCODE,
    ]


# --- the scenario --------------------------------------------------------------------------------------------


@dataclass
class Scenario:
    child: Any
    contact: Any
    referral: Any
    action: Any
    enquiry: Any
    assessment: Any
    cp_plan: Any
    cin_plan: Any
    invitation: Any
    information_request: Any
    escalation_step: Any
    restrictor: User
    users: dict[tuple[str, str], User] = field(default_factory=dict)
    review_pair: Any = None  # a possible match of an agency record and her
    duplicate_pair: Any = None  # her and a second record of her, decided to be one person, not yet merged
    merge: Any = None  # a third record of her, merged into hers

    def restrict(self) -> None:
        now = timezone.now()
        restriction_impose(
            actor=self.restrictor,
            child=self.child,
            kind="high_profile",
            reason="Permission matrix: nobody else is named.",
            named=[],
            review_by=timezone.localdate(now) + dt.timedelta(days=30),
            now=now,
        )


def _at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


def build_scenario(social_worker, manager, chair, team) -> Scenario:
    """Zephyrine's case through the real services, with dates counted back from today: a contact referred, the
    referral decided and allocated, a strategy discussion with an action still to do, a section 47 enquiry, an
    assessment in progress, an initial conference whose plan has since ended (so no chair sees her by the "child
    on a plan" basis), then a child in need plan that is still open. A batch linkage has run, so matching at intake
    scores with its model."""
    today = timezone.localdate()
    LinkageRun.objects.create(started_at=timezone.now(), threshold=0.9, model=json.loads(INTAKE_MODEL.read_text()))

    def day(back: int) -> dt.date:
        return today - dt.timedelta(days=back)

    def now(back: int) -> dt.datetime:
        return _at(day(back))

    people = household_record(
        actor=social_worker,
        now=now(90),
        address=ADDRESS,
        postcode=POSTCODE,
        children=[
            PersonDetails(given_name=GIVEN, family_name=FAMILY, sex="F", date_of_birth=BORN, nhs_number=NHS, upn=UPN)
        ],
        adults=[PersonDetails(given_name=ADULT_GIVEN, family_name=FAMILY, sex="F")],
        adult_relationships=["parent"],
    )
    child = people.children[0]
    contact = contact_record(
        actor=social_worker,
        now=now(90),
        children=people.children,
        household=people.household,
        received_on=day(90),
        referrer_name="Ms Head",
        referrer_role="Headteacher",
        referral_source="2A",
        concern="Bruising to the arm.",
        urgency="same_day",
        team=team,
    )
    referral = contact_decide(
        actor=social_worker,
        now=now(89),
        contact=contact,
        outcome=ContactOutcome.REFERRAL,
        reasons="Possible physical abuse.",
        decided_on=day(89),
    )[0]
    referral_decide(
        actor=manager,
        now=now(88),
        referral=referral,
        decision=ReferralDecision.STRATEGY_DISCUSSION,
        reasons="Reasonable cause to suspect significant harm.",
        decided_on=day(88),
    )
    referral_allocate(actor=manager, now=now(88), referral=referral, worker=social_worker)
    discussion = strategy_discussion_record(
        actor=social_worker,
        now=now(87),
        referral=referral,
        held_on=day(87),
        participants=[
            Participant(name="Sam Worker", agency_kind="social_care"),
            Participant(name="PC Lee", agency_kind="police"),
            Participant(name="Dr Shah", agency_kind="health"),
        ],
        decision=StrategyDecision.S47_JOINT,
        actions=[
            Action(action="Child protection medical", owner="Dr Shah", due_on=day(86), agency=social_worker.agency)
        ],
    )
    enquiry = discussion.s47
    s47_child_seen(actor=social_worker, now=now(87), enquiry=enquiry, seen_on=day(87), seen_alone=True)
    assessment = assessment_start(actor=social_worker, now=now(87), referral=referral, started_on=day(87))
    s47_complete(actor=social_worker, now=now(80), enquiry=enquiry, outcome=S47Outcome.CONFERENCE, completed_on=day(80))
    conference = initial_conference_record(
        actor=chair,
        now=now(75),
        enquiry=enquiry,
        held_on=day(75),
        chair=chair,
        family_attended=True,
        child_views="",
        decision=ConferenceDecision.PLAN,
        category="PHY",
        outline_plan="Safety plan.",
        attendance=ATTENDANCE,
    )
    cp_plan = conference.plan
    cp_plan_end(actor=social_worker, now=now(40), plan=cp_plan, ended_on=day(40), reason="other")
    cin_plan = cin_plan_start(actor=social_worker, now=now(39), referral=referral, started_on=day(39))

    other_team = TeamFactory(agency=team.agency, name="Area team North", front_door=False)
    agencies = {
        Role.POLICE_OFFICER: AgencyFactory(name="Demo Police", kind=AgencyKind.POLICE),
        Role.HEALTH_PRACTITIONER: AgencyFactory(name="Demo Health Trust", kind=AgencyKind.HEALTH),
        Role.EDUCATION_LEAD: AgencyFactory(name="Demo Schools", kind=AgencyKind.EDUCATION),
        Role.PARTNER_PRACTITIONER: AgencyFactory(name="Demo Housing", kind=AgencyKind.HOUSING),
    }

    def user(role: Role, tag: str, member_of=None, **extra) -> User:
        agency = member_of.agency if member_of is not None else agencies.get(role, team.agency)
        return UserFactory(
            username=f"{role}-{tag}", role=role, team=member_of, agency=agency, first_name=f"{tag}", **extra
        )

    users: dict[tuple[str, str], User] = {}
    invited: list[User] = []
    for role in ROLES:
        if role == Role.SOCIAL_WORKER:
            related = social_worker
        elif role == Role.TEAM_MANAGER:
            related = user(role, "related", team)  # a second manager of the case's team: not the restrictor
        elif role == Role.CONFERENCE_CHAIR:
            related = user(role, "related", None)
            invited.append(related)
        elif role in UNIT_ROLES:
            related = user(role, "related", TeamFactory(agency=agencies[role], name=f"{role} team"))
            invited.append(related)
        elif role == Role.PERFORMANCE_ANALYST:
            related = user(role, "related", None)
        else:  # no relationship is possible: the closest is membership of the case's own team
            related = user(role, "related", team)
        users[role, "relationship"] = users[role, "restricted"] = related
        if role == Role.CONFERENCE_CHAIR:
            users[role, "none"] = user(role, "none", None)
        elif role in agencies:
            users[role, "none"] = user(role, "none", TeamFactory(agency=agencies[role], name=f"{role} other team"))
        elif role in (Role.SOCIAL_WORKER, Role.TEAM_MANAGER):
            users[role, "none"] = user(role, "none", other_team)
        elif role != Role.PERFORMANCE_ANALYST:
            users[role, "none"] = user(role, "none", None)
    moment = timezone.now()
    invitation = None
    for guest in invited:
        invitation = invitation_create(
            actor=social_worker,
            child=child,
            user=guest,
            meeting="strategy",
            ends_on=timezone.localdate(moment) + dt.timedelta(days=30),
            now=moment,
        )
    # An agency none of the matrix's users belongs to is asked about her: only the unit's side may see the request.
    information_request = information_request_send(
        actor=social_worker,
        now=moment,
        contact=contact,
        agency=AgencyFactory(name="Matrix health visiting", kind=AgencyKind.HEALTH),
        people=[child],
        question="What do you know about Zephyrine?",
        rag="amber",
        rag_rationale="Permission matrix.",
    )
    review_pair, duplicate_pair, merge = review_scenario(child, social_worker, manager, team, day, now)
    return Scenario(
        child=child,
        contact=contact,
        referral=referral,
        action=discussion.actions.get(),
        enquiry=enquiry,
        assessment=assessment,
        cp_plan=cp_plan,
        cin_plan=cin_plan,
        invitation=invitation,
        information_request=information_request,
        escalation_step=agency_view_record(
            actor=social_worker, now=moment, contact=contact, view="Matrix: a difference.", disagrees=True
        ).steps.get(),
        restrictor=manager,
        users=users,
        review_pair=review_pair,
        duplicate_pair=duplicate_pair,
        merge=merge,
    )


def review_scenario(child, social_worker, manager, team, day, now) -> tuple[Any, Any, Any]:
    """The review queue about her (macpu.people): a police record that may be hers; a second record of her in the
    index (spelt differently, born a day later, elsewhere: nothing that identifies her), allocated to the same worker
    and decided to be her; and a third, merged into hers."""
    record = agency_record(
        social_worker,
        source="matrix_police",
        record_id="MATRIX-1",
        first_name=GIVEN,
        surname=FAMILY,
        date_of_birth=BORN,
        postcode=POSTCODE,
        address=ADDRESS,
    )
    second = household_record(
        actor=social_worker,
        now=now(30),
        address="2 Other Row, Elsewhere",
        postcode="QB1 1AA",
        children=[
            PersonDetails(given_name="Zephyrin", family_name="Quilfeather", sex="F", date_of_birth=BORN.replace(day=18))
        ],
    )
    contact = contact_record(
        actor=social_worker,
        now=now(30),
        children=second.children,
        household=second.household,
        received_on=day(30),
        referrer_name="Ms Nurse",
        referrer_role="School nurse",
        referral_source="3A",
        concern="Worried about her.",
        urgency="same_day",
        team=team,
    )
    referral = contact_decide(
        actor=social_worker,
        now=now(29),
        contact=contact,
        outcome=ContactOutcome.REFERRAL,
        reasons="As before.",
        decided_on=day(29),
    )[0]
    referral_decide(
        actor=manager,
        now=now(29),
        referral=referral,
        decision=ReferralDecision.ASSESSMENT,
        reasons="Assess.",
        decided_on=day(29),
    )
    referral_allocate(actor=manager, now=now(29), referral=referral, worker=social_worker)
    duplicate = review_pair(child, other_person=second.children[0], reason="duplicate")
    review_pair_decide(actor=social_worker, now=now(1), pair=duplicate, same=True)
    third = Person.objects.create(given_name="Zephyrina", family_name="Quill", sex="F")
    merged = people_merge(actor=social_worker, now=now(1), keep=child, merge=third, reason="Matrix.")
    return review_pair(child, record=record), duplicate, merged


# --- what each route is and what each role may get --------------------------------------------------------------

GET, POST = "GET", "POST"


@dataclass(frozen=True)
class Cell:
    """One request's context: what the expected status depends on."""

    user: User
    sees: bool  # the user may see the child's record in this state
    method: str


Expect = Callable[[Cell], int]


def record_form(step: str) -> Expect:
    """ChildFormView: the role is checked before anything is read, then the record through the scope filter."""

    def expect(c: Cell) -> int:
        if not may_record(c.user, step):
            return 403
        return 200 if c.sees else 404  # a POST is sent only when the user may not see the record

    return expect


def scoped_read(c: Cell) -> int:
    """A page or API read of one record: what the user may not see does not exist."""
    return (200 if c.sees else 404) if c.method == GET else 405


def open_list(c: Cell) -> int:
    return 200 if c.method == GET else 405


def search_page(c: Cell) -> int:
    """The search form (GET) and a search (POST) answer every signed-in user; the scope filter picks the results."""
    return 200


def api_search(c: Cell) -> int:
    return 405 if c.method == GET else 200


def home(c: Cell) -> int:
    return 302


def contact_decide_page(c: Cell) -> int:
    if not c.sees:
        return 404
    if not may_record(c.user, "contact_decide"):
        return 403
    return 302 if c.method == GET else 200


def access_page(c: Cell) -> int:
    if c.user.role not in SOCIAL_CARE_PAGES:
        return 403
    return 200 if c.sees else 404


def access_post(c: Cell) -> int:
    if c.method == GET:
        return 405
    if c.user.role not in SOCIAL_CARE_PAGES:
        return 403
    return 302 if c.sees else 404


def restriction_page(c: Cell) -> int:
    """Naming and reviewing on a restricted record: social care only; in these scenarios either the record is not
    restricted (the related states) or the user is not named on it, so there is nothing to find."""
    return 403 if c.user.role not in SOCIAL_CARE_PAGES else 404


def contact_form(c: Cell) -> int:
    return 200 if may_record_contact(c.user) else 403


def intake_matches(c: Cell) -> int:
    """Matching at intake (POST only): those who record contacts get the candidates their scope allows."""
    if c.method == GET:
        return 405
    return 200 if may_record_contact(c.user) else 403


def matching_body(query: str) -> dict[str, str]:
    """The contact form's first child, as typed: "given|family|YYYY-MM-DD|NHS number", any part blank."""
    given, family, born, nhs = (query.split("|") + ["", "", "", ""])[:4]
    year, month, day = (born.split("-") + ["", "", ""])[:3] if born else ("", "", "")
    return {
        "row": "0",
        "child_0_given_name": given,
        "child_0_family_name": family,
        "child_0_date_of_birth_day": day,
        "child_0_date_of_birth_month": month,
        "child_0_date_of_birth_year": year,
        "child_0_nhs_number": nhs,
        "postcode": POSTCODE if given else "",
    }


MATCHES = {
    # "family name" is the search a user who sees her must find her with
    "family name": (lambda s: f"{GIVEN}|{FAMILY}|{BORN.isoformat()}", f"Xanthe|{NOBODY['name']}|2011-03-18"),
    "NHS number": (lambda s: f"|||{NHS}", f"|||{NOBODY['nhs']}"),
}


def review_queue(c: Cell) -> int:
    """Children's social care only; the scope filter picks the pairs, so a list that leaves her out is still 200."""
    return 200 if c.user.role in SOCIAL_CARE_PAGES else 403


def break_glass(c: Cell) -> int:
    return 200 if c.user.role in UNIT_ROLES else 403


def api_record_post(c: Cell) -> int:
    """POST /api/v1/<record>/<pk>/decision/: the record through the scope filter, then the body."""
    if c.method == GET:
        return 405
    return 400 if c.sees else 404


def answers_upload_page(c: Cell) -> int:
    """Any agency's staff may upload answers; an empty upload is a form error, and the file only ever reaches
    the requests to the uploader's own agency."""
    return 200 if c.user.agency_id else 403


def scoped_post(c: Cell) -> int:
    """A POST-only action on a record (GET is 405): the record through the scope filter first. A POST is sent only
    to those who may not see it; for the request to an agency, that is everyone in the matrix."""
    return 405 if c.method == GET else 404


def api_create(c: Cell) -> int:
    if c.method == GET:
        return 405
    return 400 if may_record_contact(c.user) else 403


@dataclass(frozen=True)
class Route:
    kwargs: Callable[[Scenario], dict[str, Any]]
    expect: Expect
    methods: tuple[str, ...] = (GET, POST)  # POST is sent only when the user may not see the child
    api: bool = False
    # Searches, sent by POST (label -> (query of the child, query of nobody)): each is its own cell.
    searches: dict[str, tuple[Callable[[Scenario], str], str]] | None = None
    shows_child: bool = False  # with a relationship and a record role, the child's name must be on it
    # POST bodies besides the empty one (label -> (body, expected status)), each its own cell.
    bodies: dict[str, tuple[Callable[[Scenario], dict[str, Any]], Expect]] = field(default_factory=dict)
    # How a search's query is sent: {"q": query} unless the route's form has fields of its own.
    search_body: Callable[[str], dict[str, Any]] = lambda q: {"q": q}


def child_pk(s: Scenario) -> dict[str, Any]:
    return {"pk": s.child.pk}


def _today() -> str:
    return timezone.localdate().isoformat()


def out_of_scope(c: Cell) -> int:
    return 404


def referral_for_the_child(c: Cell) -> int:
    """POST /api/v1/referrals/ naming the child: the recorder's team is checked, then the child through the scope."""
    return 404 if may_record_contact(c.user) else 403


VALID_BODIES = {
    "api:contact-decision": {
        "a valid decision": (
            lambda s: {"outcome": "nfa", "reasons": "", "decided_on": _today()},
            out_of_scope,
        )
    },
    "api:referral-decision": {
        "a valid decision": (
            lambda s: {"decision": "nfa", "reasons": "Matrix.", "decided_on": _today()},
            out_of_scope,
        )
    },
    "api:referral-create": {
        "the child's id": (
            lambda s: {"child_id": s.child.pk, "received_on": _today(), "source": "6"},
            referral_for_the_child,
        )
    },
}


SEARCHES = {
    "family name": (lambda s: FAMILY, NOBODY["name"]),
    "given name": (lambda s: GIVEN, NOBODY["name"]),
    "NHS number": (lambda s: NHS, NOBODY["nhs"]),
    "UPN": (lambda s: UPN, NOBODY["upn"]),
    "LA child id": (lambda s: s.child.la_child_id, NOBODY["la_id"]),
    "date of birth": (lambda s: f"{BORN:%d/%m/%Y}", NOBODY["dob"]),
}

ROUTES: dict[str, Route] = {
    # protection: lists, search, the child's page and the child protection steps
    "home": Route(lambda s: {}, home, (GET,)),
    "my-work": Route(lambda s: {}, open_list, (GET,)),
    "team-work": Route(lambda s: {}, open_list, (GET,)),
    "child-search": Route(lambda s: {}, search_page, (GET,), searches=SEARCHES),
    "child-detail": Route(child_pk, scoped_read, (GET,), shows_child=True),
    "strategy-invite": Route(lambda s: {"pk": s.referral.pk}, record_form("strategy_invite")),
    "strategy-create": Route(lambda s: {"pk": s.referral.pk}, record_form("strategy_discussion_record")),
    "strategy-action-done": Route(lambda s: {"pk": s.action.pk}, record_form("strategy_action_done")),
    "s47-seen": Route(lambda s: {"pk": s.enquiry.pk}, record_form("s47_child_seen")),
    "s47-outcome": Route(lambda s: {"pk": s.enquiry.pk}, record_form("s47_complete")),
    "conference-initial": Route(lambda s: {"pk": s.enquiry.pk}, record_form("initial_conference_record")),
    "core-group-create": Route(lambda s: {"pk": s.cp_plan.pk}, record_form("core_group_record")),
    "visit-create": Route(lambda s: {"pk": s.cp_plan.pk}, record_form("visit_record")),
    "conference-review": Route(lambda s: {"pk": s.cp_plan.pk}, record_form("review_conference_record")),
    "plan-end": Route(lambda s: {"pk": s.cp_plan.pk}, record_form("cp_plan_end")),
    # intake
    "child-details-change": Route(child_pk, record_form("person_details_correct")),
    "child-birth": Route(child_pk, record_form("person_birth_record")),
    "child-death": Route(child_pk, record_form("person_death_record")),
    "contact-create": Route(lambda s: {}, contact_form),
    "contact-matches": Route(lambda s: {}, intake_matches, searches=MATCHES, search_body=matching_body),
    "contact-detail": Route(lambda s: {"pk": s.contact.pk}, scoped_read, (GET,), shows_child=True),
    "contact-decide": Route(lambda s: {"pk": s.contact.pk}, contact_decide_page),
    "referral-decide": Route(lambda s: {"pk": s.referral.pk}, record_form("referral_decide")),
    "referral-allocate": Route(lambda s: {"pk": s.referral.pk}, record_form("referral_allocate")),
    # casework
    "assessment-start": Route(lambda s: {"pk": s.referral.pk}, record_form("assessment_start")),
    "assessment-complete": Route(lambda s: {"pk": s.assessment.pk}, record_form("assessment_complete")),
    "cin-plan-start": Route(lambda s: {"pk": s.referral.pk}, record_form("cin_plan_start")),
    "cin-plan-end": Route(lambda s: {"pk": s.cin_plan.pk}, record_form("cin_plan_end")),
    "episode-close": Route(lambda s: {"pk": s.referral.pk}, record_form("episode_close")),
    # access
    "child-access": Route(child_pk, access_page),
    # mash: asking agencies, and the requests sent to an agency (none of the matrix's users is in the one asked)
    "request-create": Route(lambda s: {"pk": s.contact.pk}, access_page),
    "family-summary": Route(lambda s: {"pk": s.contact.pk}, access_page, (GET,)),
    "contact-referrer-told": Route(lambda s: {"pk": s.contact.pk}, scoped_post),
    "agency-view-record": Route(lambda s: {"pk": s.contact.pk}, scoped_post),
    "escalation-step-decide": Route(lambda s: {"pk": s.escalation_step.pk}, scoped_post),
    "rag-change": Route(lambda s: {"pk": s.information_request.pk}, access_page),
    "agency-requests": Route(lambda s: {}, open_list, (GET,)),
    "agency-request": Route(lambda s: {"pk": s.information_request.pk}, out_of_scope),
    "answers-upload": Route(lambda s: {}, answers_upload_page),
    "api:request-list": Route(lambda s: {}, open_list, (GET,), api=True),
    "api:request-detail": Route(lambda s: {"pk": s.information_request.pk}, out_of_scope, (GET,), api=True),
    "api:request-answer": Route(lambda s: {"pk": s.information_request.pk}, scoped_post, api=True),
    "child-invite": Route(child_pk, access_page),
    "invitation-withdraw": Route(lambda s: {"pk": s.child.pk, "invitation_id": s.invitation.pk}, access_post),
    "child-restrict": Route(child_pk, access_page),
    "restriction-lift": Route(child_pk, access_post),
    "restriction-name": Route(child_pk, restriction_page),
    "grant-review": Route(lambda s: {"pk": s.child.pk, "grant_id": 2**31 - 1}, restriction_page),
    "break-glass": Route(lambda s: {}, break_glass),
    # people: the review queue of possible matches, merging and unmerging
    "review-queue": Route(lambda s: {}, review_queue, (GET,), shows_child=True),
    "review-pair": Route(lambda s: {"pk": s.review_pair.pk}, record_form("review_pair_decide"), shows_child=True),
    "review-merge": Route(lambda s: {"pk": s.duplicate_pair.pk}, record_form("people_merge"), shows_child=True),
    "merge-undo": Route(lambda s: {"pk": s.merge.pk}, record_form("people_unmerge"), shows_child=True),
    # API
    "api:contact-create": Route(lambda s: {}, api_create, api=True),
    "api:contact-detail": Route(lambda s: {"pk": s.contact.pk}, scoped_read, (GET,), api=True, shows_child=True),
    "api:contact-decision": Route(
        lambda s: {"pk": s.contact.pk}, api_record_post, api=True, bodies=VALID_BODIES["api:contact-decision"]
    ),
    "api:referral-create": Route(lambda s: {}, api_create, api=True, bodies=VALID_BODIES["api:referral-create"]),
    "api:referral-decision": Route(
        lambda s: {"pk": s.referral.pk}, api_record_post, api=True, bodies=VALID_BODIES["api:referral-decision"]
    ),
    "api:child-search": Route(lambda s: {}, api_search, (GET,), api=True, searches=SEARCHES),
    "api:child-detail": Route(child_pk, scoped_read, (GET,), api=True, shows_child=True),
}

# Analytics pages show counts and rates, never a child; their roles are tested in macpu/analytics/tests.
ANALYTICS = "aggregate figures, no child: roles tested in macpu/analytics/tests"
EXCLUDED: dict[str, str] = {
    "analytics-home": "a list of the analytics pages: no case data",
    "login": "signing in: a form with no case data",
    "sign-in-code": "the second step of signing in: a form with no case data",
    "logout": "signing out",
    "frontend-asset": "redirects to GOV.UK/MoJ Frontend fonts and images",
    "sign-in-security-key": "signing in with a security key (WebAuthn): no case data",
    "security-keys": "the signed-in user's own security keys: no case data",
    "security-key-remove": "removing one of the signed-in user's own security keys: no case data",
    "local-settings": "the administrator's local timescales: no child appears",
    "privacy-home": "privacy officer only (own role check); the audit trail names children by LA child id by design",
    "privacy-child": "privacy officer only (own role check); a child's access history by LA child id by design",
    "privacy-user": "privacy officer only (own role check); a user's activity by LA child id by design",
    "privacy-break-glass": "privacy officer only (own role check); one break-glass use, by LA child id by design",
    "cin-census": "performance analyst only (own role check): the statutory return must count every child",
    "cin-census-download": "performance analyst only (own role check): the statutory return file itself",
    "annex-a": "performance analyst only (own role check): Ofsted's Annex A lists every child by design",
    "api:schema": "the OpenAPI description of the API: no case data (cross-checked against ROUTES below)",
    "api:no-such-address": "any /api/v1/ address no route matches: always a JSON 404, with no record to show",
    "analytics-unit-funnel": ANALYTICS,
    "analytics-unit-funnel-csv": ANALYTICS,
    "analytics-unit-measures": ANALYTICS,
    "analytics-unit-measures-csv": ANALYTICS,
    "analytics-published-compare": ANALYTICS,
    "analytics-published-compare-csv": ANALYTICS,
    "analytics-published-evaluation": ANALYTICS,
    "analytics-published-evaluation-csv": ANALYTICS,
}


# --- the URL configuration and the schema ------------------------------------------------------------------


def url_routes() -> dict[str, str]:
    """Every named route in the URL configuration: name (with namespace) -> full route string."""
    found: dict[str, str] = {}

    def walk(patterns, prefix: str, namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern):
                route = prefix + str(p.pattern)
                found[f"{namespace}{p.name}" if p.name else f"<unnamed {route}>"] = route

    walk(get_resolver().url_patterns, "", "")
    return found


def test_every_route_in_the_url_configuration_is_in_the_matrix_or_excluded_with_a_reason():
    routes = url_routes()
    unknown = sorted(set(routes) - set(ROUTES) - set(EXCLUDED))
    stale = sorted((set(ROUTES) | set(EXCLUDED)) - set(routes))
    assert not unknown, f"routes the permission matrix does not know how to fill in: {unknown}"
    assert not stale, f"routes in the matrix that no longer exist: {stale}"
    assert not set(ROUTES) & set(EXCLUDED)
    assert all(reason.strip() for reason in EXCLUDED.values())


def _shape(route: str) -> str:
    """/api/v1/contacts/{id}/ and api/v1/contacts/<int:pk>/ both as /api/v1/contacts/{}/."""
    return "/" + re.sub(r"\{[^}]*\}|<[^>]*>", "{}", route).lstrip("/")


def test_every_path_and_method_in_the_api_schema_is_in_the_matrix(client, social_worker):
    client.force_login(social_worker)
    response = client.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = json.loads(response.content)
    routes = url_routes()
    covered: dict[str, set[str]] = {}
    for name, spec in ROUTES.items():
        if spec.api:
            methods = covered.setdefault(_shape(routes[name]), set())
            methods.update(m.lower() for m in spec.methods)
            if spec.searches:
                methods.add("post")
    missing = []
    for path, operations in schema["paths"].items():
        for method in operations:
            if method in {"get", "post", "put", "patch", "delete"} and method not in covered.get(_shape(path), ()):
                missing.append(f"{method.upper()} {path}")
    assert schema["paths"], "the schema lists no paths"
    assert not missing, f"API operations in the schema that the permission matrix does not test: {missing}"


# --- running the matrix --------------------------------------------------------------------------------------

TALLY = {"cells": 0, "leaks": 0}


def case_rows() -> tuple[int, ...]:
    """Row counts of every case table (the audit trail aside: reads and refusals may be audited), in one query."""
    tables = [
        connection.ops.quote_name(m._meta.db_table)
        for m in apps.get_models()
        if m._meta.app_label in {"people", "intake", "mash", "casework", "protection", "chronology", "access"}
        and m not in (AuditEvent, AuditSubject)
    ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {t})" for t in tables))  # noqa: S608
        return tuple(cursor.fetchone())


_VOLATILE = re.compile(r'(nonce|value|content)="[A-Za-z0-9_\-+/=]{20,}"|csrfmiddlewaretoken[^>]*>')


def _normalised(body: str, query: str) -> str:
    return _VOLATILE.sub("", body.replace(html.escape(query), "<Q>").replace(query, "<Q>"))


def _search_payload(response) -> Any:
    return json.loads(response.content) if response.status_code == 200 else response.status_code


@dataclass(frozen=True)
class Request:
    """One cell's request: the method, a search or body variant, and what to expect."""

    method: str
    label: str | None
    expect: Expect
    query: str | None = None
    nobody: str | None = None  # for a search: the same kind of value, belonging to no child
    body: Callable[[Scenario], dict[str, Any]] | None = None


def requests_for(spec: Route, scenario: Scenario, sees: bool) -> list[Request]:
    """A GET, a POST per search variant; and, only for those who must not make changes, the other POSTs."""
    found = [Request(GET, None, spec.expect)]
    for label, (q, nobody) in (spec.searches or {}).items():
        found.append(Request(POST, label, spec.expect, q(scenario), nobody, body=lambda s, q=q: spec.search_body(q(s))))
    if POST in spec.methods and not sees:
        found.append(Request(POST, None, spec.expect, body=lambda s: {}))
        found += [Request(POST, label, expect, body=body) for label, (body, expect) in spec.bodies.items()]
    return found


MISSING_PK = 987654321  # no record has this id


def _post(client, spec: Route, url: str, body: dict[str, Any]):
    return client.post(url, body, content_type="application/json") if spec.api else client.post(url, body)


def check_cell(
    client, scenario: Scenario, name: str, spec: Route, r: Request, user: User, sees: bool, missing: dict[str, str]
) -> list[str]:
    """Send one request and return what is wrong with the answer ("LEAK ..." for anything that gives away the child)."""
    where = f"{r.method} {name}{f' [{r.label}]' if r.label else ''} as {user.role} ({user.username})"
    url = reverse(name, kwargs=spec.kwargs(scenario))
    problems = []
    before = case_rows() if r.method == POST else None
    if r.method == GET:
        response = client.get(url)
    else:
        response = _post(client, spec, url, r.body(scenario))
    expected = r.expect(Cell(user=user, sees=sees, method=r.method))
    if response.status_code != expected:
        problems.append(f"{where}: status {response.status_code}, expected {expected}")
    if before is not None and case_rows() != before:
        problems.append(f"{where}: wrote to the case tables")
    body = html.unescape(response.content.decode("utf-8", "replace"))
    body += " " + response.headers.get("Content-Disposition", "") + " " + response.headers.get("Location", "")
    if sees:  # the leak check must not be blind: a page that shows the child names her
        if spec.shows_child and response.status_code == 200 and GIVEN not in body:
            problems.append(f"{where}: the child's name is missing")
        if r.label == "family name" and response.status_code == 200 and GIVEN not in body:
            problems.append(f"{where}: the search did not find the child")
        return problems
    words = identifying(scenario.child)
    echoed = {r.query} if r.query else set()  # what the user typed, shown back in the search box
    if r.label == "date of birth":
        echoed |= {f"{BORN.day} {BORN:%B %Y}", f"{BORN.day} {BORN:%b %Y}", f"{BORN:%d/%m/%Y}", BORN.isoformat()}
    leaked = [w for w in words if w not in echoed and w.lower() in body.lower()]
    if leaked:
        problems.append(f"LEAK {where}: status {response.status_code}, shows {leaked}")
    if r.method == GET and response.status_code == 404:  # indistinguishable from a record that does not exist
        kwargs = {k: MISSING_PK if isinstance(v, int) else v for k, v in spec.kwargs(scenario).items()}
        if name not in missing:
            absent_url = reverse(name, kwargs=kwargs)
            absent = client.get(absent_url)
            missing[name] = f"{absent.status_code} {_normalised(absent.content.decode(), absent_url)}"
        if f"{response.status_code} {_normalised(response.content.decode(), url)}" != missing[name]:
            problems.append(f"LEAK {where}: answers differently from a record that does not exist")
    if r.query:  # indistinguishable from a search for nobody: the same answer, the same count
        baseline = _post(client, spec, url, spec.search_body(r.nobody))
        if spec.api:
            same = _search_payload(response) == _search_payload(baseline)
        else:
            same = _normalised(response.content.decode(), r.query) == _normalised(baseline.content.decode(), r.nobody)
        if not same:
            problems.append(f"LEAK {where}: answers differently from a search for nobody ({r.nobody})")
    return problems


def run_role(client, scenario: Scenario, role: Role, states: tuple[str, ...]) -> tuple[int, list[str]]:
    """Every route and variant, for one role in the given states: (cells, failures)."""
    cells, failures = 0, []
    for state in states:
        if (role, state) in NOT_CONSTRUCTIBLE:
            continue
        user = scenario.users[role, state]
        client.force_login(user)
        sees = state == "relationship" and role in RECORD_ROLES
        in_scope = visible_people(user).filter(pk=scenario.child.pk).exists()
        assert in_scope == sees, f"scenario: {role} ({state}) should {'' if sees else 'not '}see the child"
        missing: dict[str, str] = {}  # route -> this user's answer for a record that does not exist
        for name, spec in ROUTES.items():
            for request in requests_for(spec, scenario, sees):
                cells += 1
                problems = check_cell(client, scenario, name, spec, request, user, sees, missing)
                failures += [f"{p} [{state}]" for p in problems]
                TALLY["leaks"] += sum(p.startswith("LEAK") for p in problems)
    return cells, failures


@pytest.fixture(autouse=True)
def _quiet_refusals():
    """Thousands of 403/404/405 answers are the point here: Django's warning for each would bury the report."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


@pytest.fixture
def scenario(social_worker, manager, chair, team):
    return build_scenario(social_worker, manager, chair, team)


@pytest.mark.parametrize("role", ROLES, ids=[str(r) for r in ROLES])
def test_permission_matrix(client, scenario, role):
    cells, failures = run_role(client, scenario, role, ("relationship", "none"))
    scenario.restrict()
    more, more_failures = run_role(client, scenario, role, ("restricted",))
    cells += more
    failures += more_failures
    TALLY["cells"] += cells
    print(f"\npermission matrix, {role}: {cells} cells, {len(failures)} failures")
    assert not failures, f"{role}: {len(failures)} of {cells} cells failed:\n" + "\n".join(failures)


def test_summary():
    """Runs last in this module: the cell count across every role (when the whole matrix ran in this session)."""
    print(f"\npermission matrix: {TALLY['cells']} cells, {TALLY['leaks']} leaks")
    assert TALLY["leaks"] == 0, f"permission matrix: {TALLY['cells']} cells, {TALLY['leaks']} leaks"


def test_identifiers_are_valid():
    assert is_valid_nhs_number(NHS) and is_valid_nhs_number(NOBODY["nhs"])
    assert upn_problem(UPN) is None and upn_problem(NOBODY["upn"]) is None
