"""Marking a strategy discussion's action done: who may, the rules it keeps, its event, and My work listing the
actions not yet done beside the statutory clocks."""

from __future__ import annotations

import pytest

from macpu.agencies.models import Role
from macpu.casework.services import episode_close
from macpu.chronology.models import Event, EventKind
from macpu.intake.services import referral_allocate
from macpu.protection.models import StrategyAction
from macpu.protection.selectors import work_items
from macpu.protection.services import Action, strategy_action_done, strategy_discussion_record
from tests.factories import UserFactory, aware
from tests.pathway import D
from tests.test_entry_rules import AGENCIES, referral, refuses

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("local_authority")]

HELD_ON = D(2027, 1, 5)  # a Tuesday, the day after the referral
NOW = aware(2027, 1, 7)  # a Thursday


def discussion(social_worker, manager, team, *, decision="s47_joint"):
    """A strategy discussion on Tue 5 Jan 2027 agreeing a medical due Wed 6 Jan and a school check due Fri 8 Jan."""
    return strategy_discussion_record(
        actor=social_worker,
        now=aware(2027, 1, 5),
        referral=referral(social_worker, manager, team),
        held_on=HELD_ON,
        participants=AGENCIES,
        decision=decision,
        actions=[
            Action(
                action="Child protection medical", owner="Dr Shah", due_on=D(2027, 1, 6), agency=social_worker.agency
            ),
            Action(
                action="Check school attendance", owner="Ms Head", due_on=D(2027, 1, 8), agency=social_worker.agency
            ),
        ],
    )


@pytest.fixture
def medical(social_worker, manager, team) -> StrategyAction:
    return discussion(social_worker, manager, team).actions.get(owner="Dr Shah")


@pytest.mark.parametrize("recorder", ["social_worker", "manager"])
def test_social_care_staff_record_an_action_done_and_it_goes_on_the_childs_timeline(request, medical, recorder):
    actor = request.getfixturevalue(recorder)

    strategy_action_done(actor=actor, now=NOW, action=medical, done_on=D(2027, 1, 6))

    medical.refresh_from_db()
    assert medical.done_on == D(2027, 1, 6)
    event = Event.objects.get(kind=EventKind.STRATEGY_ACTION_DONE)
    assert (event.child, event.occurred_on, event.actor) == (medical.discussion.referral.child, D(2027, 1, 6), actor)
    assert event.summary == "Strategy action done: Child protection medical"
    assert (event.subject_type, event.subject_id) == ("strategyaction", medical.pk)


def test_an_action_already_done_is_refused(medical, social_worker):
    strategy_action_done(actor=social_worker, now=NOW, action=medical, done_on=D(2027, 1, 6))

    refuses(
        lambda: strategy_action_done(actor=social_worker, now=NOW, action=medical, done_on=D(2027, 1, 7)),
        "done_on",
        "This action has already been marked as done.",
    )
    medical.refresh_from_db()
    assert medical.done_on == D(2027, 1, 6)


def test_a_done_date_in_the_future_is_refused(medical, social_worker):
    refuses(
        lambda: strategy_action_done(actor=social_worker, now=NOW, action=medical, done_on=D(2027, 1, 8)),
        "done_on",
        "The date the action was done cannot be in the future.",
    )


def test_a_done_date_before_the_discussion_is_refused(medical, social_worker):
    refuses(
        lambda: strategy_action_done(actor=social_worker, now=NOW, action=medical, done_on=D(2027, 1, 4)),
        "done_on",
        "The date the action was done must be on or after the discussion (5 January 2027).",
    )


def test_an_action_on_a_closed_case_is_refused(social_worker, manager, team):
    action = discussion(social_worker, manager, team, decision="no_s47").actions.get(owner="Dr Shah")
    episode_close(
        actor=social_worker, now=NOW, referral=action.discussion.referral, closed_on=D(2027, 1, 6), reason="RC7"
    )

    refuses(
        lambda: strategy_action_done(actor=social_worker, now=NOW, action=action, done_on=D(2027, 1, 6)),
        "done_on",
        "This case is closed.",
    )


@pytest.mark.parametrize(
    "role",
    [Role.POLICE_OFFICER, Role.HEALTH_PRACTITIONER, Role.EDUCATION_LEAD, Role.ADMINISTRATOR, Role.CONFERENCE_CHAIR],
)
def test_only_social_care_staff_record_an_action_done(medical, team, role):
    outsider = UserFactory(role=role, team=team, agency=team.agency)

    refuses(
        lambda: strategy_action_done(actor=outsider, now=NOW, action=medical, done_on=D(2027, 1, 6)),
        "__all__",
        "Only children's social care staff can record that an action from a strategy discussion was done.",
    )


def test_my_work_lists_the_actions_not_done_beside_the_clocks_soonest_first(medical, social_worker, manager):
    ref = medical.discussion.referral
    referral_allocate(actor=manager, now=NOW, referral=ref, worker=social_worker)
    school = medical.discussion.actions.get(owner="Ms Head")
    today = D(2027, 1, 11)  # a Monday: both actions are overdue

    before = work_items(user=social_worker, scope="mine", today=today)
    strategy_action_done(actor=social_worker, now=NOW, action=medical, done_on=D(2027, 1, 7))
    after = work_items(user=social_worker, scope="mine", today=today)

    assert [(i.clock.key, i.clock.label, i.clock.due_on, i.clock.status.value) for i in before][:2] == [
        ("strategy_action", "Strategy action: Child protection medical (Dr Shah)", D(2027, 1, 6), "overdue"),
        ("strategy_action", "Strategy action: Check school attendance (Ms Head)", D(2027, 1, 8), "overdue"),
    ]
    assert [i.clock.subject_id for i in before[:2]] == [medical.pk, school.pk]
    assert "initial_conference" in [i.clock.key for i in before]  # the statutory clocks are still there
    assert [i.clock.due_on for i in before] == sorted(i.clock.due_on for i in before)
    assert [i.clock.subject_id for i in after if i.clock.key == "strategy_action"] == [school.pk]
    assert all(i.worker == social_worker and i.child == ref.child for i in before)
