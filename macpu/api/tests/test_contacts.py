"""POST /api/v1/contacts/, GET /api/v1/contacts/{id}/ and POST /api/v1/contacts/{id}/decision/."""

from __future__ import annotations

import pytest

from macpu.agencies.models import Role
from macpu.api.tests.conftest import contact_body, frozen, signed_in
from macpu.chronology.models import Event
from macpu.intake.models import Contact, Referral
from macpu.people.models import Household, Person, Relationship
from tests.factories import UserFactory


def _rows() -> dict[str, int]:
    models = (Person, Household, Relationship, Contact, Referral, Event)
    return {model.__name__: model.objects.count() for model in models}


NOTHING = {"Person": 0, "Household": 0, "Relationship": 0, "Contact": 0, "Referral": 0, "Event": 0}


@pytest.mark.django_db
def test_a_social_worker_records_a_contact_with_its_household(sw_api, team):
    with frozen(2026, 5, 21):
        response = sw_api.post("/api/v1/contacts/", contact_body(), format="json")

    assert response.status_code == 201
    body = response.json()
    ava = Person.objects.get(given_name="Ava")
    assert body == {
        "id": Contact.objects.get().pk,
        "received_on": "2026-05-21",
        "address": "1 Example Road, Demo Town",
        "postcode": "ZZ1 1ZZ",
        "children": [
            {
                "id": ava.pk,
                "identifier": f"MAC{ava.pk:07d}",
                "given_name": "Ava",
                "family_name": "Example",
                "known_as": "",
                "date_of_birth": "2021-03-02",
                "expected_date_of_birth": None,
                "sex": "F",
                "sex_label": "Female",
                "ethnicity": "WBRI",
                "ethnicity_label": "White: British",
            }
        ],
        "referrer_name": "Ms Head",
        "referrer_role": "Headteacher",
        "referral_source": "2A",
        "referral_source_label": "Schools",
        "concern": "Ava came to school with bruising to her arm.",
        "urgency": "same_day",
        "urgency_label": "Same day",
        "team": team.name,
        "outcome": None,
        "outcome_label": None,
        "outcome_reasons": "",
        "decided_on": None,
        "referral_ids": [],
    }
    # Ava and her mother, Jo; one relationship (Jo is Ava's parent); the contact's event on Ava's timeline.
    assert _rows() == {"Person": 2, "Household": 1, "Relationship": 1, "Contact": 1, "Referral": 0, "Event": 1}


@pytest.mark.django_db
def test_an_unborn_child_can_be_recorded_with_an_expected_date_of_birth(sw_api):
    unborn = {"given_name": "Baby", "family_name": "Example", "expected_date_of_birth": "2026-08-01", "sex": "U"}

    with frozen(2026, 5, 21):
        response = sw_api.post("/api/v1/contacts/", contact_body(children=[unborn], adults=[]), format="json")

    assert response.status_code == 201
    child = response.json()["children"][0]
    assert (child["date_of_birth"], child["expected_date_of_birth"], child["ethnicity"]) == (None, "2026-08-01", None)


@pytest.mark.django_db
def test_a_household_rule_broken_answers_400_naming_each_field_and_writes_nothing(sw_api):
    children = [
        {"given_name": "Ava", "family_name": "Example", "sex": "F"},
        {"given_name": " ", "family_name": "Example", "sex": "X", "date_of_birth": "2027-01-01"},
    ]
    adults = [{"given_name": "Jo", "family_name": "Example", "sex": "F", "relationship": "neighbour"}]

    with frozen(2026, 5, 21):
        response = sw_api.post("/api/v1/contacts/", contact_body(children=children, adults=adults), format="json")

    assert response.status_code == 400
    assert response.json() == {
        "errors": {
            "children.1.given_name": ["Enter a first name."],
            "children.1.sex": ["Choose male, female or not known."],
            "children.1.date_of_birth": ["The date of birth cannot be in the future."],
            "adults.0.relationship": ["Choose what this adult is to the children."],
        }
    }
    assert _rows() == NOTHING


@pytest.mark.django_db
def test_a_contact_rule_broken_after_the_household_is_valid_writes_nothing_at_all(sw_api):
    body = contact_body(received_on="2026-05-22", concern="  ", referral_source="99", urgency="whenever")

    with frozen(2026, 5, 21):
        response = sw_api.post("/api/v1/contacts/", body, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "errors": {
            "received_on": ["The date the contact was received cannot be in the future."],
            "referral_source": ["Choose who made the referral from the list."],
            "concern": ["Enter the concern, in the referrer's words."],
            "urgency": ["Choose how urgent the concern is."],
        }
    }
    assert _rows() == NOTHING  # the household recorded first was rolled back with the contact


