"""The performance analyst's census check, in a real browser, checked with axe.

Ava was referred today with her ethnicity left as "not known yet". The analyst finds her on the census page's
records to fix and opens her record; the social worker records her ethnicity; the census is then clean, passes
the Department for Education's own validator, and downloads. Annex A downloads for an inspection date.
"""

from __future__ import annotations

from io import BytesIO

import pytest
from django.utils import timezone
from lxml import etree
from openpyxl import load_workbook
from playwright.sync_api import expect

from macpu.agencies.models import Role
from macpu.returns.views import collection_years
from tests.browser.conftest import PASSWORD, fill_date, follow, go_to, sign_in, sign_out, submit, working_days_ago
from tests.factories import PersonFactory, UserFactory
from tests.test_entry_rules import referral


@pytest.mark.browser
def test_an_analyst_finds_a_record_to_fix_and_sends_a_clean_census(page, staff, axe, team, social_worker, manager):
    today = timezone.localdate()
    ava = referral(
        social_worker,
        manager,
        team,
        decision="assessment",
        on=working_days_ago(today, 1),
        child=PersonFactory(given_name="Ava", family_name="Example", ethnicity=""),
    ).child
    analyst = UserFactory(role=Role.PERFORMANCE_ANALYST, first_name="Pat", last_name="Analyst")
    analyst.set_password(PASSWORD)
    analyst.save()
    this_year = collection_years(today)[0]

    # 1. The analyst lands on the census and picks the year in progress: Ava's missing ethnicity is listed.
    sign_in(page, axe, analyst, lands_on="Children in need census")
    page.get_by_label("Collection year").select_option(str(this_year.year))
    submit(page, axe, "Show this year")
    records = page.get_by_role("table", name="Records to fix")
    expect(records.get_by_role("row").filter(has_text="Ava Example")).to_contain_text("Ethnicity is not recorded")
    follow(page, axe, "Ava Example")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ava Example")
    expect(page.get_by_role("link", name="Change the child's details")).to_have_count(0)  # the analyst reads only
    sign_out(page, axe)

    # 2. The social worker records it on Ava's record.
    sign_in(page, axe, staff.social_worker)
    go_to(page, axe, f"/children/{ava.pk}/")
    follow(page, axe, "Change the child's details (Ava Example)")
    page.get_by_label("Ethnicity").select_option(label="White: British")
    page.get_by_label("No disability").check()
    submit(page, axe, "Save details")
    expect(page.get_by_role("alert")).to_contain_text("Child's details saved")
    sign_out(page, axe)

    # 3. The census is clean, passes the DfE's checks, and downloads with Ava in it.
    sign_in(page, axe, analyst, lands_on="Children in need census")
    go_to(page, axe, f"/returns/cin-census/?year={this_year.year}")
    expect(page.get_by_text("No problems found in the records")).to_be_visible()
    page.get_by_role("button", name="Run the Department for Education's checks").click(timeout=300_000)
    page.wait_for_selector("#dfe-result", timeout=300_000)
    follow_up = page.locator("#dfe-result")
    expect(follow_up).to_contain_text("The return passes the Department for Education's checks")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the return (XML)").click()
    root = etree.fromstring(download.value.path().read_bytes())
    assert root.xpath("Children/Child/ChildIdentifiers/LAchildID/text()") == [ava.la_child_id]

    # 4. Annex A: a date that does not exist is explained; then the workbook downloads with its seven lists.
    follow(page, axe, "Ofsted Annex A")
    fill_date(page, "Inspection date", today.replace(day=1))
    page.get_by_label("Month", exact=True).fill("13")
    submit(page, axe, "Download Annex A (Excel)")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Inspection date must be a real date")
    fill_date(page, "Inspection date", today)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download Annex A (Excel)").click()
    workbook = load_workbook(BytesIO(download.value.path().read_bytes()), read_only=True)
    assert workbook.sheetnames == [f"List {n}" for n in range(1, 8)]
    referrals = [row[0] for row in workbook["List 3"].iter_rows(min_row=2, values_only=True)]
    assert referrals == [ava.la_child_id]

    print("Pages checked with axe:", *axe.pages, sep="\n  ")
    axe.assert_clean()
