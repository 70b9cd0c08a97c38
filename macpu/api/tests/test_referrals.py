"""POST /api/v1/referrals/ and POST /api/v1/referrals/{id}/decision/."""

from __future__ import annotations

import pytest

from macpu.agencies.models import Role
from macpu.api.tests.conftest import D, frozen, signed_in
from macpu.intake.models import Referral
from macpu.intake.services import contact_decide
from tests.factories import PersonFactory, UserFactory, aware

NOT_FOUND = {"detail": "Not found."}


@pytest.fixture
def known_child(contact, social_worker):
    """Ava, known to the unit from a contact that ended in advice: no open case."""
    contact_decide(
        actor=social_worker,
        now=aware(2026, 5, 21),
        contact=contact,
        outcome="advice",
        reasons="Advice given to the family.",
        decided_on=D(2026, 5, 21),
    )
    return contact.children.get(given_name="Ava")


@pytest.fixture
def referral(contact, social_worker):
    """Ava's referral, opened by the contact's decision on Fri 22 May 2026, awaiting a manager's decision."""
    referrals = contact_decide(
        actor=social_worker,
        now=aware(2026, 5, 22),
        contact=contact,
        outcome="referral",
        reasons="Risk of harm.",
        decided_on=D(2026, 5, 22),
    )
    return next(r for r in referrals if r.child.given_name == "Ava")


@pytest.mark.django_db
def test_a_referral_received_directly_opens_an_episode_for_a_known_child(sw_api, known_child, team):
    with frozen(2026, 5, 22):
        response = sw_api.post(
            "/api/v1/referrals/",
            {"child_id": known_child.pk, "received_on": "2026-05-22", "source": "3A"},
            format="json",
        )

    assert response.status_code == 201
    referral = Referral.objects.get()
    assert response.json() == {
        "id": referral.pk,
        "child_id": known_child.pk,
        "contact_id": None,
        "received_on": "2026-05-22",
        "source": "3A",
        "source_label": "Health services: GP",
        "primary_need": "N0",
        "primary_need_label": "Not stated",
        "team": team.name,
        "allocated_worker": None,
        "decision": None,
        "decision_label": None,
        "decision_reasons": "",
        "decided_on": None,
        "closed_on": None,
        "closure_reason": None,
        "closure_reason_label": None,
    }


@pytest.mark.django_db
def test_a_referral_for_a_child_the_user_cannot_see_is_not_found_like_a_child_that_does_not_exist(sw_api):
    stranger = PersonFactory()  # on the person index, but nothing the unit holds is about them

    with frozen(2026, 5, 22):
        responses = [
            sw_api.post(
                "/api/v1/referrals/", {"child_id": child_id, "received_on": "2026-05-22", "source": "3A"}, format="json"
            )
            for child_id in (stranger.pk, 999999)
        ]

    assert [(r.status_code, r.json()) for r in responses] == [(404, NOT_FOUND)] * 2
    assert Referral.objects.count() == 0


@pytest.mark.django_db
def test_a_bad_referral_answers_400_naming_each_field_and_writes_nothing(sw_api, known_child):
    with frozen(2026, 5, 22):
        response = sw_api.post(
            "/api/v1/referrals/",
            {"child_id": known_child.pk, "received_on": "2026-05-23", "source": "11"},
            format="json",
        )

    assert response.status_code == 400
    assert response.json() == {
        "errors": {
            "received_on": ["The referral date cannot be in the future."],
            "source": ["Choose who made the referral from the list."],
        }
    }
    assert Referral.objects.count() == 0


@pytest.mark.django_db
def test_a_second_open_episode_is_refused_on_the_child_id_field(sw_api, referral):
    with frozen(2026, 5, 22):
        response = sw_api.post(
            "/api/v1/referrals/",
            {"child_id": referral.child_id, "received_on": "2026-05-22", "source": "6"},
            format="json",
        )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["child_id"]
    assert "already has an open case" in response.json()["errors"]["child_id"][0]
    assert Referral.objects.count() == 2  # Ava's and Leo's, from the contact


