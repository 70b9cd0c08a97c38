"""POST /api/v1/children/search/ and GET /api/v1/children/{id}/: the child's case, its stage and its clocks."""

from __future__ import annotations

import pytest

from macpu.api.tests.conftest import D, contact_body, frozen, signed_in
from macpu.casework.services import assessment_start
from macpu.intake.services import contact_decide, referral_create, referral_decide
from macpu.protection.services import (
    Attendance,
    Participant,
    core_group_record,
    initial_conference_record,
    s47_child_seen,
    s47_complete,
    strategy_discussion_record,
    visit_record,
)
from tests.factories import aware

SEARCH = "/api/v1/children/search/"


@pytest.mark.django_db
def test_a_contact_becomes_a_referral_and_the_childs_case_shows_its_stage_and_hand_worked_clocks(
    local_authority,
    social_worker,
    manager,
):
    """Around the spring bank holiday, Mon 25 May 2026, with the start day as day 1 (the DfE convention).

    contact received     Thu 21 May 2026
    contact decided      Fri 22 May 2026 (referral): the referral is received that day
    referral decision    1 WD from Fri 22 May: Fri 22 May is day 1            -> due Fri 22 May; decided that day: met
    assessment           45 WD from Fri 22 May: 22 May (1); Sat 23 and Sun 24 the weekend, Mon 25 May the bank
                         holiday; 26-29 May (2-5), 1-5 Jun (6-10), 8-12 (11-15), 15-19 (16-20), 22-26 (21-25),
                         29 Jun-3 Jul (26-30), 6-10 Jul (31-35), 13-17 (36-40), 20-24 (41-45)
                                                                             -> due Fri 24 Jul 2026
                         (without the bank holiday it would be Thu 23 Jul)
    strategy discussion  decided Fri 22 May; within 1 WD (local), Fri 22 May is day 1 -> due Fri 22 May;
                         none held by Tue 26 May                              -> overdue
    """
    with frozen(2026, 5, 21, 10):
        contact = (
            signed_in(social_worker)
            .post("/api/v1/contacts/", contact_body(received_on="2026-05-21"), format="json")
            .json()
        )
    with frozen(2026, 5, 22, 11):  # each step signs in afresh: a day-old session has long been idle
        decided = signed_in(social_worker).post(
            f"/api/v1/contacts/{contact['id']}/decision/",
            {"outcome": "referral", "reasons": "Unexplained bruising.", "decided_on": "2026-05-22"},
            format="json",
        )
    [referral_id] = decided.json()["referral_ids"]
    with frozen(2026, 5, 22, 16):
        manager_decision = signed_in(manager).post(
            f"/api/v1/referrals/{referral_id}/decision/",
            {"decision": "strategy", "reasons": "Possible physical abuse.", "decided_on": "2026-05-22"},
            format="json",
        )
    child_id = contact["children"][0]["id"]

    with frozen(2026, 5, 26, 9):
        response = signed_in(social_worker).get(f"/api/v1/children/{child_id}/")

    assert (decided.status_code, manager_decision.status_code, response.status_code) == (200, 200, 200)
    case = response.json()
    assert (case["id"], case["identifier"], case["given_name"], case["stage"]) == (
        child_id,
        f"MAC{child_id:07d}",
        "Ava",
        "Strategy discussion needed",
    )
    assert case["clocks"] == [
        {
            "key": "referral_decision",
            "label": "Referral decision",
            "started_on": "2026-05-22",
            "due_on": "2026-05-22",
            "met_on": "2026-05-22",
            "status": "met",
            "status_label": "Met",
        },
        {
            "key": "assessment",
            "label": "Assessment",
            "started_on": "2026-05-22",
            "due_on": "2026-07-24",
            "met_on": None,
            "status": "due",
            "status_label": "Due",
        },
        {
            "key": "strategy_discussion",
            "label": "Strategy discussion",
            "started_on": "2026-05-22",
            "due_on": "2026-05-22",
            "met_on": None,
            "status": "overdue",
            "status_label": "Overdue",
        },
    ]
    [referral] = case["referrals"]
    assert (referral["id"], referral["contact_id"], referral["source"], referral["decision"]) == (
        referral_id,
        contact["id"],
        "2A",
        "strategy",
    )
    assert [referral[k] for k in ("assessments", "cin_plans", "strategy_discussions", "conferences", "cp_plans")] == [
        [],
        [],
        [],
        [],
        [],
    ]


