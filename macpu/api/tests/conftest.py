"""Fixtures for the API endpoint tests: signed-in clients, a frozen clock, and a household's contact."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from unittest.mock import patch

import pytest
from rest_framework.test import APIClient

from macpu.agencies.models import Role
from macpu.intake.models import Contact
from macpu.intake.services import contact_record
from macpu.people.services import PersonDetails, household_record
from tests.factories import UserFactory, aware

D = dt.date


@contextmanager
def frozen(year: int, month: int, day: int, hour: int = 12):
    """Every `timezone.now()` in the request (the view's `now`, and so its `today`) is this moment in England."""
    with patch("django.utils.timezone.now", return_value=aware(year, month, day, hour)):
        yield


def signed_in(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def anonymous() -> APIClient:
    return APIClient()


@pytest.fixture
def sw_api(social_worker) -> APIClient:
    return signed_in(social_worker)


@pytest.fixture
def manager_api(manager) -> APIClient:
    return signed_in(manager)


@pytest.fixture
def administrator(team):
    return UserFactory(username="admin1", role=Role.ADMINISTRATOR, team=team, agency=team.agency)


def contact_body(**overrides) -> dict:
    """A valid contact as a partner system sends it: one child, one parent, a school's concern."""
    body = {
        "received_on": "2026-05-21",
        "address": "1 Example Road, Demo Town",
        "postcode": "zz1 1zz",
        "children": [
            {
                "given_name": "Ava",
                "family_name": "Example",
                "date_of_birth": "2021-03-02",
                "sex": "F",
                "ethnicity": "WBRI",
            }
        ],
        "adults": [{"given_name": "Jo", "family_name": "Example", "sex": "F", "relationship": "parent"}],
        "referrer_name": "Ms Head",
        "referrer_role": "Headteacher",
        "referral_source": "2A",
        "concern": "Ava came to school with bruising to her arm.",
        "urgency": "same_day",
    }
    body.update(overrides)
    return body


@pytest.fixture
def contact(social_worker, team) -> Contact:
    """A contact about Ava and Leo, recorded through the services on Thu 21 May 2026, not yet decided."""
    now = aware(2026, 5, 21)
    people = household_record(
        actor=social_worker,
        now=now,
        address="2 Sample Street",
        postcode="ZZ2 2ZZ",
        children=[
            PersonDetails(given_name="Ava", family_name="Sample", sex="F", date_of_birth=D(2021, 3, 2)),
            PersonDetails(given_name="Leo", family_name="Sample", sex="M", date_of_birth=D(2023, 7, 9)),
        ],
    )
    return contact_record(
        actor=social_worker,
        now=now,
        children=people.children,
        household=people.household,
        received_on=D(2026, 5, 21),
        referrer_name="PC Lee",
        referral_source="6",
        concern="Domestic abuse call-out.",
        urgency="same_day",
        team=team,
    )
