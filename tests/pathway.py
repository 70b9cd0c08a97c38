"""One child's journey from contact to the first review of a child protection plan, with hand-worked clocks.

The dates cross Christmas 2026 (Fri 25 Dec and Mon 28 Dec, the Boxing Day substitute, are bank holidays;
Fri 1 Jan 2027 is New Year's Day) and Easter 2027 (Good Friday 26 Mar, Easter Monday 29 Mar). The local
authority counts the start day as day 1 (the DfE convention), the default.

    contact received          Wed 23 Dec 2026, decided (referral) Thu 24 Dec 2026
    referral decision         1 WD from Thu 24 Dec: Thu 24 Dec is day 1            -> due Thu 24 Dec 2026
                              decided Tue 29 Dec                                   -> met late
    assessment                45 WD from Thu 24 Dec: 24 Dec (1), 29-31 Dec (2-4), 4-8 Jan (5-9),
                              11-15 (10-14), 18-22 (15-19), 25-29 (20-24), 1-5 Feb (25-29), 8-12 (30-34),
                              15-19 (35-39), 22-26 (40-44), Mon 1 Mar (45)        -> due Mon 1 Mar 2027
    strategy discussion       decided by the manager Tue 29 Dec 2026; within 1 WD (local), Tue 29 Dec is day 1
                              -> due Tue 29 Dec 2026; held that day, the s47 starting with it -> met
    initial conference        15 WD from Tue 29 Dec: 29-31 Dec (1-3), 4-8 Jan (4-8), 11-15 (9-13),
                              18 (14), Tue 19 Jan (15)                             -> due Tue 19 Jan 2027
                              held Mon 18 Jan 2027                                 -> met
    first core group          10 WD from Mon 18 Jan: 18-22 (1-5), 25-29 (6-10)    -> due Fri 29 Jan 2027
                              held Wed 27 Jan 2027                                 -> met
    statutory visit           10 WD from the last visit, Thu 25 Mar 2027: 25 Mar (1), 26 and 29 Mar bank
                              holidays, 30 Mar-2 Apr (2-5), 5-9 Apr (6-10)        -> due Fri 9 Apr 2027
    first review              3 months from Mon 18 Jan 2027                        -> due Sun 18 Apr 2027
                              held Thu 15 Apr 2027                                 -> met
    next review               6 months from Thu 15 Apr 2027                        -> due Fri 15 Oct 2027
"""

from __future__ import annotations

import datetime as dt

from macpu.casework.services import assessment_complete, assessment_start
from macpu.intake.models import ContactOutcome, ReferralDecision
from macpu.intake.services import contact_decide, contact_record, referral_allocate, referral_decide
from macpu.people.services import PersonDetails, household_record
from macpu.protection.models import ConferenceDecision, ParticipantAgency, S47Outcome, StrategyDecision
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

D = dt.date

EXPECTED_CLOCKS = {
    "referral_decision": (D(2026, 12, 24), D(2026, 12, 29), "met_late"),
    "assessment": (D(2027, 3, 1), D(2027, 2, 26), "met"),
    "strategy_discussion": (D(2026, 12, 29), D(2026, 12, 29), "met"),
    "initial_conference": (D(2027, 1, 19), D(2027, 1, 18), "met"),
    "first_core_group": (D(2027, 1, 29), D(2027, 1, 27), "met"),
    "first_review_conference": (D(2027, 4, 18), D(2027, 4, 15), "met"),
    "review_conference": (D(2027, 10, 15), None, "due"),
    "statutory_visit": (D(2027, 4, 9), None, "overdue"),
}
TODAY = D(2027, 4, 16)


ATTENDANCE = [
    Attendance(agency_kind=ParticipantAgency.SOCIAL_CARE, name="Sam Worker", attended=True, report_submitted=True),
    Attendance(agency_kind=ParticipantAgency.POLICE, name="PC Lee", attended=True, report_submitted=True),
    Attendance(agency_kind=ParticipantAgency.HEALTH, name="Health visitor", attended=False, report_submitted=True),
]


def run_pathway(*, social_worker, manager, chair, team):
    """The journey through the services: Ava to her first review; her brother Leo's referral left undecided."""
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
    after_the_referral_decision(ava, social_worker=social_worker, manager=manager, chair=chair)
    return people.children[0], people.children[1]


def after_the_referral_decision(ava, *, social_worker, manager, chair):
    """From the strategy discussion on Tue 29 Dec 2026 to the first review on Thu 15 Apr 2027."""
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
        actions=[
            Action(
                action="Child protection medical", owner="Dr Shah", due_on=D(2026, 12, 30), agency=social_worker.agency
            )
        ],
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
