"""The funnel and measures pages: who may see them, what they show, their CSV files and the small-number rule."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest
from django.urls import reverse

from macpu.agencies.models import LocalAuthority, Role
from macpu.analytics.access import ANALYTICS_ROLES
from macpu.analytics.tests.funnel_scenario import build_scenario
from tests.factories import UserFactory, words

pytestmark = pytest.mark.django_db

PAGES = ["analytics-unit-funnel", "analytics-unit-measures"]
DOWNLOADS = ["analytics-unit-funnel-csv", "analytics-unit-measures-csv"]


@pytest.fixture
def scenario(local_authority, team, manager, chair, social_worker):
    return build_scenario(team, manager, chair, social_worker)


@pytest.fixture
def small_threshold(local_authority):
    LocalAuthority.objects.update(small_cell_threshold=2)


def said(response) -> str:
    """The page's words, spaced as a reader sees them."""
    return re.sub(r"\s+", " ", html.unescape(words(response.content.decode())))


def rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


@pytest.mark.parametrize("role", sorted(ANALYTICS_ROLES))
@pytest.mark.parametrize("name", PAGES + DOWNLOADS)
def test_the_analytics_roles_see_the_unit_pages_and_downloads(client, scenario, team, role, name):
    client.force_login(UserFactory(role=role, team=team))

    response = client.get(reverse(name))

    assert response.status_code == 200


@pytest.mark.parametrize("role", sorted(set(Role) - ANALYTICS_ROLES))
@pytest.mark.parametrize("name", PAGES + DOWNLOADS)
def test_every_other_role_is_refused_with_a_page_holding_no_figures(
    client, scenario, team, small_threshold, role, name
):
    client.force_login(UserFactory(role=role, team=team))

    response = client.get(reverse(name), {"period": "year", "show": "2026-04-01", "breakdown": "source"})

    assert response.status_code == 403
    body = response.content.decode()
    for text in ("Referrals", "Section 47", "Police", "Not shown", "<table", "<svg", "%"):
        assert text not in body


def test_the_home_page_links_to_both_unit_pages(client, local_authority, team):
    client.force_login(UserFactory(role=Role.ANALYST, team=team))

    body = client.get(reverse("analytics-home")).content.decode()

    assert f'href="{reverse("analytics-unit-funnel")}"' in body
    assert f'href="{reverse("analytics-unit-measures")}"' in body


def test_the_funnel_page_shows_each_step_as_a_chart_and_a_table_and_names_no_child(
    client, scenario, team, small_threshold
):
    client.force_login(UserFactory(role=Role.PERFORMANCE_ANALYST, team=team))

    response = client.get(
        reverse("analytics-unit-funnel"), {"period": "year", "show": "2026-04-01", "breakdown": "rag"}
    )

    page = said(response)
    assert "<svg" in response.content.decode()
    assert "Each step, April 2026 to March 2027 Step Number Contacts 2 Referrals 4 Strategy discussions 2" in page
    # Dan's referral, 1, is hidden, and so is the only other, 3; the conference and plan, 1 each, are hidden, and
    # so is their total, so no more need be.
    assert "Red 2 Not shown 0 0 0 0" in page
    assert "No information request 0 Not shown 2 2 Not shown Not shown" in page
    assert "All 2 4 2 2 Not shown Not shown" in page
    for child in ("Ann", "Ben", "Cat", "Dan", "Eve", "Example"):
        assert not re.search(rf"\b{child}\b", page)


def test_the_default_threshold_of_5_hides_every_count_of_this_small_scenario(client, scenario, team):
    client.force_login(UserFactory(role=Role.ANALYST, team=team))

    page = said(client.get(reverse("analytics-unit-funnel"), {"breakdown": "none"}))

    assert "Step Number Contacts Not shown Referrals Not shown" in page
    assert re.search(r"from 1 to 4\b", page)


