"""In the browser: a social worker types a child's details on the contact form and sees who is already known, with
how likely each is the same child, before saving anything; the "Check for people already known" button does the
same by sending the form."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from macpu.intake.services import contact_record
from macpu.people.models import LinkageRun
from macpu.people.services import PersonDetails, household_record
from tests.browser.conftest import check_axe, fieldset, fill_date, go_to, sign_in, submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MODEL = json.loads((Path(__file__).parent.parent.parent / "macpu/people/tests/data/intake_model.json").read_text())


def test_typing_a_childs_details_shows_the_child_already_known(page, staff, axe):
    now = timezone.now()
    LinkageRun.objects.create(started_at=now, finished_at=now, threshold=0.9, model=MODEL)
    people = household_record(
        actor=staff.social_worker,
        now=now,
        address="12 Orchard Close, Testbury",
        postcode="ZZ1 4QP",
        children=[
            PersonDetails(given_name="William", family_name="Hartley", sex="M", date_of_birth=dt.date(2015, 3, 2))
        ],
    )
    contact_record(
        actor=staff.social_worker,
        now=now,
        children=people.children,
        household=people.household,
        received_on=timezone.localdate(now),
        referrer_name="Ms Head",
        referral_source="2A",
        concern="Bruising.",
        urgency="same_day",
        team=staff.social_worker.team,
    )

    sign_in(page, axe, staff.social_worker)
    go_to(page, axe, reverse("contact-create"))
    page.get_by_label("Household address").fill("12 Orchard Close")
    child = fieldset(page, "Child 1")
    child.get_by_label("First name").fill("Billy")  # his nickname
    child.get_by_label("Last name").fill("Hartley")
    fill_date(child, "Date of birth", dt.date(2015, 2, 3))  # day and month the other way round

    matches = page.locator("#child-0-matches")
    expect(matches.get_by_role("table")).to_be_visible()
    expect(matches.get_by_role("row").nth(1)).to_contain_text("William Hartley")
    expect(matches.get_by_role("row").nth(1)).to_contain_text("2 March 2015")
    expect(matches.get_by_role("row").nth(1)).to_contain_text(" likely the same child")
    check_axe(page, axe)

    # The button sends the form without saving it: the same list comes back, and what was typed stays.
    submit(page, axe, "Check for people already known who may be child 1")
    expect(page.locator("#child-0-matches")).to_contain_text("William Hartley")
    expect(fieldset(page, "Child 1").get_by_label("First name")).to_have_value("Billy")
    expect(page.locator(".govuk-error-summary")).to_have_count(0)
    axe.assert_clean()
