"""In the browser: the unit's social worker asks the police about a household; the police's practitioner answers,
marking one item restricted; the social worker sees the answer without it, and a unit police officer sees it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from macpu.agencies.models import AgencyKind, Role
from macpu.intake.services import contact_record
from macpu.people.services import PersonDetails, household_record
from tests.browser.conftest import PASSWORD, choose, fieldset, fill_date, follow, go_to, sign_in, sign_out, submit
from tests.factories import AgencyFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SECRET = "Intelligence of violence to a previous partner"


def test_the_unit_asks_the_police_who_answer_and_each_sees_what_the_marker_allows(page, staff, axe):
    now = timezone.now()
    people = household_record(
        actor=staff.social_worker,
        now=now,
        address="3 Sample Street",
        postcode="ZZ3 3ZZ",
        children=[PersonDetails(given_name="Ava", family_name="Sample", sex="F", date_of_birth=dt.date(2023, 3, 2))],
        adults=[PersonDetails(given_name="Kai", family_name="Other", sex="M")],
        adult_relationships=["partner_of_parent"],
    )
    contact = contact_record(
        actor=staff.social_worker,
        now=now,
        children=people.children,
        household=people.household,
        received_on=timezone.localdate(now),
        referrer_name="PC Lee",
        referral_source="6",
        concern="Police called to a domestic incident; Ava was in the house.",
        urgency="same_day",
        team=staff.social_worker.team,
    )
    police = AgencyFactory(name="Demo Constabulary", kind=AgencyKind.POLICE)
    answerer = UserFactory(
        username="pc.answers", role=Role.PARTNER_PRACTITIONER, agency=police, team=TeamFactory(agency=police)
    )
    officer = UserFactory(
        username="unit.officer", role=Role.POLICE_OFFICER, agency=police, team=staff.social_worker.team
    )
    for user in (answerer, officer):
        user.set_password(PASSWORD)
        user.save()

    # 1. The social worker asks the police, from the contact's page.
    sign_in(page, axe, staff.social_worker)
    go_to(page, axe, reverse("contact-detail", args=[contact.pk]))
    follow(page, axe, "Ask an agency")
    page.get_by_label("Agency to ask").select_option(label="Demo Constabulary")
    page.get_by_label("What the unit needs to know").fill("Any history of violence in the household?")
    choose(page, "Rating", "Amber: A risk of significant harm, but not immediate")
    page.get_by_label("Why this rating").fill("Domestic abuse with a young child in the house.")
    submit(page, axe, "Send the request")
    expect(page.get_by_role("alert")).to_contain_text("Demo Constabulary asked: the answer is due by")
    expect(page.get_by_role("heading", name="Demo Constabulary")).to_be_visible()
    sign_out(page, axe)

    # 2. The police's practitioner lands on the requests to their agency and answers.
    sign_in(page, axe, answerer, lands_on="Requests to my agency")
    follow(page, axe, "Kai Other, Ava Sample")
    page.get_by_label("Nothing known about Ava Sample").check()
    item = fieldset(page, "Kai Other: item 1")
    fill_date(item, "Date", timezone.localdate(now) - dt.timedelta(days=30))
    item.get_by_label("What it is").select_option(label="Crime, arrest or charge")
    item.get_by_label("What your agency holds").fill(SECRET)
    item.get_by_label("Lawful basis for sharing").select_option(label="Law enforcement (DPA 2018 Part 3)")
    choose(item, "Who may see it", "Restricted to named roles")
    item.get_by_label("Unit police officer").check()
    submit(page, axe, "Send the answer")
    expect(page.get_by_role("alert")).to_contain_text("Answer sent to the unit")
    expect(page.get_by_role("main")).to_contain_text(SECRET)
    sign_out(page, axe)

    # 3. The social worker sees the answer, but not the restricted item; the unit's police officer sees it.
    sign_in(page, axe, staff.social_worker)
    go_to(page, axe, reverse("contact-detail", args=[contact.pk]))
    main = page.get_by_role("main")
    expect(main).to_contain_text("Nothing known")
    expect(main).to_contain_text("Answered")
    expect(main).not_to_contain_text(SECRET)
    sign_out(page, axe)
    sign_in(page, axe, officer)
    go_to(page, axe, reverse("contact-detail", args=[contact.pk]))
    expect(page.get_by_role("main")).to_contain_text(SECRET)

    axe.assert_clean()