@pytest.fixture
def ava_on_a_plan(local_authority, contact, social_worker, manager, chair):
    """Ava's pathway through the services, to a child protection plan (hand-worked clocks in the test below)."""
    referrals = contact_decide(
        actor=social_worker,
        now=aware(2026, 5, 22),
        contact=contact,
        outcome="referral",
        reasons="Domestic abuse.",
        decided_on=D(2026, 5, 22),
    )
    referral = next(r for r in referrals if r.child.given_name == "Ava")
    referral_decide(
        actor=manager,
        now=aware(2026, 5, 22),
        referral=referral,
        decision="strategy",
        reasons="Child seen with injuries.",
        decided_on=D(2026, 5, 22),
    )
    discussion = strategy_discussion_record(
        actor=social_worker,
        now=aware(2026, 5, 26),
        referral=referral,
        held_on=D(2026, 5, 26),
        decision="s47_joint",
        participants=[
            Participant(name="Sam Worker", agency_kind="social_care", role="Social worker"),
            Participant(name="PC Lee", agency_kind="police"),
            Participant(name="Dr Shah", agency_kind="health", role="Paediatrician"),
        ],
    )
    s47_child_seen(
        actor=social_worker, now=aware(2026, 5, 26), enquiry=discussion.s47, seen_on=D(2026, 5, 26), seen_alone=True
    )
    assessment_start(actor=social_worker, now=aware(2026, 5, 26), referral=referral, started_on=D(2026, 5, 26))
    s47_complete(
        actor=social_worker,
        now=aware(2026, 6, 1),
        enquiry=discussion.s47,
        outcome="conference",
        completed_on=D(2026, 6, 1),
    )
    conference = initial_conference_record(
        actor=chair,
        now=aware(2026, 6, 15),
        enquiry=discussion.s47,
        held_on=D(2026, 6, 15),
        chair=chair,
        family_attended=True,
        child_views="Ava wants to stay at home.",
        decision="plan",
        category="PHY",
        attendance=[Attendance(agency_kind="social_care", name="Sam Worker", attended=True)],
    )
    core_group_record(actor=social_worker, now=aware(2026, 6, 24), plan=conference.plan, held_on=D(2026, 6, 24))
    visit_record(
        actor=social_worker,
        now=aware(2026, 6, 25),
        plan=conference.plan,
        visited_on=D(2026, 6, 25),
        child_seen=True,
        child_seen_alone=False,
    )
    visit_record(
        actor=social_worker,
        now=aware(2026, 6, 26),
        plan=conference.plan,
        visited_on=D(2026, 6, 26),
        child_seen=False,
        child_seen_alone=False,
    )
    return referral, discussion, conference


@pytest.mark.django_db
def test_the_childs_case_carries_the_whole_pathway_with_codes_and_labels(sw_api, ava_on_a_plan):
    """Clocks on Mon 29 Jun 2026 (start day is day 1):

    strategy discussion  decided Fri 22 May, due that day (1 WD, local); held Tue 26 May   -> met late

    initial conference   15 WD from the discussion, Tue 26 May: 26-29 May (1-4), 1-5 Jun (5-9), 8-12 (10-14),
                         Mon 15 Jun (15)                                    -> due Mon 15 Jun; held that day: met
    first core group     10 WD from Mon 15 Jun: 15-19 (1-5), 22-26 (6-10)   -> due Fri 26 Jun; held Wed 24 Jun: met
    first review         3 months from Mon 15 Jun                           -> due Tue 15 Sep 2026
    statutory visit      10 WD from the last visit the child was seen, Thu 25 Jun (Fri 26 Jun's did not see
                         them): 25-26 Jun (1-2), 29 Jun-3 Jul (3-7), 6-8 Jul (8-10) -> due Wed 8 Jul 2026
    """
    referral, discussion, conference = ava_on_a_plan

    with frozen(2026, 6, 29):
        response = sw_api.get(f"/api/v1/children/{referral.child_id}/")

    case = response.json()
    assert case["stage"] == "Child protection plan"
    assert [(c["key"], c["due_on"], c["met_on"], c["status"]) for c in case["clocks"]] == [
        ("referral_decision", "2026-05-22", "2026-05-22", "met"),
        ("assessment", "2026-07-24", None, "due"),
        ("strategy_discussion", "2026-05-22", "2026-05-26", "met_late"),
        ("initial_conference", "2026-06-15", "2026-06-15", "met"),
        ("first_core_group", "2026-06-26", "2026-06-24", "met"),
        ("first_review_conference", "2026-09-15", None, "due"),
        ("statutory_visit", "2026-07-08", None, "due"),
    ]
    [current] = case["referrals"]
    assert current["assessments"] == [
        {
            "id": referral.assessments.get().pk,
            "started_on": "2026-05-26",
            "authorised_on": None,
            "outcome": None,
            "outcome_label": None,
            "factors": [],
        }
    ]
    assert current["strategy_discussions"] == [
        {
            "id": discussion.pk,
            "held_on": "2026-05-26",
            "decision": "s47_joint",
            "decision_label": "Section 47 enquiry jointly with police",
            "immediate_protection": "none",
            "immediate_protection_label": "None",
            "participants": [
                {
                    "name": "Sam Worker",
                    "role": "Social worker",
                    "agency_kind": "social_care",
                    "agency_kind_label": "Children's social care",
                },
                {"name": "PC Lee", "role": "", "agency_kind": "police", "agency_kind_label": "Police"},
                {"name": "Dr Shah", "role": "Paediatrician", "agency_kind": "health", "agency_kind_label": "Health"},
            ],
            "s47": {
                "id": discussion.s47.pk,
                "started_on": "2026-05-26",
                "joint_with_police": True,
                "child_seen_on": "2026-05-26",
                "child_seen_alone": True,
                "outcome": "conference",
                "outcome_label": "Child likely to suffer significant harm: convene a conference",
                "completed_on": "2026-06-01",
            },
        }
    ]
    assert current["conferences"] == [
        {
            "id": conference.pk,
            "kind": "initial",
            "kind_label": "Initial child protection conference",
            "held_on": "2026-06-15",
            "chair": "Cass Chair",
            "family_attended": True,
            "decision": "plan",
            "decision_label": "Child protection plan needed",
            "category": "PHY",
            "category_label": "Physical abuse",
            "s47_id": discussion.s47.pk,
            "plan_id": conference.plan_id,
        }
    ]
    assert current["cp_plans"] == [
        {
            "id": conference.plan_id,
            "started_on": "2026-06-15",
            "ended_on": None,
            "end_reason": None,
            "end_reason_label": None,
            "initial_category": "PHY",
            "initial_category_label": "Physical abuse",
            "latest_category": "PHY",
            "latest_category_label": "Physical abuse",
            "core_group_dates": ["2026-06-24"],
            "visit_dates": ["2026-06-25"],
            "review_dates": [],
        }
    ]


