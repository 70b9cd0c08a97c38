"""The conference and strategy discussion forms, as the user trial found them: the chair filled in for a chair,
no category without a plan, one agency question per row, and the assessment factors in a sensible order."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from macpu.access.models import AuditEvent, Invitation
from macpu.access.selectors import visible_people
from macpu.agencies.models import AgencyKind, Role
from macpu.protection import services
from macpu.protection.models import Conference, ConferenceDecision, S47Outcome, StrategyDecision
from macpu.protection.services import Attendance, Participant
from tests.factories import AgencyFactory, TeamFactory, UserFactory, aware

HELD_ON = dt.date(2025, 3, 4)
CONFERENCE_ON = dt.date(2025, 3, 17)
ATTENDANCE = {
    "attendance_social_care_name": "Sam Worker",
    "attendance_social_care_status": ["invited", "attended"],
}


def date_data(name: str, day: dt.date) -> dict[str, str]:
    return {f"{name}_day": str(day.day), f"{name}_month": str(day.month), f"{name}_year": str(day.year)}


def selected_chair(body: str) -> str:
    """The chair option selected on the page, or "" if none."""
    select = body[body.index('id="id_chair"') : body.index("</select>", body.index('id="id_chair"'))]
    match = re.search(r'<option value="([^"]*)"[^>]*selected', select)
    return match[1] if match else ""


@pytest.fixture
def enquiry(decided_referral, social_worker):
    """A joint section 47 enquiry from 4 March 2025 whose outcome was to convene a conference."""
    discussion = services.strategy_discussion_record(
        actor=social_worker,
        now=aware(2025, 3, 4),
        referral=decided_referral,
        held_on=HELD_ON,
        participants=[
            Participant(name=n, agency_kind=k) for n, k in [("A", "social_care"), ("B", "police"), ("C", "health")]
        ],
        decision=StrategyDecision.S47_JOINT,
    )
    enquiry = discussion.s47
    services.s47_child_seen(
        actor=social_worker, now=aware(2025, 3, 5), enquiry=enquiry, seen_on=dt.date(2025, 3, 5), seen_alone=True
    )
    services.s47_complete(
        actor=social_worker,
        now=aware(2025, 3, 10),
        enquiry=enquiry,
        outcome=S47Outcome.CONFERENCE,
        completed_on=dt.date(2025, 3, 10),
    )
    return enquiry


@pytest.fixture
def plan(enquiry, chair):
    services.initial_conference_record(
        actor=chair,
        now=aware(2025, 3, 17),
        enquiry=enquiry,
        held_on=CONFERENCE_ON,
        chair=chair,
        family_attended=True,
        child_views="",
        decision=ConferenceDecision.PLAN,
        category="PHY",
        attendance=[Attendance(agency_kind="social_care", name="Sam Worker", attended=True)],
    )
    return enquiry.referral.cp_plans.get()


def test_the_review_conference_chair_is_the_signed_in_chair(client, plan, chair):
    client.force_login(chair)

    review = client.get(reverse("conference-review", args=[plan.pk])).content.decode()

    assert selected_chair(review) == str(chair.pk)


def test_the_initial_conference_chair_is_the_signed_in_chair(client, enquiry, chair):
    client.force_login(chair)

    body = client.get(reverse("conference-initial", args=[enquiry.pk])).content.decode()

    assert selected_chair(body) == str(chair.pk)


def test_a_team_manager_recording_it_is_not_offered_as_chair_and_none_is_chosen(client, enquiry, manager, chair):
    client.force_login(manager)

    body = client.get(reverse("conference-initial", args=[enquiry.pk])).content.decode()

    assert selected_chair(body) == ""
    assert f'<option value="{manager.pk}"' not in body and f'<option value="{chair.pk}"' in body


def test_no_plan_with_a_category_still_ticked_is_saved_without_the_category(client, enquiry, chair):
    client.force_login(chair)

    response = client.post(
        reverse("conference-initial", args=[enquiry.pk]),
        {
            **date_data("held_on", CONFERENCE_ON),
            "chair": chair.pk,
            "family_attended": "yes",
            "decision": "no_plan",
            "category": "NEG",  # ticked before the chair chose "No plan"
            **ATTENDANCE,
        },
        follow=True,
    )

    assert "Initial conference recorded" in response.content.decode()
    conference = Conference.objects.get()
    assert (conference.decision, conference.category) == ("no_plan", "")
    assert not enquiry.referral.cp_plans.exists()


def test_ending_the_plan_with_a_category_still_ticked_is_saved_without_the_category(client, plan, chair):
    client.force_login(chair)

    response = client.post(
        reverse("conference-review", args=[plan.pk]),
        {
            **date_data("held_on", dt.date(2025, 6, 16)),
            "chair": chair.pk,
            "family_attended": "no",
            "decision": "end",
            "category": "PHY",
            **ATTENDANCE,
        },
        follow=True,
    )

    assert "Review conference recorded" in response.content.decode()
    review = Conference.objects.get(kind="review")
    assert (review.decision, review.category) == ("end", "")


def participant_row(body: str, i: int) -> str:
    """The HTML of participant row i (0-based), from its legend to the next row's."""
    start = body.index(f'id="id_participant_{i}_name"')
    end = body.find('id="id_participant_', body.index(f'id="id_participant_{i}_view"') + 30)
    return body[start:end]


