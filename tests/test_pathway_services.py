"""The whole statutory pathway driven through the services, checked against hand-worked clocks (tests/pathway.py)."""

from __future__ import annotations

import pytest

from macpu.casework.services import assessment_complete, assessment_start
from macpu.chronology.models import Event, EventKind
from macpu.intake.models import ContactOutcome, ReferralDecision
from macpu.intake.services import contact_decide, contact_record, referral_allocate, referral_decide
from macpu.people.services import PersonDetails, household_record
from macpu.protection.models import ConferenceDecision, ParticipantAgency, S47Outcome, StrategyDecision
from macpu.protection.selectors import child_case, work_items
from macpu.protection.services import (
    Action,
    Attendance,
    Participant,
    core_group_record,
    initial_conference_record,
    review_conference_record,
    s47_child_seen,
    s47_complete,
    strategy_discussion_record,
    visit_record,
)
from tests.factories import aware
from tests.pathway import EXPECTED_CLOCKS, TODAY, D

ATTENDANCE = [
    Attendance(agency_kind=ParticipantAgency.SOCIAL_CARE, name="Sam Worker", attended=True, report_submitted=True),
    Attendance(agency_kind=ParticipantAgency.POLICE, name="PC Lee", attended=True, report_submitted=True),
    Attendance(agency_kind=ParticipantAgency.HEALTH, name="Health visitor", attended=False, report_submitted=True),
]


def run_pathway(*, social_worker, manager, chair, team):
    people = household_record(
        actor=social_worker,
        now=aware(2026, 12, 23),
        address="1 Example Road, Demo Town",
        postcode="ZZ1 1ZZ",
        children=[
            PersonDetails(given_name="Ava", family_name="Example", sex="F", date_of_birth=D(2021, 3, 2)),
            PersonDetails(given_name="Leo", family_name="Example", sex="M", date_of_birth=D(2023, 7, 9)),
        ],
        adults=[PersonDetails(given_name="Jo", family_name="Example", sex="F")],
        adult_relationships=["parent"],
    )
    contact = contact_record(
        actor=social_worker,
        now=aware(2026, 12, 23),
        children=people.children,
        household=people.household,
        received_on=D(2026, 12, 23),
        referrer_name="Ms Head",
        referrer_role="Headteacher",
        referral_source="2A",
        concern="Ava came to school with bruising to her arm and said her mum's boyfriend hurt her.",
        urgency="same_day",
        team=team,
    )
    referrals = contact_decide(
        actor=social_worker,
        now=aware(2026, 12, 24),
        contact=contact,
        outcome=ContactOutcome.REFERRAL,
        reasons="Possible physical abuse.",
        decided_on=D(2026, 12, 24),
    )
    ava = referrals[0]
    referral_decide(
        actor=manager,
        now=aware(2026, 12, 29),
        referral=ava,
        decision=ReferralDecision.STRATEGY_DISCUSSION,
        reasons="Reasonable cause to suspect significant harm.",
        decided_on=D(2026, 12, 29),
    )
    referral_allocate(actor=manager, now=aware(2026, 12, 29), referral=ava, worker=social_worker)
    discussion = strategy_discussion_record(
        actor=social_worker,
        now=aware(2026, 12, 29),
        referral=ava,
        held_on=D(2026, 12, 29),
        participants=[
            Participant(name="Sam Worker", agency_kind="social_care", view="Injury needs explaining."),
            Participant(name="PC Lee", agency_kind="police", view="Joint visit today."),
            Participant(name="Dr Shah", agency_kind="health", view="Child protection medical needed."),
        ],
        decision=StrategyDecision.S47_JOINT,
        actions=[Action(action="Child protection medical", owner="Dr Shah", due_on=D(2026, 12, 30))],
    )
    enquiry = discussion.s47
    s47_child_seen(
        actor=social_worker, now=aware(2026, 12, 29), enquiry=enquiry, seen_on=D(2026, 12, 29), seen_alone=True
    )
    assessment = assessment_start(
        actor=social_worker, now=aware(2026, 12, 29), referral=ava, started_on=D(2026, 12, 29)
    )
    s47_complete(
        actor=social_worker,
        now=aware(2027, 1, 8),
        enquiry=enquiry,
        outcome=S47Outcome.CONFERENCE,
        completed_on=D(2027, 1, 8),
    )
    conference = initial_conference_record(
        actor=chair,
        now=aware(2027, 1, 18),
        enquiry=enquiry,
        held_on=D(2027, 1, 18),
        chair=chair,
        family_attended=True,
        child_views="Ava said she wants to feel safe at home.",
        decision=ConferenceDecision.PLAN,
        category="PHY",
        outline_plan="Safety plan; no unsupervised contact with mum's partner.",
        attendance=ATTENDANCE,
    )
    plan = conference.plan
    core_group_record(actor=social_worker, now=aware(2027, 1, 27), plan=plan, held_on=D(2027, 1, 27))
    visit_record(
        actor=social_worker,
        now=aware(2027, 2, 1),
        plan=plan,
        visited_on=D(2027, 2, 1),
        child_seen=True,
        child_seen_alone=True,
    )
    assessment_complete(
        actor=manager,
        now=aware(2027, 2, 26),
        assessment=assessment,
        authorised_on=D(2027, 2, 26),
        factors=["18C", "3B"],
        outcome="protection",
        primary_need="N1",
    )
    visit_record(
        actor=social_worker,
        now=aware(2027, 3, 25),
        plan=plan,
        visited_on=D(2027, 3, 25),
        child_seen=True,
        child_seen_alone=False,
    )
    review_conference_record(
        actor=chair,
        now=aware(2027, 4, 15),
        plan=plan,
        held_on=D(2027, 4, 15),
        chair=chair,
        family_attended=True,
        child_views="Ava says things are better.",
        decision=ConferenceDecision.CONTINUE,
        category="PHY",
        attendance=ATTENDANCE,
    )
    return people.children[0], people.children[1]


