"""In the browser: a social worker opens the possible matches, reads why an agency record may be a child's (each
detail's part in the score, as a table and as a chart), and decides that it is."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from macpu.people.models import AgencyRecord
from tests.agency_records import agency_record, review_pair
from tests.browser.conftest import check_axe, follow, sign_in, submit
from tests.factories import police_notification

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_social_worker_reviews_a_possible_match_and_sees_why_it_may_be_the_child(page, staff, axe):
    ava = police_notification(staff.social_worker, staff.social_worker.team, timezone.now() - dt.timedelta(days=2))
    child = ava.children.get()
    record = agency_record(staff.social_worker, source="health", record_id="RX-2210", first_name="Avah")
    review_pair(child, record=record, probability=0.73)

    sign_in(page, axe, staff.social_worker)
    follow(page, axe, "Possible matches")
    expect(page.get_by_role("heading", name="Possible matches to review")).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text("73%")
    follow(page, axe, "Avah Sample and Ava Sample")

    expect(page.get_by_role("heading", name="Why these records may be the same person")).to_be_visible()
    why = page.get_by_role("table", name="Each detail's part in the score")
    expect(why.get_by_role("row", name="First name")).to_contain_text("+6.1")
    expect(why.get_by_role("row", name="Address")).to_contain_text("Towards different people")
    chart = page.get_by_role("img", name="Waterfall chart of the match weight")
    expect(chart).to_be_visible()
    expect(chart.locator("rect")).to_have_count(8)
    expect(page.get_by_text("RX-2210")).to_be_visible()
    check_axe(page, axe)

    page.get_by_label("Why (optional)").fill("The health visitor confirmed the date of birth.")
    submit(page, axe, "They are the same person")

    expect(page.get_by_role("alert")).to_contain_text("Decided: the agency record is Ava Sample's")
    expect(page.get_by_text("There are no possible matches for you to review.")).to_be_visible()
    record.refresh_from_db()
    assert record.person == child and record.link_confirmed_by == staff.social_worker
    assert AgencyRecord.objects.get(pk=record.pk).record_id == "RX-2210"
    axe.assert_clean()
