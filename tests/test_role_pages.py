"""The pages offer each step only to the roles that may record it, and a refused post writes nothing and says why."""

from __future__ import annotations

import datetime as dt
from unittest.mock import patch

import pytest
from django.urls import reverse

from macpu.agencies.models import Role
from macpu.intake.models import Contact
from macpu.intake.services import contact_record
from macpu.protection.models import StatutoryVisit
from tests.factories import PersonFactory, UserFactory, aware
from tests.test_entry_rules import enquiry, plan, referral

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("local_authority")]

TODAY = dt.date(2027, 1, 20)  # a Wednesday, after the plan below started on Mon 11 Jan 2027
RECORDING_PAGES = [
    "referral-decide",
    "referral-allocate",
    "assessment-start",
    "strategy-create",
    "core-group-create",
    "visit-create",
    "conference-review",
    "plan-end",
    "episode-close",
]


@pytest.fixture
def frozen():
    with patch("django.utils.timezone.now", return_value=aware(TODAY.year, TODAY.month, TODAY.day)):
        yield


@pytest.fixture
def cp_plan(social_worker, manager, chair, team):
    """A child on a child protection plan: every social care step and the review conference are open to someone."""
    return plan(social_worker, chair, referral(social_worker, manager, team))


def date_data(name: str, day: dt.date) -> dict[str, str]:
    return {f"{name}_day": str(day.day), f"{name}_month": str(day.month), f"{name}_year": str(day.year)}


def child_page(client, user, child_id: int) -> str:
    client.force_login(user)
    response = client.get(reverse("child-detail", args=[child_id]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("role", [Role.POLICE_OFFICER, Role.HEALTH_PRACTITIONER, Role.EDUCATION_LEAD])
def test_a_partner_agency_officer_sees_the_childs_page_but_no_recording_links(client, frozen, cp_plan, team, role):
    child = cp_plan.referral.child

    body = child_page(client, UserFactory(role=role, team=team, agency=team.agency), child.pk)

    assert child.full_name in body and "Child protection plan" in body
    for label in ("Record visit", "Record core group", "Record review conference", "End plan", "Start assessment"):
        assert label not in body
    for name in RECORDING_PAGES:
        for pk in (cp_plan.pk, cp_plan.referral_id):
            assert f'href="{reverse(name, args=[pk])}"' not in body, name


def test_the_social_worker_is_offered_the_plan_steps_but_not_the_conference(client, frozen, cp_plan, social_worker):
    body = child_page(client, social_worker, cp_plan.referral.child_id)

    assert f'href="{reverse("visit-create", args=[cp_plan.pk])}"' in body
    assert "Record core group" in body and "End plan" in body
    assert "Record review conference" not in body


def test_a_conference_chair_is_offered_only_the_conference_steps(client, frozen, cp_plan, chair):
    body = child_page(client, chair, cp_plan.referral.child_id)

    assert f'href="{reverse("conference-review", args=[cp_plan.pk])}"' in body
    for label in ("Record visit", "Record core group", "End plan", "Start assessment"):
        assert label not in body
    for name in RECORDING_PAGES:
        if name != "conference-review":
            for pk in (cp_plan.pk, cp_plan.referral_id):
                assert f'href="{reverse(name, args=[pk])}"' not in body, name


def test_a_conference_chair_is_offered_the_initial_conference_the_enquiry_convened(
    client, frozen, social_worker, manager, chair, team
):
    s47 = enquiry(social_worker, referral(social_worker, manager, team))

    body = child_page(client, chair, s47.referral.child_id)

    assert f'href="{reverse("conference-initial", args=[s47.pk])}"' in body
    assert "Record strategy discussion" not in body and "Start assessment" not in body


def test_a_police_officer_opening_or_posting_a_visit_is_refused_and_nothing_is_written(client, frozen, cp_plan, team):
    client.force_login(UserFactory(role=Role.POLICE_OFFICER, team=team, agency=team.agency))
    data = {**date_data("visited_on", TODAY), "child_seen": "yes", "child_seen_alone": "yes"}

    page = client.get(reverse("visit-create", args=[cp_plan.pk]))
    response = client.post(reverse("visit-create", args=[cp_plan.pk]), data)

    assert (page.status_code, response.status_code) == (403, 403)
    for body in (page.content.decode(), response.content.decode()):
        assert "You do not have permission" in body and cp_plan.referral.child.given_name not in body
    assert not StatutoryVisit.objects.exists()


def test_the_same_visit_posted_by_the_social_worker_is_recorded(client, frozen, cp_plan, social_worker):
    client.force_login(social_worker)
    data = {**date_data("visited_on", TODAY), "child_seen": "yes", "child_seen_alone": "yes"}

    response = client.post(reverse("visit-create", args=[cp_plan.pk]), data, follow=True)

    assert "Visit recorded" in response.content.decode()
    assert StatutoryVisit.objects.filter(plan=cp_plan, visited_on=TODAY).count() == 1


def test_a_police_officer_can_record_a_contact_but_not_decide_it(client, frozen, social_worker, team):
    officer = UserFactory(role=Role.POLICE_OFFICER, team=team, agency=team.agency)
    contact = contact_record(
        actor=officer,
        now=aware(TODAY.year, TODAY.month, TODAY.day),
        children=[PersonFactory()],
        received_on=TODAY,
        referrer_name="PC Lee",
        referral_source="6",
        concern="Domestic abuse call-out.",
        urgency="same_day",
        team=team,
    )
    client.force_login(officer)

    page = client.get(reverse("contact-detail", args=[contact.pk]))
    response = client.post(
        reverse("contact-decide", args=[contact.pk]),
        {"outcome": "referral", "reasons": "Needs a response.", **date_data("decided_on", TODAY)},
    )

    assert page.status_code == 200 and "Domestic abuse call-out." in page.content.decode()
    assert "Decide what happens next" not in page.content.decode()
    assert response.status_code == 403
    contact.refresh_from_db()
    assert contact.outcome == "" and not contact.referrals.exists()
    assert Contact.objects.count() == 1