@pytest.mark.django_db
def test_a_police_officer_cannot_record_a_referral_and_nothing_is_written(known_child, team):
    officer = UserFactory(role=Role.POLICE_OFFICER, team=team, agency=team.agency)
    events = known_child.events.count()

    with frozen(2026, 5, 22):
        response = signed_in(officer).post(
            "/api/v1/referrals/",
            {"child_id": known_child.pk, "received_on": "2026-05-22", "source": "6"},
            format="json",
        )

    assert response.status_code == 400
    assert response.json() == {
        "errors": {"non_field_errors": ["Only children's social care staff can record a referral."]}
    }
    assert (Referral.objects.count(), known_child.events.count()) == (0, events)


@pytest.mark.django_db
def test_a_child_id_that_is_not_a_number_answers_400(sw_api):
    response = sw_api.post(
        "/api/v1/referrals/", {"child_id": "MAC0000001", "received_on": "2026-05-22", "source": "6"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"errors": {"child_id": ["A valid integer is required."]}}


@pytest.mark.django_db
def test_a_manager_decides_a_referral(manager_api, referral, manager):
    with frozen(2026, 5, 22, 16):
        response = manager_api.post(
            f"/api/v1/referrals/{referral.pk}/decision/",
            {"decision": "assessment", "reasons": "Needs a full assessment.", "decided_on": "2026-05-22"},
            format="json",
        )

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["decision"], body["decision_label"], body["decided_on"], body["closed_on"]) == (
        referral.pk,
        "assessment",
        "Child and family assessment",
        "2026-05-22",
        None,
    )
    referral.refresh_from_db()
    assert (referral.decision, referral.decided_by) == ("assessment", manager)


@pytest.mark.django_db
def test_no_further_action_closes_the_episode_on_the_decision_date(manager_api, referral):
    with frozen(2026, 5, 26):
        response = manager_api.post(
            f"/api/v1/referrals/{referral.pk}/decision/",
            {"decision": "nfa", "reasons": "Safe.", "decided_on": "2026-05-26"},
            format="json",
        )

    assert response.status_code == 200
    assert (response.json()["closed_on"], response.json()["closure_reason"]) == ("2026-05-26", "RC7")


@pytest.mark.django_db
def test_a_social_worker_cannot_decide_a_referral_and_nothing_changes(sw_api, referral):
    with frozen(2026, 5, 22, 16):
        response = sw_api.post(
            f"/api/v1/referrals/{referral.pk}/decision/",
            {"decision": "assessment", "reasons": "Needs assessing.", "decided_on": "2026-05-22"},
            format="json",
        )

    assert response.status_code == 400
    assert response.json() == {"errors": {"decision": ["Only a team manager can decide a referral."]}}
    referral.refresh_from_db()
    assert (referral.decision, referral.decided_on) == ("", None)


@pytest.mark.django_db
def test_a_bad_referral_decision_answers_400_naming_each_field(manager_api, referral):
    with frozen(2026, 5, 22, 16):
        response = manager_api.post(
            f"/api/v1/referrals/{referral.pk}/decision/",
            {"decision": "later", "reasons": " ", "decided_on": "2026-05-21"},
            format="json",
        )

    assert response.status_code == 400
    assert response.json() == {
        "errors": {
            "decision": ["Choose the response to the referral."],
            "reasons": ["Give the reasons for the decision."],
            "decided_on": ["The decision date must be on or after the referral date (22 May 2026)."],
        }
    }
    referral.refresh_from_db()
    assert referral.decision == ""


@pytest.mark.django_db
def test_deciding_a_referral_the_user_cannot_see_is_not_found(team, referral):
    outsider = signed_in(UserFactory(role=Role.ADMINISTRATOR, team=team, agency=team.agency))

    response = outsider.post(
        f"/api/v1/referrals/{referral.pk}/decision/",
        {"decision": "nfa", "reasons": "x", "decided_on": "2026-05-22"},
        format="json",
    )

    assert (response.status_code, response.json()) == (404, NOT_FOUND)
    referral.refresh_from_db()
    assert referral.decision == ""
