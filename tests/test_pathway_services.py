"""The whole statutory pathway driven through the services, checked against hand-worked clocks (tests/pathway.py)."""

from __future__ import annotations

import pytest

from macpu.agencies.models import Role
from macpu.chronology.models import Event, EventKind
from macpu.intake.services import contact_record
from macpu.protection.selectors import child_case, work_items
from tests.factories import PersonFactory, UserFactory, aware
from tests.pathway import EXPECTED_CLOCKS, TODAY, D, run_pathway


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

    kinds = list(Event.objects.filter(child=ava).order_by("id").values_list("kind", flat=True))

    assert kinds == [
        EventKind.CONTACT_RECORDED,
        EventKind.CONTACT_DECIDED,
        EventKind.REFERRAL_RECEIVED,
        EventKind.REFERRAL_DECIDED,
        EventKind.ALLOCATED,
        EventKind.STRATEGY_DISCUSSION,
        EventKind.S47_STARTED,
        EventKind.S47_CHILD_SEEN,
        EventKind.ASSESSMENT_STARTED,
        EventKind.S47_COMPLETED,
        EventKind.CP_PLAN_STARTED,
        EventKind.CONFERENCE,
        EventKind.CORE_GROUP,
        EventKind.VISIT,
        EventKind.ASSESSMENT_COMPLETED,
        EventKind.VISIT,
        EventKind.CONFERENCE,
    ]


@pytest.mark.django_db
def test_my_work_lists_what_is_due_soonest_first(local_authority, social_worker, manager, chair, team):
    run_pathway(social_worker=social_worker, manager=manager, chair=chair, team=team)

    mine = work_items(user=social_worker, scope="mine", today=TODAY)
    team_items = work_items(user=manager, scope="team", today=TODAY)

    assert [(i.child.given_name, i.clock.key) for i in mine] == [
        ("Ava", "strategy_action"),  # the medical agreed at the strategy discussion, due 30 Dec 2026, never marked done
        ("Ava", "statutory_visit"),
        ("Ava", "review_conference"),
    ]
    assert [i.clock.due_on for i in team_items] == sorted(i.clock.due_on for i in team_items)
    assert ("Leo", "referral_decision") in [(i.child.given_name, i.clock.key) for i in team_items]


@pytest.mark.django_db
def test_the_teams_work_lists_an_undecided_contact_only_to_those_who_may_see_it(local_authority, social_worker, team):
    contact_record(
        actor=social_worker,
        now=aware(2027, 1, 4),
        children=[PersonFactory(given_name="Ava")],
        received_on=D(2027, 1, 4),
        referrer_name="PC Lee",
        referral_source="6",
        concern="Domestic abuse call-out.",
        urgency="same_day",
        team=team,
    )
    administrator = UserFactory(role=Role.ADMINISTRATOR, team=team, agency=team.agency)

    seen = work_items(user=social_worker, scope="team", today=D(2027, 1, 5))
    not_seen = work_items(user=administrator, scope="team", today=D(2027, 1, 5))

    assert [(i.child.given_name, i.clock.key) for i in seen] == [("Ava", "contact_decision")]
    assert not_seen == []


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
