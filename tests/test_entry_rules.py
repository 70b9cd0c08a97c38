"""Every census entry rule refuses bad input with a message naming the field and the rule, and writes nothing."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from macpu.agencies.models import Role, Team, User
from macpu.casework.models import CinPlan
from macpu.casework.services import (
    assessment_complete,
    assessment_start,
    cin_plan_end,
    cin_plan_start,
    episode_close,
)
from macpu.chronology.models import Event
from macpu.intake.models import Referral
from macpu.intake.services import (
    contact_decide,
    contact_record,
    contact_with_household_record,
    person_birth_record,
    person_death_record,
    referral_allocate,
    referral_create,
    referral_decide,
)
from macpu.people.services import PersonDetails, household_record
from macpu.protection.models import Conference, S47Outcome
from macpu.protection.services import (
    Attendance,
    Participant,
    core_group_record,
    cp_plan_end,
    initial_conference_record,
    review_conference_record,
    s47_child_seen,
    s47_complete,
    strategy_discussion_record,
    transfer_in_conference_record,
    visit_record,
)
from tests.factories import PersonFactory, UserFactory, aware
from tests.pathway import D

ATTENDED = [Attendance(agency_kind="social_care", name="Sam Worker", attended=True)]
AGENCIES = [
    Participant(name="Sam Worker", agency_kind="social_care"),
    Participant(name="PC Lee", agency_kind="police"),
    Participant(name="Dr Shah", agency_kind="health"),
]


def row_counts() -> dict[str, int]:
    return {
        m._meta.label: m.objects.count()
        for m in apps.get_models()
        if m._meta.app_label in {"people", "intake", "casework", "protection", "chronology"}
    }


def refuses(call, field: str, words: str) -> None:
    """The call is refused naming `field` with a message containing `words`, and no row anywhere changes."""
    before = row_counts()
    with pytest.raises(ValidationError) as refused:
        call()
    assert words in " ".join(refused.value.message_dict.get(field, [])), refused.value.message_dict
    assert row_counts() == before


def referral(social_worker, manager, team, *, decision="strategy", on=D(2027, 1, 4), child=None, source="6"):
    child = child or PersonFactory()
    now = aware(on.year, on.month, on.day)
    r = referral_create(actor=social_worker, now=now, child=child, received_on=on, source=source, team=team)
    return referral_decide(actor=manager, now=now, referral=r, decision=decision, reasons="Reasons.", decided_on=on)


def enquiry(social_worker, ref, *, held_on=D(2027, 1, 5), outcome=S47Outcome.CONFERENCE, seen=True):
    discussion = strategy_discussion_record(
        actor=social_worker,
        now=aware(2027, 1, 5),
        referral=ref,
        held_on=held_on,
        participants=AGENCIES,
        decision="s47_single",
    )
    if seen:
        s47_child_seen(
            actor=social_worker, now=aware(2027, 1, 5), enquiry=discussion.s47, seen_on=held_on, seen_alone=True
        )
    if outcome:
        s47_complete(
            actor=social_worker,
            now=aware(2027, 1, 8),
            enquiry=discussion.s47,
            outcome=outcome,
            completed_on=D(2027, 1, 8),
        )
    return discussion.s47


def plan(social_worker, chair, ref, *, held_on=D(2027, 1, 11)):
    s47 = enquiry(social_worker, ref)
    return initial_conference_record(
        actor=chair,
        now=aware(2027, 1, 11),
        enquiry=s47,
        held_on=held_on,
        chair=chair,
        family_attended=True,
        child_views="",
        decision="plan",
        category="NEG",
        attendance=ATTENDED,
    ).plan


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("local_authority")]


def test_a_child_has_only_one_open_episode(social_worker, manager, team):
    ref = referral(social_worker, manager, team)
    refuses(
        lambda: referral_create(
            actor=social_worker,
            now=aware(2027, 1, 6),
            child=ref.child,
            received_on=D(2027, 1, 6),
            source="6",
            team=team,
        ),
        "child",
        "already has an open case",
    )


def test_a_contact_cannot_open_a_second_episode_for_a_child_with_an_open_one(social_worker, manager, team):
    ref = referral(social_worker, manager, team)
    contact = contact_record(
        actor=social_worker,
        now=aware(2027, 1, 6),
        children=[ref.child],
        received_on=D(2027, 1, 6),
        referrer_name="GP",
        referral_source="3A",
        concern="Worried.",
        urgency="routine",
        team=team,
    )
    refuses(
        lambda: contact_decide(
            actor=social_worker,
            now=aware(2027, 1, 6),
            contact=contact,
            outcome="referral",
            reasons="Needs a referral.",
            decided_on=D(2027, 1, 6),
        ),
        "outcome",
        "one open episode",
    )


def test_the_database_itself_holds_one_open_episode_per_child(social_worker, manager, team):
    ref = referral(social_worker, manager, team)
    with pytest.raises(IntegrityError), transaction.atomic():
        Referral.objects.create(child=ref.child, received_on=D(2027, 1, 6), source="6", team=team)


def test_episodes_do_not_overlap(social_worker, manager, team):
    ref = referral(social_worker, manager, team, decision="nfa", on=D(2027, 1, 6))
    refuses(
        lambda: referral_create(
            actor=social_worker,
            now=aware(2027, 1, 7),
            child=ref.child,
            received_on=D(2027, 1, 5),
            source="6",
            team=team,
        ),
        "child",
        "cannot overlap",
    )


def test_a_referral_with_no_further_action_carries_no_assessment_enquiry_or_plan(social_worker, manager, team):
    ref = referral(social_worker, manager, team, decision="nfa")
    assert ref.closed_on == D(2027, 1, 4)
    Referral.objects.filter(pk=ref.pk).update(closed_on=None, closure_reason="")  # even reopened, NFA stands
    refuses(
        lambda: assessment_start(actor=social_worker, now=aware(2027, 1, 5), referral=ref, started_on=D(2027, 1, 5)),
        "started_on",
        "no further action",
    )
    refuses(
        lambda: strategy_discussion_record(
            actor=social_worker,
            now=aware(2027, 1, 5),
            referral=ref,
            held_on=D(2027, 1, 5),
            participants=AGENCIES,
            decision="s47_single",
        ),
        "held_on",
        "no further action",
    )
    refuses(
        lambda: cin_plan_start(actor=social_worker, now=aware(2027, 1, 5), referral=ref, started_on=D(2027, 1, 5)),
        "started_on",
        "no further action",
    )


def test_child_protection_plans_do_not_overlap(social_worker, manager, chair, team):
    ref = referral(social_worker, manager, team)
    plan(social_worker, chair, ref)
    second = strategy_discussion_record(
        actor=social_worker,
        now=aware(2027, 1, 12),
        referral=ref,
        held_on=D(2027, 1, 12),
        participants=AGENCIES,
        decision="s47_joint",
    ).s47
    s47_child_seen(actor=social_worker, now=aware(2027, 1, 12), enquiry=second, seen_on=D(2027, 1, 12), seen_alone=True)
    s47_complete(
        actor=social_worker, now=aware(2027, 1, 13), enquiry=second, outcome="conference", completed_on=D(2027, 1, 13)
    )
    refuses(
        lambda: initial_conference_record(
            actor=chair,
            now=aware(2027, 1, 14),
            enquiry=second,
            held_on=D(2027, 1, 14),
            chair=chair,
            family_attended=True,
            child_views="",
            decision="plan",
            category="PHY",
            attendance=ATTENDED,
        ),
        "decision",
        "already has an open child protection plan",
    )


def test_no_child_in_need_plan_while_a_child_protection_plan_is_open(social_worker, manager, chair, team):
    ref = referral(social_worker, manager, team)
    plan(social_worker, chair, ref)
    refuses(
        lambda: cin_plan_start(actor=social_worker, now=aware(2027, 1, 12), referral=ref, started_on=D(2027, 1, 12)),
        "started_on",
        "cannot start while the child has a child protection plan",
    )


def test_no_child_protection_plan_starts_while_a_child_in_need_plan_is_open(social_worker, manager, chair, team):
    ref = referral(social_worker, manager, team)
    cin_plan_start(actor=social_worker, now=aware(2027, 1, 4), referral=ref, started_on=D(2027, 1, 4))
    s47 = enquiry(social_worker, ref)
    refuses(
        lambda: initial_conference_record(
            actor=chair,
            now=aware(2027, 1, 11),
            enquiry=s47,
            held_on=D(2027, 1, 11),
            chair=chair,
            family_attended=True,
            child_views="",
            decision="plan",
            category="NEG",
            attendance=ATTENDED,
        ),
        "decision",
        "cannot run alongside a child protection plan",
    )


def test_a_plan_starts_on_the_date_of_the_conference_that_decided_it(social_worker, manager, chair, team):
    cp_plan = plan(social_worker, chair, referral(social_worker, manager, team), held_on=D(2027, 1, 11))
    conference = Conference.objects.get(plan=cp_plan, kind="initial")
    assert cp_plan.started_on == conference.held_on == D(2027, 1, 11)


def test_conferences_are_not_held_at_weekends(social_worker, manager, chair, team):
    s47 = enquiry(social_worker, referral(social_worker, manager, team))
    refuses(
        lambda: initial_conference_record(
            actor=chair,
            now=aware(2027, 1, 11),
            enquiry=s47,
            held_on=D(2027, 1, 9),
            chair=chair,
            family_attended=True,
            child_views="",
            decision="no_plan",
            attendance=ATTENDED,
        ),
        "held_on",
        "Saturday or Sunday",
    )


def test_the_database_itself_refuses_a_conference_at_a_weekend(social_worker, manager, chair, team):
    s47 = enquiry(social_worker, referral(social_worker, manager, team))
    with pytest.raises(IntegrityError), transaction.atomic():
        Conference.objects.create(
            referral=s47.referral,
            kind="initial",
            s47=s47,
            held_on=D(2027, 1, 10),
            chair=chair,
            family_attended=False,
            decision="no_plan",
        )


def test_a_closure_date_and_reason_go_together(social_worker, manager, team):
    ref = referral(social_worker, manager, team, decision="assessment")
    refuses(
        lambda: episode_close(
            actor=social_worker, now=aware(2027, 1, 8), referral=ref, closed_on=D(2027, 1, 8), reason=""
        ),
        "reason",
        "Choose the reason",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Referral.objects.filter(pk=ref.pk).update(closed_on=D(2027, 1, 8))


def test_every_enquiry_ends_with_a_conference_or_conference_not_required(social_worker, manager, chair, team):
    ref = referral(social_worker, manager, team)
    s47 = enquiry(social_worker, ref, outcome="")
    refuses(
        lambda: episode_close(
            actor=social_worker, now=aware(2027, 1, 8), referral=ref, closed_on=D(2027, 1, 8), reason="RC7"
        ),
        "closed_on",
        "outcome of the section 47 enquiry",
    )
    s47_complete(
        actor=social_worker, now=aware(2027, 1, 8), enquiry=s47, outcome="conference", completed_on=D(2027, 1, 8)
    )
    refuses(
        lambda: episode_close(
            actor=social_worker, now=aware(2027, 1, 8), referral=ref, closed_on=D(2027, 1, 8), reason="RC7"
        ),
        "closed_on",
        "Record the initial conference",
    )


def test_no_factors_identified_stands_alone(social_worker, manager, team):
    ref = referral(social_worker, manager, team, decision="assessment")
    assessment = assessment_start(actor=social_worker, now=aware(2027, 1, 5), referral=ref, started_on=D(2027, 1, 5))
    refuses(
        lambda: assessment_complete(
            actor=manager,
            now=aware(2027, 1, 8),
            assessment=assessment,
            authorised_on=D(2027, 1, 8),
            factors=["21", "3B"],
            outcome="nfa",
            primary_need="N9",
        ),
        "factors",
        "cannot be chosen with other factors",
    )


def test_a_conference_comes_after_the_enquiry_started(social_worker, manager, chair, team):
    s47 = enquiry(social_worker, referral(social_worker, manager, team), held_on=D(2027, 1, 5))
    refuses(
        lambda: initial_conference_record(
            actor=chair,
            now=aware(2027, 1, 11),
            enquiry=s47,
            held_on=D(2027, 1, 4),
            chair=chair,
            family_attended=True,
            child_views="",
            decision="no_plan",
            attendance=ATTENDED,
        ),
        "held_on",
        "on or after the enquiry's start",
    )


def test_a_review_comes_after_the_plan_started(social_worker, manager, chair, team):
    cp_plan = plan(social_worker, chair, referral(social_worker, manager, team), held_on=D(2027, 1, 11))
    refuses(
        lambda: review_conference_record(
            actor=chair,
            now=aware(2027, 1, 11),
            plan=cp_plan,
            held_on=D(2027, 1, 11),
            chair=chair,
            family_attended=True,
            child_views="",
            decision="continue",
            category="NEG",
            attendance=ATTENDED,
        ),
        "held_on",
        "after the plan started",
    )


def test_dates_cannot_be_in_the_future(social_worker, manager, team):
    ref = referral(social_worker, manager, team, decision="assessment")
    refuses(
        lambda: assessment_start(actor=social_worker, now=aware(2027, 1, 5), referral=ref, started_on=D(2027, 1, 6)),
        "started_on",
        "cannot be in the future",
    )


def test_only_a_team_manager_decides_a_referral(social_worker, team):
    ref = referral_create(
        actor=social_worker,
        now=aware(2027, 1, 4),
        child=PersonFactory(),
        received_on=D(2027, 1, 4),
        source="6",
        team=team,
    )
    refuses(
        lambda: referral_decide(
            actor=social_worker,
            now=aware(2027, 1, 4),
            referral=ref,
            decision="assessment",
            reasons="Reasons.",
            decided_on=D(2027, 1, 4),
        ),
        "decision",
        "Only a team manager",
    )


def test_a_strategy_discussion_without_the_police_goes_ahead_only_with_its_reason_recorded(
    social_worker, manager, team
):
    ref = referral(social_worker, manager, team)

    discussion = strategy_discussion_record(
        actor=social_worker,
        now=aware(2027, 1, 5),
        referral=ref,
        held_on=D(2027, 1, 5),
        participants=[
            Participant(name="Sam Worker", agency_kind="social_care"),
            Participant(name="Dr Shah", agency_kind="health"),
        ],
        decision="s47_single",
        missing_agency_reason="The police could not join before the child left hospital; briefed by phone after.",
    )

    assert discussion.missing_agency_reason.startswith("The police could not join")
    event = Event.objects.get(kind="strategy_discussion", child=ref.child)
    assert "Went ahead without police: The police could not join" in event.summary


def test_a_cin_plan_is_held_once_per_episode_by_the_database(social_worker, manager, team):
    ref = referral(social_worker, manager, team, decision="assessment")
    CinPlan.objects.create(referral=ref, started_on=D(2027, 1, 4))
    with pytest.raises(IntegrityError), transaction.atomic():
        CinPlan.objects.create(referral=ref, started_on=D(2027, 1, 5))


def test_a_strategy_discussion_includes_social_care_police_and_health(social_worker, manager, team):
    ref = referral(social_worker, manager, team)
    refuses(
        lambda: strategy_discussion_record(
            actor=social_worker,
            now=aware(2027, 1, 5),
            referral=ref,
            held_on=D(2027, 1, 5),
            participants=[
                Participant(name="Sam Worker", agency_kind="social_care"),
                Participant(name="Dr Shah", agency_kind="health"),
                Participant(name="Ms Head", agency_kind="education"),
            ],
            decision="s47_single",
        ),
        "participants",
        "needs someone from children's social care, the police and health. Missing: police. If it had to go ahead "
        "without them, say why.",
    )
    refuses(
        lambda: strategy_discussion_record(
            actor=social_worker,
            now=aware(2027, 1, 5),
            referral=ref,
            held_on=D(2027, 1, 5),
            participants=[Participant(name="Ms Head", agency_kind="education")],
            decision="no_s47",
        ),
        "participants",
        "Missing: children's social care, police, health.",
    )


def test_an_enquiry_outcome_needs_the_child_seen_first(social_worker, manager, team):
    s47 = enquiry(social_worker, referral(social_worker, manager, team), outcome="", seen=False)
    refuses(
        lambda: s47_complete(
            actor=social_worker, now=aware(2027, 1, 8), enquiry=s47, outcome="conference", completed_on=D(2027, 1, 8)
        ),
        "outcome",
        "Record when the child was seen before recording the outcome",
    )


def test_an_unborn_childs_enquiry_outcome_needs_no_child_seen(social_worker, manager, team):
    unborn = PersonFactory(given_name="Unborn", date_of_birth=None, expected_date_of_birth=D(2027, 3, 1))
    s47 = enquiry(social_worker, referral(social_worker, manager, team, child=unborn), outcome="", seen=False)

    s47_complete(
        actor=social_worker, now=aware(2027, 1, 8), enquiry=s47, outcome="conference", completed_on=D(2027, 1, 8)
    )

    s47.refresh_from_db()
    assert (s47.outcome, s47.child_seen_on) == ("conference", None)


def test_an_initial_conference_deciding_no_plan_takes_no_category(social_worker, manager, chair, team):
    s47 = enquiry(social_worker, referral(social_worker, manager, team))
    refuses(
        lambda: initial_conference_record(
            actor=chair,
            now=aware(2027, 1, 11),
            enquiry=s47,
            held_on=D(2027, 1, 11),
            chair=chair,
            family_attended=True,
            child_views="",
            decision="no_plan",
            category="NEG",
            attendance=ATTENDED,
        ),
        "category",
        "A category goes only with a child protection plan.",
    )


def test_a_review_ending_the_plan_takes_no_category(social_worker, manager, chair, team):
    cp_plan = plan(social_worker, chair, referral(social_worker, manager, team))
    refuses(
        lambda: review_conference_record(
            actor=chair,
            now=aware(2027, 4, 12),
            plan=cp_plan,
            held_on=D(2027, 4, 12),
            chair=chair,
            family_attended=True,
            child_views="",
            decision="end",
            category="NEG",
            attendance=ATTENDED,
        ),
        "category",
        "A category goes only with a child protection plan.",
    )


@pytest.mark.parametrize(
    ("born", "today"),
    [
        (D(2009, 1, 4), D(2027, 1, 4)),  # 18 today
        (D(1990, 6, 1), D(2027, 1, 4)),  # an adult
        (D(2008, 2, 29), D(2026, 3, 1)),  # born on 29 February: 18 on 1 March in a common year
    ],
)
def test_a_child_in_a_household_is_under_18_on_the_day(social_worker, born, today):
    refuses(
        lambda: household_record(
            actor=social_worker,
            now=aware(today.year, today.month, today.day),
            address="1 Example Road",
            postcode="ZZ1 1ZZ",
            children=[
                PersonDetails(given_name="Ava", family_name="Example", date_of_birth=D(2020, 1, 1)),
                PersonDetails(given_name="Jo", family_name="Example", date_of_birth=born),
            ],
        ),
        "child_1_date_of_birth",
        "A child must be under 18",
    )


def test_a_child_the_day_before_their_eighteenth_birthday_is_recorded(social_worker):
    people = household_record(
        actor=social_worker,
        now=aware(2026, 2, 28),
        address="1 Example Road",
        postcode="ZZ1 1ZZ",
        children=[PersonDetails(given_name="Jo", family_name="Example", date_of_birth=D(2008, 2, 29))],
    )
    assert people.children[0].date_of_birth == D(2008, 2, 29)


def test_a_date_of_birth_in_the_future_is_refused(social_worker):
    refuses(
        lambda: household_record(
            actor=social_worker,
            now=aware(2027, 1, 4),
            address="1 Example Road",
            postcode="ZZ1 1ZZ",
            children=[PersonDetails(given_name="Ava", family_name="Example", date_of_birth=D(2027, 1, 5))],
        ),
        "child_0_date_of_birth",
        "cannot be in the future",
    )


def _contact_with_household(actor, team, *, born=D(2020, 1, 1), received_on=D(2027, 1, 4)):
    return contact_with_household_record(
        actor=actor,
        now=aware(2027, 1, 4),
        household={
            "address": "1 Example Road",
            "postcode": "ZZ1 1ZZ",
            "children": [
                PersonDetails(given_name="Ava", family_name="Example", date_of_birth=D(2020, 1, 1)),
                PersonDetails(given_name="Leo", family_name="Example", date_of_birth=born),
            ],
        },
        team=team,
        received_on=received_on,
        referrer_name="PC Lee",
        referral_source="6",
        concern="Domestic abuse call-out.",
        urgency="same_day",
    )


def test_one_refusal_names_every_problem_with_the_household_and_the_contact_and_writes_nothing(social_worker, team):
    before = row_counts()

    with pytest.raises(ValidationError) as refused:
        _contact_with_household(social_worker, team, born=D(2027, 1, 5), received_on=D(2027, 1, 5))

    assert refused.value.message_dict == {
        "child_1_date_of_birth": ["The date of birth cannot be in the future."],
        "received_on": ["The date the contact was received cannot be in the future."],
    }  # and not "a contact is about at least one child": the household's refusal says it
    assert row_counts() == before


def test_a_contact_refused_after_its_household_was_valid_leaves_no_household_behind(social_worker, team):
    refuses(lambda: _contact_with_household(social_worker, team, received_on=D(2027, 1, 5)), "received_on", "future")


def test_a_contact_and_its_household_are_recorded_together(social_worker, team):
    contact = _contact_with_household(social_worker, team)

    assert sorted(c.given_name for c in contact.children.all()) == ["Ava", "Leo"]
    assert contact.household is not None and contact.household.members.count() == 2
    assert (contact.team, contact.recorded_by) == (team, social_worker)


@pytest.mark.parametrize("who", ["administrator", "no role", "chair in no team"])
def test_only_unit_staff_in_a_team_record_a_contact(chair, team, who):
    actor = {
        "administrator": lambda: UserFactory(role=Role.ADMINISTRATOR, team=team, agency=team.agency),
        "no role": lambda: UserFactory(role="", team=team, agency=team.agency),
        "chair in no team": lambda: chair,
    }[who]()
    contact = {
        "received_on": D(2027, 1, 4),
        "referrer_name": "PC Lee",
        "referral_source": "6",
        "concern": "Domestic abuse call-out.",
        "urgency": "same_day",
        "team": team,
    }
    child = PersonFactory()
    message = "Only unit staff in a team can record a contact."

    refuses(lambda: _contact_with_household(actor, team), "__all__", message)
    refuses(
        lambda: contact_record(actor=actor, now=aware(2027, 1, 4), children=[child], **contact),
        "__all__",
        message,
    )


# --- who may record each step -----------------------------------------------------------------------------------
# Each step: (arrange the case with the right people, returning its subject; act as `actor` on that subject).


def _contact(s):
    return contact_record(
        actor=s.social_worker,
        now=aware(2027, 1, 4),
        children=[PersonFactory()],
        received_on=D(2027, 1, 4),
        referrer_name="PC Lee",
        referral_source="6",
        concern="Domestic abuse call-out.",
        urgency="same_day",
        team=s.team,
    )


def _undecided(s):
    return referral_create(
        actor=s.social_worker,
        now=aware(2027, 1, 4),
        child=PersonFactory(),
        received_on=D(2027, 1, 4),
        source="6",
        team=s.team,
    )


def _assessment_case(s):
    return referral(s.social_worker, s.manager, s.team, decision="assessment")


def _assessment(s):
    ref = _assessment_case(s)
    return assessment_start(actor=s.social_worker, now=aware(2027, 1, 5), referral=ref, started_on=D(2027, 1, 5))


def _cin_plan(s):
    ref = _assessment_case(s)
    return cin_plan_start(actor=s.social_worker, now=aware(2027, 1, 5), referral=ref, started_on=D(2027, 1, 5))


def _strategy_case(s):
    return referral(s.social_worker, s.manager, s.team)


def _open_enquiry(s):
    return enquiry(s.social_worker, _strategy_case(s), outcome="")


def _unseen_enquiry(s):
    return enquiry(s.social_worker, _strategy_case(s), outcome="", seen=False)


def _conference_due(s):
    return enquiry(s.social_worker, _strategy_case(s))


def _plan(s):
    return plan(s.social_worker, s.chair, _strategy_case(s))


def _unborn(s):
    return PersonFactory(given_name="Unborn", sex="U", date_of_birth=None, expected_date_of_birth=D(2027, 1, 20))


def _transfer_in_case(s):
    return referral(s.social_worker, s.manager, s.team, decision="assessment", source="5C")


def _conference(on, decision):
    return {
        "now": aware(on.year, on.month, on.day),
        "held_on": on,
        "family_attended": True,
        "child_views": "",
        "decision": decision,
        "category": "NEG",
        "attendance": ATTENDED,
    }


SOCIAL_CARE_STEPS = {
    "referral_create": (
        lambda s: PersonFactory(),
        lambda actor, child, s: referral_create(
            actor=actor, now=aware(2027, 1, 4), child=child, received_on=D(2027, 1, 4), source="6", team=s.team
        ),
        "__all__",
        "Only children's social care staff can record a referral.",
    ),
    "contact_decide": (
        _contact,
        lambda actor, contact, s: contact_decide(
            actor=actor,
            now=aware(2027, 1, 4),
            contact=contact,
            outcome="referral",
            reasons="R.",
            decided_on=D(2027, 1, 4),
        ),
        "outcome",
        "decide what happens to a contact",
    ),
    "strategy_discussion_record": (
        _strategy_case,
        lambda actor, ref, s: strategy_discussion_record(
            actor=actor,
            now=aware(2027, 1, 5),
            referral=ref,
            held_on=D(2027, 1, 5),
            participants=AGENCIES,
            decision="s47_joint",
        ),
        "__all__",
        "record a strategy discussion",
    ),
    "s47_child_seen": (
        _unseen_enquiry,
        lambda actor, s47, s: s47_child_seen(
            actor=actor, now=aware(2027, 1, 6), enquiry=s47, seen_on=D(2027, 1, 6), seen_alone=True
        ),
        "__all__",
        "record when the child was seen",
    ),
    "s47_complete": (
        _open_enquiry,
        lambda actor, s47, s: s47_complete(
            actor=actor, now=aware(2027, 1, 8), enquiry=s47, outcome="conference", completed_on=D(2027, 1, 8)
        ),
        "__all__",
        "record the outcome of a section 47 enquiry",
    ),
    "assessment_start": (
        _assessment_case,
        lambda actor, ref, s: assessment_start(
            actor=actor, now=aware(2027, 1, 5), referral=ref, started_on=D(2027, 1, 5)
        ),
        "__all__",
        "start an assessment",
    ),
    "cin_plan_start": (
        _assessment_case,
        lambda actor, ref, s: cin_plan_start(
            actor=actor, now=aware(2027, 1, 5), referral=ref, started_on=D(2027, 1, 5)
        ),
        "__all__",
        "start a child in need plan",
    ),
    "cin_plan_end": (
        _cin_plan,
        lambda actor, cin, s: cin_plan_end(actor=actor, now=aware(2027, 1, 8), plan=cin, ended_on=D(2027, 1, 8)),
        "__all__",
        "end a child in need plan",
    ),
    "episode_close": (
        _assessment_case,
        lambda actor, ref, s: episode_close(
            actor=actor, now=aware(2027, 1, 8), referral=ref, closed_on=D(2027, 1, 8), reason="RC7"
        ),
        "__all__",
        "close a case",
    ),
    "core_group_record": (
        _plan,
        lambda actor, cp, s: core_group_record(actor=actor, now=aware(2027, 1, 13), plan=cp, held_on=D(2027, 1, 13)),
        "__all__",
        "record a core group meeting",
    ),
    "visit_record": (
        _plan,
        lambda actor, cp, s: visit_record(
            actor=actor,
            now=aware(2027, 1, 13),
            plan=cp,
            visited_on=D(2027, 1, 13),
            child_seen=True,
            child_seen_alone=True,
        ),
        "__all__",
        "record a statutory visit",
    ),
    "cp_plan_end": (
        _plan,
        lambda actor, cp, s: cp_plan_end(
            actor=actor, now=aware(2027, 1, 13), plan=cp, ended_on=D(2027, 1, 13), reason="transferred"
        ),
        "__all__",
        "end a child protection plan",
    ),
    "person_birth_record": (
        _unborn,
        lambda actor, child, s: person_birth_record(
            actor=actor, now=aware(2027, 1, 8), person=child, born_on=D(2027, 1, 8), sex="F", given_name="Ava"
        ),
        "__all__",
        "record a child's birth",
    ),
    "person_death_record": (
        lambda s: PersonFactory(),
        lambda actor, child, s: person_death_record(
            actor=actor, now=aware(2027, 1, 8), person=child, died_on=D(2027, 1, 8)
        ),
        "__all__",
        "record a child's death",
    ),
}
CONFERENCE_STEPS = {
    "initial_conference_record": (
        _conference_due,
        lambda actor, s47, s: initial_conference_record(
            actor=actor, enquiry=s47, chair=s.chair, **_conference(D(2027, 1, 11), "plan")
        ),
        "__all__",
        "Only a conference chair or a team manager can record an initial child protection conference.",
    ),
    "review_conference_record": (
        _plan,
        lambda actor, cp, s: review_conference_record(
            actor=actor, plan=cp, chair=s.chair, **_conference(D(2027, 4, 12), "continue")
        ),
        "__all__",
        "Only a conference chair or a team manager can record a review child protection conference.",
    ),
    "transfer_in_conference_record": (
        _transfer_in_case,
        lambda actor, ref, s: transfer_in_conference_record(
            actor=actor, referral=ref, chair=s.chair, **_conference(D(2027, 1, 15), "plan")
        ),
        "__all__",
        "Only a conference chair or a team manager can record a transfer-in child protection conference.",
    ),
}
MANAGER_STEPS = {
    "assessment_complete": (
        _assessment,
        lambda actor, assessment, s: assessment_complete(
            actor=actor,
            now=aware(2027, 1, 8),
            assessment=assessment,
            authorised_on=D(2027, 1, 8),
            factors=["21"],
            outcome="nfa",
            primary_need="N9",
        ),
        "__all__",
        "Only a team manager can authorise an assessment.",
    ),
    "referral_decide": (
        _undecided,
        lambda actor, ref, s: referral_decide(
            actor=actor,
            now=aware(2027, 1, 4),
            referral=ref,
            decision="assessment",
            reasons="R.",
            decided_on=D(2027, 1, 4),
        ),
        "decision",
        "Only a team manager can decide a referral.",
    ),
    "referral_allocate": (
        _strategy_case,
        lambda actor, ref, s: referral_allocate(
            actor=actor, now=aware(2027, 1, 4), referral=ref, worker=s.social_worker
        ),
        "worker",
        "Only a team manager can allocate a case.",
    ),
}
UNIT_PARTNERS = [Role.POLICE_OFFICER, Role.HEALTH_PRACTITIONER, Role.EDUCATION_LEAD, Role.ADMINISTRATOR]


def _refused_cases():
    for step in SOCIAL_CARE_STEPS:
        for role in [*UNIT_PARTNERS, Role.CONFERENCE_CHAIR]:
            yield pytest.param(SOCIAL_CARE_STEPS, step, role, id=f"{step}-{role}")
    for step in CONFERENCE_STEPS:
        for role in [*UNIT_PARTNERS, Role.SOCIAL_WORKER]:
            yield pytest.param(CONFERENCE_STEPS, step, role, id=f"{step}-{role}")
    for step in MANAGER_STEPS:
        for role in [*UNIT_PARTNERS, Role.SOCIAL_WORKER, Role.CONFERENCE_CHAIR]:
            yield pytest.param(MANAGER_STEPS, step, role, id=f"{step}-{role}")


@dataclass
class Staff:
    social_worker: User
    manager: User
    chair: User
    team: Team


@pytest.fixture
def staff(social_worker, manager, chair, team):
    return Staff(social_worker, manager, chair, team)


@pytest.mark.parametrize(("steps", "step", "role"), list(_refused_cases()))
def test_each_step_is_refused_to_roles_that_may_not_record_it(staff, steps, step, role):
    arrange, act, field, words = steps[step]
    subject = arrange(staff)
    outsider = UserFactory(role=role, team=staff.team, agency=staff.team.agency)

    refuses(lambda: act(outsider, subject, staff), field, words)


@pytest.mark.parametrize("step", list(SOCIAL_CARE_STEPS))
@pytest.mark.parametrize("recorder", ["social_worker", "manager"])
def test_a_social_worker_or_a_team_manager_may_record_every_social_care_step(staff, step, recorder):
    arrange, act, _field, _words = SOCIAL_CARE_STEPS[step]

    subject = arrange(staff)
    latest = Event.objects.order_by("-id").values_list("id", flat=True).first() or 0

    act(getattr(staff, recorder), subject, staff)

    actors = list(Event.objects.filter(id__gt=latest).values_list("actor", flat=True))
    assert actors and set(actors) == {getattr(staff, recorder).pk}  # written, and on the child's timeline as theirs


@pytest.mark.parametrize("step", list(CONFERENCE_STEPS))
@pytest.mark.parametrize("recorder", ["chair", "manager"])
def test_a_conference_chair_or_a_team_manager_may_record_a_conference(staff, step, recorder):
    arrange, act, _field, _words = CONFERENCE_STEPS[step]

    conference = act(getattr(staff, recorder), arrange(staff), staff)

    assert conference.chair == staff.chair
