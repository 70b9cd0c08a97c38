"""Every census entry rule refuses bad input with a message naming the field and the rule, and writes nothing."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from macpu.casework.models import CinPlan
from macpu.casework.services import assessment_complete, assessment_start, cin_plan_start, episode_close
from macpu.intake.models import Referral
from macpu.intake.services import contact_decide, contact_record, referral_create, referral_decide
from macpu.protection.models import Conference, S47Outcome
from macpu.protection.services import (
    Attendance,
    Participant,
    initial_conference_record,
    review_conference_record,
    s47_complete,
    strategy_discussion_record,
)
from tests.factories import PersonFactory, aware
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


def referral(social_worker, manager, team, *, decision="strategy", on=D(2027, 1, 4), child=None):
    child = child or PersonFactory()
    now = aware(on.year, on.month, on.day)
    r = referral_create(actor=social_worker, now=now, child=child, received_on=on, source="6", team=team)
    return referral_decide(actor=manager, now=now, referral=r, decision=decision, reasons="Reasons.", decided_on=on)


def enquiry(social_worker, ref, *, held_on=D(2027, 1, 5), outcome=S47Outcome.CONFERENCE):
    discussion = strategy_discussion_record(
        actor=social_worker,
        now=aware(2027, 1, 5),
        referral=ref,
        held_on=held_on,
        participants=AGENCIES,
        decision="s47_single",
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


def test_a_cin_plan_is_held_once_per_episode_by_the_database(social_worker, manager, team):
    ref = referral(social_worker, manager, team, decision="assessment")
    CinPlan.objects.create(referral=ref, started_on=D(2027, 1, 4))
    with pytest.raises(IntegrityError), transaction.atomic():
        CinPlan.objects.create(referral=ref, started_on=D(2027, 1, 5))