def test_the_measures_page_compares_groups_with_intervals(client, scenario, team, small_threshold):
    client.force_login(UserFactory(role=Role.TEAM_MANAGER, team=team))

    response = client.get(
        reverse("analytics-unit-measures"),
        {"period": "year", "show": "2025-04-01", "breakdown": "source", "measure": "t_referral"},
    )

    page = said(response)
    assert "Referrals decided within 1 working day: who referred, April 2025 to March 2026" in page
    # Police 2 of 2 against Schools 1 of 1 (hidden); all 3 of 3, Wilson 95% interval 43.9% to 100%.
    assert "Schools Not shown Not shown Not shown" in page
    assert "All 3 3 100.0% 43.9% to 100.0%" in page
    assert "Section 47 enquiries leading to a plan Enquiries finished 2 2 100.0% 34.2% to 100.0%" in page


def test_the_funnel_downloads_hold_the_tables_numbers(client, scenario, team, small_threshold):
    client.force_login(UserFactory(role=Role.PRIVACY_OFFICER, team=team))

    by_group = client.get(
        reverse("analytics-unit-funnel-csv"), {"period": "year", "show": "2025-04-01", "breakdown": "source"}
    )
    over_time = client.get(reverse("analytics-unit-funnel-csv"), {"period": "year", "table": "over-time"})

    assert by_group["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in by_group["Content-Disposition"]
    assert rows(by_group) == [
        ["Who referred", "Contacts", "Referrals", "Strategy discussions", "Section 47 enquiries",
         "Initial child protection conferences", "Child protection plans started"],
        ["Schools", "0", "Not shown", "0", "0", "0", "0"],
        ["Police", "0", "Not shown", "2", "2", "2", "2"],  # hidden too: All less Police would give Schools' 1
        ["All", "0", "3", "2", "2", "2", "2"],
    ]  # fmt: skip
    assert rows(over_time)[1:] == [
        ["April 2025 to March 2026", "0", "3", "2", "2", "2", "2"],
        ["April 2026 to March 2027", "2", "4", "2", "2", "Not shown", "Not shown"],
    ]


def test_the_measures_downloads_hold_the_tables_numbers(client, scenario, team, small_threshold):
    client.force_login(UserFactory(role=Role.ANALYST, team=team))

    every = client.get(reverse("analytics-unit-measures-csv"), {"period": "year", "show": "2025-04-01", "table": "all"})
    groups = client.get(
        reverse("analytics-unit-measures-csv"),
        {"period": "year", "show": "2025-04-01", "breakdown": "none", "measure": "t_referral"},
    )

    assert ["Second or later plans", "0", "2", "0.0", "0.0", "65.8"] in rows(every)
    assert ["Re-referral within 12 months", "Not shown", "Not shown", "", "", ""] in rows(every)  # 1 not re-referred
    assert rows(groups)[-1] == ["All", "3", "3", "100.0", "43.9", "100.0", "", "", ""]


def test_a_choice_that_is_not_offered_falls_back_to_the_default(client, scenario, team):
    client.force_login(UserFactory(role=Role.ANALYST, team=team))

    response = client.get(
        reverse("analytics-unit-measures"), {"period": "decade", "breakdown": "<b>", "show": "x", "measure": "y"}
    )

    assert response.status_code == 200
    assert "Section 47 enquiries leading to a plan: who referred" in said(response)


def test_an_administrator_sets_the_smallest_number_shown_within_its_limits(client, local_authority, team):
    from macpu.agencies.tests.test_local_settings import FORM

    client.force_login(UserFactory(role=Role.ADMINISTRATOR, team=None, agency=team.agency))

    refused = client.post(reverse("local-settings"), {**FORM, "small_cell_threshold": "1"})
    saved = client.post(reverse("local-settings"), {**FORM, "small_cell_threshold": "10"})

    assert "The smallest count analytics shows must be between 2 and 50" in refused.content.decode()
    assert saved.status_code == 302
    assert LocalAuthority.objects.get().small_cell_threshold == 10


@pytest.mark.parametrize("name", PAGES)
def test_with_no_records_yet_the_pages_say_so(client, local_authority, team, name):
    client.force_login(UserFactory(role=Role.ANALYST, team=team))

    response = client.get(reverse(name))

    assert response.status_code == 200
    assert "There are no records to count yet." in said(response)


@pytest.mark.parametrize("name", DOWNLOADS)
def test_with_no_records_yet_a_download_holds_only_its_headings(client, local_authority, team, name):
    client.force_login(UserFactory(role=Role.ANALYST, team=team))

    assert len(rows(client.get(reverse(name)))) == 1