@pytest.mark.django_db
def test_input_that_cannot_be_parsed_answers_400_naming_the_field_and_writes_nothing(sw_api):
    body = contact_body(received_on="21/05/2026", children=[{"given_name": "Ava", "date_of_birth": "soon"}])
    del body["urgency"]

    response = sw_api.post("/api/v1/contacts/", body, format="json")

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {
        "received_on",
        "children.0.family_name",
        "children.0.date_of_birth",
        "children.0.sex",
        "urgency",
    }
    assert errors["urgency"] == ["This field is required."]
    assert _rows() == NOTHING


@pytest.mark.django_db
def test_a_body_that_is_not_json_answers_400_or_415_without_writing(sw_api):
    broken = sw_api.post("/api/v1/contacts/", "{not json", content_type="application/json")
    form = sw_api.post("/api/v1/contacts/", {"address": "1 Example Road"})

    assert broken.status_code == 400
    assert list(broken.json()["errors"]) == ["non_field_errors"]
    assert form.status_code == 415
    assert _rows() == NOTHING


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["chair in no team", "administrator", "no role"])
def test_only_unit_staff_in_a_team_can_record_a_contact(chair, team, who):
    user = {
        "chair in no team": chair,
        "administrator": UserFactory(role=Role.ADMINISTRATOR, team=team, agency=team.agency),
        "no role": UserFactory(role="", team=team, agency=team.agency),
    }[who]

    with frozen(2026, 5, 21):
        response = signed_in(user).post("/api/v1/contacts/", contact_body(), format="json")

    assert response.status_code == 403
    assert response.json() == {"detail": "Only unit staff in a team can record contacts and referrals."}
    assert _rows() == NOTHING


@pytest.mark.django_db
def test_a_contact_can_be_read_back(sw_api, contact):
    response = sw_api.get(f"/api/v1/contacts/{contact.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["referral_source"], body["referral_source_label"]) == (contact.pk, "6", "Police")
    assert [c["given_name"] for c in body["children"]] == ["Ava", "Leo"]
    assert (body["outcome"], body["referral_ids"]) == (None, [])


@pytest.mark.django_db
def test_a_social_worker_decides_a_contact_as_a_referral_for_each_child(sw_api, contact):
    with frozen(2026, 5, 22):
        response = sw_api.post(
            f"/api/v1/contacts/{contact.pk}/decision/",
            {"outcome": "referral", "reasons": "Risk of harm.", "decided_on": "2026-05-22"},
            format="json",
        )

    assert response.status_code == 200
    body = response.json()
    referrals = Referral.objects.filter(contact=contact)
    assert (body["outcome"], body["outcome_label"], body["decided_on"]) == (
        "referral",
        "Referral to children's social care",
        "2026-05-22",
    )
    assert body["referral_ids"] == sorted(r.pk for r in referrals)
    assert sorted(r.child.given_name for r in referrals) == ["Ava", "Leo"]


@pytest.mark.django_db
def test_a_contact_decided_with_no_further_action_opens_no_referral(sw_api, contact):
    with frozen(2026, 5, 22):
        response = sw_api.post(
            f"/api/v1/contacts/{contact.pk}/decision/",
            {"outcome": "nfa", "reasons": "Parents acted protectively.", "decided_on": "2026-05-21"},
            format="json",
        )

    assert response.status_code == 200
    assert (response.json()["outcome"], response.json()["referral_ids"]) == ("nfa", [])
    assert Referral.objects.count() == 0


@pytest.mark.django_db
def test_a_bad_decision_answers_400_naming_each_field_and_changes_nothing(sw_api, contact):
    with frozen(2026, 5, 22):
        response = sw_api.post(
            f"/api/v1/contacts/{contact.pk}/decision/",
            {"outcome": "maybe", "reasons": "", "decided_on": "2026-05-20"},
            format="json",
        )

    assert response.status_code == 400
    assert response.json() == {
        "errors": {
            "outcome": ["Choose what happens next."],
            "reasons": ["Give the reasons for the decision."],
            "decided_on": ["The decision date must be on or after the date the contact was received (21 May 2026)."],
        }
    }
    contact.refresh_from_db()
    assert (contact.outcome, contact.decided_on, Referral.objects.count()) == ("", None, 0)


@pytest.mark.django_db
def test_a_contact_cannot_be_decided_twice(sw_api, contact):
    body = {"outcome": "referral", "reasons": "Risk of harm.", "decided_on": "2026-05-22"}
    with frozen(2026, 5, 22):
        sw_api.post(f"/api/v1/contacts/{contact.pk}/decision/", body, format="json")
        again = sw_api.post(f"/api/v1/contacts/{contact.pk}/decision/", body, format="json")

    assert again.status_code == 400
    assert again.json()["errors"]["outcome"][0] == "This contact has already been decided."
    assert Referral.objects.count() == 2


@pytest.mark.django_db
def test_deciding_a_contact_that_does_not_exist_is_not_found(sw_api):
    response = sw_api.post(
        "/api/v1/contacts/999999/decision/",
        {"outcome": "nfa", "reasons": "x", "decided_on": "2026-05-22"},
        format="json",
    )

    assert (response.status_code, response.json()) == (404, {"detail": "Not found."})