@pytest.mark.django_db
def test_a_child_goes_from_contact_to_a_plan_with_its_first_review_and_every_clock_is_right(
    local_authority,
    social_worker,
    manager,
    chair,
    team,
):
    ava, leo = run_pathway(social_worker=social_worker, manager=manager, chair=chair, team=team)

    case = child_case(user=social_worker, child_id=ava.pk, today=TODAY)

    assert case.stage == "Child protection plan"
    clocks = {c.key: (c.due_on, c.met_on, c.status.value) for c in case.clocks}
    assert clocks == EXPECTED_CLOCKS


@pytest.mark.django_db
def test_each_sibling_gets_their_own_referral_and_clocks(local_authority, social_worker, manager, chair, team):
    ava, leo = run_pathway(social_worker=social_worker, manager=manager, chair=chair, team=team)

    leo_case = child_case(user=social_worker, child_id=leo.pk, today=TODAY)

    assert (
        leo_case.current.child == leo
        and leo_case.current != child_case(user=social_worker, child_id=ava.pk, today=TODAY).current
    )
    assert leo_case.stage == "Referral awaiting decision"
    assert [(c.key, c.due_on, c.status.value) for c in leo_case.clocks] == [
        ("referral_decision", D(2026, 12, 24), "overdue")
    ]


@pytest.mark.django_db
def test_every_step_writes_its_event_to_the_childs_timeline(local_authority, social_worker, manager, chair, team):
    ava, _ = run_pathway(social_worker=social_worker, manager=manager, chair=chair, team=team)

    kinds = set(Event.objects.filter(child=ava).values_list("kind", flat=True))

    assert kinds >= {
        EventKind.CONTACT_RECORDED,
        EventKind.CONTACT_DECIDED,
        EventKind.REFERRAL_RECEIVED,
        EventKind.REFERRAL_DECIDED,
        EventKind.STRATEGY_DISCUSSION,
        EventKind.S47_STARTED,
        EventKind.S47_COMPLETED,
        EventKind.CONFERENCE,
        EventKind.CP_PLAN_STARTED,
        EventKind.CORE_GROUP,
        EventKind.VISIT,
        EventKind.ASSESSMENT_COMPLETED,
    }


@pytest.mark.django_db
def test_my_work_lists_what_is_due_soonest_first(local_authority, social_worker, manager, chair, team):
    run_pathway(social_worker=social_worker, manager=manager, chair=chair, team=team)

    mine = work_items(user=social_worker, scope="mine", today=TODAY)
    team_items = work_items(user=manager, scope="team", today=TODAY)

    assert [(i.child.given_name, i.clock.key) for i in mine] == [
        ("Ava", "statutory_visit"),
        ("Ava", "review_conference"),
    ]
    assert [i.clock.due_on for i in team_items] == sorted(i.clock.due_on for i in team_items)
    assert ("Leo", "referral_decision") in [(i.child.given_name, i.clock.key) for i in team_items]


@pytest.mark.django_db
def test_the_day_counting_convention_is_a_local_setting(local_authority, social_worker, manager, chair, team):
    ava, _ = run_pathway(social_worker=social_worker, manager=manager, chair=chair, team=team)
    local_authority.start_day_counts = False  # the next working day is day 1
    local_authority.save()

    clocks = {c.key: c for c in child_case(user=social_worker, child_id=ava.pk, today=TODAY).clocks}

    # Thu 24 Dec 2026: 25 (Fri) and 28 (Mon) are bank holidays, 26-27 the weekend: day 1 is Tue 29 Dec.
    assert clocks["referral_decision"].due_on == D(2026, 12, 29)
    assert clocks["referral_decision"].status.value == "met"
    # Tue 29 Dec 2026: day 1 is Wed 30 Dec ... day 15 is Wed 20 Jan 2027.
    assert clocks["initial_conference"].due_on == D(2027, 1, 20)
