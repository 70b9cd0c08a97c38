"""Who gets an answer: nobody unauthenticated; only unit case roles see children, and out of scope looks absent."""

from __future__ import annotations

import base64

import pytest

from macpu.agencies.models import UNIT_ROLES, Role
from macpu.api.tests.conftest import contact_body, signed_in
from macpu.intake.models import Contact, Referral
from macpu.people.models import Person
from tests.factories import PersonFactory, UserFactory

NOT_SIGNED_IN = {"detail": "Authentication credentials were not provided."}
NOT_FOUND = {"detail": "Not found."}


def _requests(contact):
    child = contact.children.first()
    return [
        ("get", f"/api/v1/children/{child.pk}/", None),
        ("get", "/api/v1/children/?q=Ava", None),
        ("get", f"/api/v1/contacts/{contact.pk}/", None),
        ("post", "/api/v1/contacts/", contact_body()),
        (
            "post",
            f"/api/v1/contacts/{contact.pk}/decision/",
            {"outcome": "referral", "reasons": "Risk of harm.", "decided_on": "2026-05-21"},
        ),
        ("post", "/api/v1/referrals/", {"child_id": child.pk, "received_on": "2026-05-21", "source": "6"}),
        (
            "post",
            "/api/v1/referrals/1/decision/",
            {"decision": "assessment", "reasons": "Needs assessing.", "decided_on": "2026-05-21"},
        ),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("index", range(7))
def test_a_request_without_credentials_gets_a_json_refusal_with_no_data(anonymous, contact, index):
    method, url, body = _requests(contact)[index]
    people, contacts, referrals = Person.objects.count(), Contact.objects.count(), Referral.objects.count()

    response = getattr(anonymous, method)(url, body, format="json")

    assert response.status_code in (401, 403)
    assert response["Content-Type"] == "application/json"
    assert response.json() == NOT_SIGNED_IN
    assert (Person.objects.count(), Contact.objects.count(), Referral.objects.count()) == (people, contacts, referrals)


@pytest.mark.django_db
def test_a_partner_system_can_sign_in_with_basic_authentication(anonymous, social_worker, contact):
    token = base64.b64encode(b"sw:correct horse battery staple").decode()

    response = anonymous.get("/api/v1/children/", {"q": "Sample"}, HTTP_AUTHORIZATION=f"Basic {token}")

    assert response.status_code == 200
    assert [c["given_name"] for c in response.json()["results"]] == ["Ava", "Leo"]


@pytest.mark.django_db
def test_wrong_basic_credentials_are_refused_without_data(anonymous, social_worker, contact):
    token = base64.b64encode(b"sw:wrong password").decode()

    response = anonymous.get("/api/v1/children/", {"q": "Sample"}, HTTP_AUTHORIZATION=f"Basic {token}")

    assert response.status_code in (401, 403)
    assert response.json() == {"detail": "Invalid username/password."}


@pytest.mark.django_db
@pytest.mark.parametrize("role", sorted(UNIT_ROLES))
def test_every_unit_case_role_sees_the_child_and_the_contact(team, contact, role):
    client = signed_in(UserFactory(role=role, team=team, agency=team.agency))
    child = contact.children.get(given_name="Ava")

    child_response = client.get(f"/api/v1/children/{child.pk}/")
    contact_response = client.get(f"/api/v1/contacts/{contact.pk}/")

    assert (child_response.status_code, child_response.json()["given_name"]) == (200, "Ava")
    assert (contact_response.status_code, contact_response.json()["id"]) == (200, contact.pk)


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.ADMINISTRATOR, ""])
def test_a_user_without_a_case_role_gets_the_same_not_found_as_for_a_record_that_does_not_exist(team, contact, role):
    client = signed_in(UserFactory(role=role, team=team, agency=team.agency))
    child = contact.children.get(given_name="Ava")

    responses = [
        client.get(f"/api/v1/children/{child.pk}/"),
        client.get("/api/v1/children/999999/"),
        client.get(f"/api/v1/contacts/{contact.pk}/"),
        client.get("/api/v1/contacts/999999/"),
    ]
    search = client.get("/api/v1/children/", {"q": "Ava"})

    assert [(r.status_code, r.json()) for r in responses] == [(404, NOT_FOUND)] * 4
    assert all(b"Ava" not in r.content and b"Sample" not in r.content for r in responses)
    assert search.json() == {"results": []}


@pytest.mark.django_db
def test_a_person_the_unit_holds_nothing_about_is_not_found_like_one_that_does_not_exist(sw_api):
    stranger = PersonFactory(given_name="Noone")

    responses = [sw_api.get(f"/api/v1/children/{stranger.pk}/"), sw_api.get("/api/v1/children/999999/")]

    assert [(r.status_code, r.json()) for r in responses] == [(404, NOT_FOUND)] * 2


@pytest.mark.django_db
def test_an_id_too_big_for_the_database_is_simply_not_found(sw_api):
    huge = 2**70

    responses = [
        sw_api.get(f"/api/v1/children/{huge}/"),
        sw_api.get(f"/api/v1/contacts/{huge}/"),
        sw_api.post(f"/api/v1/referrals/{huge}/decision/", {}, format="json"),
    ]

    assert [(r.status_code, r.json()) for r in responses] == [(404, NOT_FOUND)] * 3