def test_the_social_care_police_and_health_rows_ask_no_agency_and_hint_a_role_of_their_own(
    client, decided_referral, social_worker
):
    client.force_login(social_worker)

    body = client.get(reverse("strategy-create", args=[decided_referral.pk])).content.decode()

    for i, hint in enumerate(
        ["For example, social worker", "For example, detective constable", "For example, named nurse for safeguarding"]
    ):
        row = participant_row(body, i)
        assert f'name="participant_{i}_agency"' not in row
        assert hint in row
    assert 'name="participant_3_agency"' in body  # "Person 4" still says which agency they are from
    assert body.count("For example, detective constable") == 1


def test_the_fixed_rows_give_their_agency_to_the_service(client, decided_referral, social_worker):
    client.force_login(social_worker)

    response = client.post(
        reverse("strategy-create", args=[decided_referral.pk]),
        {
            **date_data("held_on", HELD_ON),
            "participant_0_name": "Sam Worker",
            "participant_1_name": "DC Holmes",
            "participant_2_name": "Dr Watson",
            "participant_2_role": "Named nurse",
            "participant_3_name": "Ms Head",
            "participant_3_agency": "education",
            "decision": "s47_joint",
            "immediate_protection": "none",
        },
        follow=True,
    )

    assert "Strategy discussion recorded" in response.content.decode()
    discussion = decided_referral.strategy_discussions.get()
    assert sorted(discussion.participants.values_list("name", "agency_kind")) == [
        ("DC Holmes", "police"),
        ("Dr Watson", "health"),
        ("Ms Head", "education"),
        ("Sam Worker", "social_care"),
    ]


def test_a_missing_agency_is_shown_beside_its_own_row(client, decided_referral, social_worker):
    client.force_login(social_worker)

    response = client.post(
        reverse("strategy-create", args=[decided_referral.pk]),
        {
            **date_data("held_on", HELD_ON),
            "participant_0_name": "Sam Worker",
            "participant_2_name": "Dr Watson",
            "decision": "s47_joint",
            "immediate_protection": "none",
        },
    )

    body = response.content.decode()
    assert "Missing: police." in body
    assert 'href="#id_participant_1_name"' in body and 'id="id_participant_1_name_error"' in body
    assert not decided_referral.strategy_discussions.exists()


def test_no_factors_identified_is_the_last_factor(client, decided_referral, social_worker, manager):
    from macpu.casework.services import assessment_start

    assessment = assessment_start(
        actor=social_worker, now=aware(2025, 3, 3), referral=decided_referral, started_on=dt.date(2025, 3, 3)
    )
    client.force_login(manager)

    body = client.get(reverse("assessment-complete", args=[assessment.pk])).content.decode()

    labels = re.findall(r'<label class="govuk-label govuk-checkboxes__label" for="id_factors_\d+">(.*?)</label>', body)
    assert labels[-1] == "No factors identified"
    assert labels.count("No factors identified") == 1 and len(labels) > 40
    assert labels[0] == "Alcohol misuse: child"  # the rest keep the census order


def test_unit_staff_ticked_as_taking_part_in_a_strategy_discussion_see_the_record_for_90_days(
    client, decided_referral, social_worker, team
):
    police = AgencyFactory(name="Demo Constabulary", kind=AgencyKind.POLICE)
    officer = UserFactory(
        first_name="Dana", last_name="Holmes", role=Role.POLICE_OFFICER, agency=police, team=TeamFactory(agency=police)
    )
    child = decided_referral.child
    client.force_login(social_worker)
    page = client.get(reverse("strategy-create", args=[decided_referral.pk])).content.decode()

    response = client.post(
        reverse("strategy-create", args=[decided_referral.pk]),
        {
            **date_data("held_on", HELD_ON),
            "participant_0_name": "Sam Worker",
            "participant_1_name": "DC Holmes",
            "participant_2_name": "Dr Watson",
            "access_for": [officer.pk],
            "decision": "s47_joint",
            "immediate_protection": "none",
        },
        follow=True,
    )

    assert "Dana Holmes, Unit police officer, Demo Constabulary" in page
    assert f'value="{social_worker.pk}"' not in page.split('name="access_for"', 1)[-1].split("</fieldset>")[0]
    assert "Strategy discussion recorded" in response.content.decode()
    invitation = Invitation.objects.get(child=child, user=officer)
    assert (invitation.meeting, invitation.invited_by) == ("strategy", social_worker)
    assert dt.timedelta(days=90) < invitation.ends_at - invitation.starts_at <= dt.timedelta(days=91)
    assert visible_people(officer).filter(pk=child.pk).exists()
    assert AuditEvent.objects.filter(what="invitation", reason__startswith="Dana Holmes took part").exists()
