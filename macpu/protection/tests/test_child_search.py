"""Find a child: says when there are more matches than shown, reads dates as people write them, and says when a
date of birth is not a real date."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from macpu.intake.models import Urgency
from macpu.intake.services import contact_record
from macpu.protection.tests.conftest import NOW
from tests.factories import PersonFactory


def children_in_a_contact(count: int, social_worker) -> list:
    """`count` children called Example, all born on 4 May 2018, in one contact (so the unit may see them)."""
    children = PersonFactory.create_batch(count)
    contact_record(
        actor=social_worker,
        now=NOW,
        children=children,
        received_on=dt.date(2025, 3, 3),
        referrer_name="Ms Byron",
        referral_source="2A",
        concern="A school trip.",
        urgency=Urgency.SAME_DAY,
        team=social_worker.team,
    )
    return children


@pytest.fixture
def many_children(local_authority, social_worker):
    return children_in_a_contact(51, social_worker)


def search(client, query: str) -> str:
    return client.post(reverse("child-search"), {"q": query}).content.decode()


def test_more_matches_than_shown_says_so_and_how_to_narrow_the_search(client, many_children, social_worker):
    client.force_login(social_worker)

    body = search(client, "example")

    assert "Showing the first 50 children. Add a date of birth or surname to narrow the search." in body
    assert "children found" not in body
    assert body.count('<tr class="govuk-table__row">') == 51  # the header row and 50 children


def test_exactly_as_many_matches_as_shown_are_counted(client, local_authority, social_worker):
    children_in_a_contact(50, social_worker)
    client.force_login(social_worker)

    body = search(client, "example")

    assert "50 children found" in body and "Showing the first" not in body


def test_the_api_search_still_gives_at_most_50_children(client, many_children, social_worker):
    client.force_login(social_worker)

    response = client.post("/api/v1/children/search/", {"q": "example"}, "application/json")

    assert response.status_code == 200 and len(response.json()["results"]) == 50


@pytest.mark.parametrize(
    "query",
    ["4 May 2018", "4 may 2018", "04/05/2018", "2018-05-04", "Lovelace 4 May 2018", "Ada 4 May 2018"],
)
def test_a_date_of_birth_written_out_finds_the_child(client, referral, social_worker, query):
    client.force_login(social_worker)

    body = search(client, query)

    assert "Ada Lovelace" in body and "1 child found" in body


@pytest.mark.parametrize("query", ["21 Mar 2019", "21 March 2019"])
def test_a_month_written_short_or_long_is_the_same_date(client, referral, social_worker, query):
    child = referral.child
    child.date_of_birth = dt.date(2019, 3, 21)
    child.save()
    client.force_login(social_worker)

    assert "Ada Lovelace" in search(client, query)


@pytest.mark.parametrize("query", ["Lovelace, Ada", "lovelace,ada", "Lovelace,"])
def test_surname_comma_first_name_finds_the_child(client, referral, social_worker, query):
    client.force_login(social_worker)

    body = search(client, query)

    assert "Ada Lovelace" in body and "No children match" not in body


@pytest.mark.parametrize(
    ("query", "shown"), [("31/02/2019", "31/02/2019"), ("Ada 31 February 2019", "31 February 2019")]
)
def test_a_date_that_does_not_exist_is_said_to_be_not_a_real_date(client, referral, social_worker, query, shown):
    client.force_login(social_worker)

    body = search(client, query)

    assert f"{shown} is not a real date." in body
    assert 'class="govuk-error-summary"' in body and 'href="#q"' in body
    assert 'aria-describedby="q-hint q-error"' in body
    assert "No children match" not in body and "Ada Lovelace" not in body
    assert "<title>Error: " in body
