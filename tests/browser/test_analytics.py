"""An analyst's questions about targeting, in a real browser, checked with axe.

Sam, an analyst, asks what the articles behind macpu asked: how Hampshire's rate of enquiries compared with its
statistical neighbours in 2020 to 2021, whether the figures moved after a change in practice, and how the unit's
own enquiries turn out. Every page is read through its table (the chart draws the same numbers) and downloads as CSV.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from macpu.agencies.models import LocalAuthority, Role
from macpu.analytics.published import published_import, published_stats_dir
from macpu.analytics.tests.funnel_scenario import build_scenario
from tests.browser.conftest import PASSWORD, fill_date, follow, sign_in, submit
from tests.factories import UserFactory


def downloaded_rows(page, link: str) -> list[list[str]]:
    with page.expect_download() as download:
        page.get_by_role("link", name=link).click()
    return list(csv.reader(io.StringIO(open(download.value.path(), encoding="utf-8").read())))


@pytest.mark.browser
def test_an_analyst_compares_hampshire_with_its_neighbours_evaluates_a_change_and_follows_the_units_enquiries(
    page, staff, axe, team, social_worker, manager, chair
):
    published_import(directory=published_stats_dir(), by="test", now=timezone.now())
    build_scenario(team, manager, chair, social_worker)
    LocalAuthority.objects.update(small_cell_threshold=2)
    sam = UserFactory(role=Role.ANALYST, first_name="Sam", last_name="Analyst", team=team)
    sam.set_password(PASSWORD)
    sam.save()

    # 1. Hampshire beside its five closest neighbours, on the figures as published at the time.
    sign_in(page, axe, sam, lands_on="Analytics")
    follow(page, axe, "Local authorities compared")
    page.get_by_label("Local authority").select_option(label="Hampshire")
    page.get_by_label("Statistical neighbours").select_option(label="April 2021 model")
    submit(page, axe, "Show")
    table = page.get_by_role("table").filter(has_text="by year ending 31 March")
    expect(table.get_by_role("row").filter(has_text="Hampshire")).to_contain_text("211.8")
    expect(table.get_by_role("row").filter(has_text="North Somerset")).to_contain_text("69.6")
    expect(page.locator("figure svg")).to_have_count(1)
    expect(page.get_by_text("Open Government Licence v3.0")).to_be_visible()
    rows = downloaded_rows(page, "Download this table (CSV)")
    hampshire = next(row for row in rows if row[:1] == ["Hampshire"])
    assert "211.8" in hampshire

    # 2. Did Hampshire's enquiries change after April 2016, against its neighbours?
    page.get_by_role("link", name="Analytics", exact=True).first.click()
    follow(page, axe, "Evaluate a change in practice")
    page.get_by_label("Local authority").select_option(label="Hampshire")
    fill_date(page, "When did the change start?", dt.date(2016, 4, 1))
    submit(page, axe, "Evaluate")
    expect(page.get_by_text("Difference in differences").first).to_be_visible()
    expect(page.get_by_role("heading", name="What this assumes")).to_be_visible()
    rows = downloaded_rows(page, "Download these tables (CSV)")
    assert rows[1][1] == "2013 to 2014"

    # 3. The unit's own enquiries, followed to their outcome: no child is named anywhere.
    page.get_by_role("link", name="Analytics", exact=True).first.click()
    follow(page, axe, "Enquiries followed to their outcome")
    page.get_by_label("Period to show").select_option(label="April 2025 to March 2026")
    submit(page, axe, "Show")
    measures = page.get_by_role("table").filter(has_text="Every measure for the whole unit")
    expect(measures.get_by_role("row").filter(has_text="Section 47 enquiries leading to a plan")).to_contain_text(
        "100.0%"
    )
    for child in ("Ann", "Ben", "Cat", "Dan", "Eve"):
        expect(page.get_by_text(child, exact=True)).to_have_count(0)
    axe.assert_clean()
