"""The API for an agency's own system: list its open requests, fetch one, answer it in JSON; every other agency's
requests look as if they did not exist."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from macpu.agencies import api_keys
from macpu.agencies.models import AgencyKind, Role
from macpu.api.tests.conftest import signed_in
from macpu.intake.services import contact_decide
from macpu.mash.models import InformationItem
from macpu.mash.services import information_request_send
from macpu.protection.services import strategy_invite
from tests.factories import AgencyFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db
NOT_FOUND = {"detail": "Not found."}


@pytest.fixture
def police():
    agency = AgencyFactory(name="Demo Constabulary", kind=AgencyKind.POLICE)
    return UserFactory(role=Role.PARTNER_PRACTITIONER, agency=agency, team=TeamFactory(agency=agency))


@pytest.fixture
def asked(contact, social_worker, police):
    return information_request_send(
        actor=social_worker,
        now=timezone.now(),
        contact=contact,
        agency=police.agency,
        people=list(contact.children.order_by("given_name")),
        question="Any call-outs to the address?",
        rag="amber",
        rag_rationale="Domestic abuse reported.",
    )


def test_an_agency_system_lists_fetches_and_answers_its_request_with_an_api_key(
    anonymous, police, administrator, asked
):
    _, key = api_keys.issue(user=police, name="Police records system", days=30, by=administrator, now=timezone.now())
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    ava, leo = asked.people.order_by("given_name")

    listed = anonymous.get("/api/v1/requests/", **auth)
    answered = anonymous.post(
        f"/api/v1/requests/{asked.pk}/answer/",
        {
            "items": [
                {"person_id": ava.pk, "nothing_known": True},
                {
                    "person_id": leo.pk,
                    "occurred_on": "2026-01-10",
                    "kind": "domestic_abuse",
                    "summary": "Called to the address; Leo was present.",
                    "source_reference": "NICHE-9",
                    "lawful_basis": "law_enforcement",
                    "disclosure": "restricted",
                    "restricted_to": ["police_officer", "team_manager"],
                },
            ]
        },
        format="json",
        **auth,
    )
    after = anonymous.get("/api/v1/requests/", **auth)

    assert listed.status_code == 200
    [request] = listed.json()["results"]
    assert (request["id"], request["rag"], request["question"]) == (asked.pk, "amber", "Any call-outs to the address?")
    assert [p["given_name"] for p in request["people"]] == ["Ava", "Leo"]
    assert answered.status_code == 200 and answered.json()["answered_at"]
    assert [(i["nothing_known"], i["kind"], i["restricted_to"]) for i in answered.json()["items"]] == [
        (True, None, []),
        (False, "domestic_abuse", ["police_officer", "team_manager"]),
    ]
    assert after.json() == {"results": []}  # answered: no longer open


def test_a_broken_answer_names_each_field_and_saves_nothing(police, asked):
    ava, leo = asked.people.order_by("given_name")
    client = signed_in(police)

    response = client.post(
        f"/api/v1/requests/{asked.pk}/answer/",
        {"items": [{"person_id": ava.pk, "nothing_known": True}, {"person_id": leo.pk, "kind": "crime"}]},
        format="json",
    )
    stranger = client.post(
        f"/api/v1/requests/{asked.pk}/answer/", {"items": [{"person_id": 987654, "nothing_known": True}]}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "items.1.occurred_on": ["Enter the date of each item."],
        "items.1.summary": ["Say what each item is, in a sentence or two."],
        "items.1.lawful_basis": ["Choose the lawful basis for sharing."],
        "items.1.disclosure": ["Choose who the item may be shared with."],
    }
    assert stranger.json() == {"errors": {"items.0.person_id": ["Answer only about the people you were asked about."]}}
    assert not InformationItem.objects.exists()


def test_another_agency_or_the_unit_gets_not_found_with_nothing_of_the_request(asked, social_worker):
    health = AgencyFactory(name="Demo health", kind=AgencyKind.HEALTH)
    nurse = UserFactory(role=Role.PARTNER_PRACTITIONER, agency=health, team=TeamFactory(agency=health))

    for user in (nurse, social_worker):
        client = signed_in(user)
        responses = [
            client.get(f"/api/v1/requests/{asked.pk}/"),
            client.post(f"/api/v1/requests/{asked.pk}/answer/", {"items": []}, format="json"),
        ]
        assert [(r.status_code, r.json()) for r in responses] == [(404, NOT_FOUND)] * 2
        assert client.get("/api/v1/requests/").json() == {"results": []}


def test_a_request_names_the_strategy_discussion_it_gathers_information_for(contact, social_worker, police, asked):
    """Invited to a strategy discussion, the police's system sees when it is, on the request it already has."""
    [ava_referral, _leo_referral] = contact_decide(
        actor=social_worker,
        now=timezone.now(),
        contact=contact,
        outcome="referral",
        reasons="Domestic abuse with young children.",
        decided_on=timezone.localdate(),
    )
    health = AgencyFactory(name="Demo health visiting", kind=AgencyKind.HEALTH)
    meeting_at = timezone.now() + dt.timedelta(days=1)
    strategy_invite(
        actor=social_worker,
        now=timezone.now(),
        referral=ava_referral,
        meeting_at=meeting_at,
        agencies=[police.agency, health],
        question="Anything new?",
        rag="red",
        rag_rationale="For the discussion.",
    )

    fetched = signed_in(police).get(f"/api/v1/requests/{asked.pk}/")

    assert fetched.status_code == 200
    [invited] = fetched.json()["strategy_discussions"]
    assert invited["held"] is False
    assert dt.datetime.fromisoformat(invited["meeting_at"]) == meeting_at