@pytest.mark.django_db
def test_the_current_referral_comes_first_then_earlier_ones(
    local_authority, sw_api, contact, social_worker, manager, team
):
    ava = contact.children.get(given_name="Ava")
    referrals = contact_decide(
        actor=social_worker,
        now=aware(2026, 5, 22),
        contact=contact,
        outcome="referral",
        reasons="Risk of harm.",
        decided_on=D(2026, 5, 22),
    )
    first = next(r for r in referrals if r.child == ava)
    referral_decide(
        actor=manager,
        now=aware(2026, 5, 22),
        referral=first,
        decision="nfa",
        reasons="Safe.",
        decided_on=D(2026, 5, 22),
    )
    second = referral_create(
        actor=social_worker, now=aware(2026, 6, 1), child=ava, received_on=D(2026, 6, 1), source="3A", team=team
    )

    with frozen(2026, 6, 1, 15):
        case = sw_api.get(f"/api/v1/children/{ava.pk}/").json()

    assert [(r["id"], r["closed_on"]) for r in case["referrals"]] == [(second.pk, None), (first.pk, "2026-05-22")]
    assert case["stage"] == "Referral awaiting decision"
    assert [(c["key"], c["due_on"], c["status"]) for c in case["clocks"]] == [
        ("referral_decision", "2026-06-01", "due_soon")
    ]


@pytest.mark.django_db
def test_children_are_found_by_name_or_identifier(sw_api, contact):
    ava = contact.children.get(given_name="Ava")

    by_name = sw_api.post(SEARCH, {"q": "ava sample"}, format="json")
    by_identifier = sw_api.post(SEARCH, {"q": ava.la_child_id}, format="json")
    by_family = sw_api.post(SEARCH, {"q": "Sample"}, format="json")

    assert by_name.json() == {
        "results": [
            {
                "id": ava.pk,
                "identifier": ava.la_child_id,
                "given_name": "Ava",
                "family_name": "Sample",
                "known_as": "",
                "date_of_birth": "2021-03-02",
                "expected_date_of_birth": None,
                "sex": "F",
                "sex_label": "Female",
                "ethnicity": None,
                "ethnicity_label": None,
            }
        ]
    }
    assert [c["id"] for c in by_identifier.json()["results"]] == [ava.pk]
    assert [c["given_name"] for c in by_family.json()["results"]] == ["Ava", "Leo"]


@pytest.mark.django_db
def test_an_empty_search_finds_nobody(sw_api, contact):
    assert sw_api.post(SEARCH, {"q": ""}, format="json").json() == {"results": []}
    assert sw_api.post(SEARCH, {"q": "  "}, format="json").json() == {"results": []}


@pytest.mark.django_db
def test_a_search_is_sent_in_the_body_never_in_the_address(sw_api, contact):
    in_the_address = sw_api.get(SEARCH, {"q": "Sample"})
    without_a_query = sw_api.post(SEARCH, {}, format="json")
    not_text = sw_api.post(SEARCH, {"q": 2019}, format="json")

    assert in_the_address.status_code == 405 and b"Sample" not in in_the_address.content
    assert (without_a_query.status_code, without_a_query.json()) == (
        400,
        {"errors": {"q": ["This field is required."]}},
    )
    assert not_text.json() == {"errors": {"q": ["Enter text here, in quotes: this field takes a string."]}}
