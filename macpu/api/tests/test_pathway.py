"""The journey of tests/pathway.py with its front door through the API, and every clock read back from the API.

The contact, its decision and the manager's decision are made through /api/v1/ on the days of tests/pathway.py
(Wed 23 Dec 2026 to Tue 29 Dec 2026, across Christmas); the API has no endpoints for the later steps, so they go
through the services as a page would. The child's case is then read through the API on the pathway's "today".
"""

from __future__ import annotations

import pytest

from macpu.api.tests.conftest import contact_body, frozen, signed_in
from macpu.intake.models import Referral
from tests.pathway import EXPECTED_CLOCKS, TODAY, after_the_referral_decision


@pytest.mark.django_db
def test_a_child_taken_from_a_contact_made_through_the_api_to_a_first_review_has_every_clock_right(
    local_authority, social_worker, manager, chair
):
    sibling = {"given_name": "Leo", "family_name": "Example", "date_of_birth": "2023-07-09", "sex": "M"}
    body = contact_body(received_on="2026-12-23")
    body["children"].append(sibling)
    with frozen(2026, 12, 23):
        contact = signed_in(social_worker).post("/api/v1/contacts/", body, format="json")
    with frozen(2026, 12, 24):
        decided = signed_in(social_worker).post(
            f"/api/v1/contacts/{contact.json()['id']}/decision/",
            {"outcome": "referral", "reasons": "Possible physical abuse.", "decided_on": "2026-12-24"},
            format="json",
        )
    ava_referral_id, leo_referral_id = decided.json()["referral_ids"]
    with frozen(2026, 12, 29):
        manager_decision = signed_in(manager).post(
            f"/api/v1/referrals/{ava_referral_id}/decision/",
            {"decision": "strategy", "reasons": "Reasonable cause to suspect harm.", "decided_on": "2026-12-29"},
            format="json",
        )
    assert (contact.status_code, decided.status_code, manager_decision.status_code) == (201, 200, 200)

    ava = Referral.objects.get(pk=ava_referral_id)
    after_the_referral_decision(ava, social_worker=social_worker, manager=manager, chair=chair)
    with frozen(TODAY.year, TODAY.month, TODAY.day):
        api = signed_in(social_worker)  # sessions last a working day: sign in on the day
        ava_case = api.get(f"/api/v1/children/{ava.child_id}/").json()
        leo_case = api.get(f"/api/v1/children/{Referral.objects.get(pk=leo_referral_id).child_id}/").json()

    assert ava_case["stage"] == "Child protection plan"
    assert {c["key"]: (c["due_on"], c["met_on"], c["status"]) for c in ava_case["clocks"]} == {
        key: (due.isoformat(), met.isoformat() if met else None, status)
        for key, (due, met, status) in EXPECTED_CLOCKS.items()
    }
    assert (leo_case["given_name"], leo_case["stage"]) == ("Leo", "Referral awaiting decision")
    assert [(c["key"], c["due_on"], c["status"]) for c in leo_case["clocks"]] == [
        ("referral_decision", "2026-12-24", "overdue")
    ]
