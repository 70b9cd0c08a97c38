"""The pages: the unit asks an agency from the contact's page; the agency's practitioner sees only its own requests
and answers them; what comes back shows on the contact's page, each item only to those its marker allows."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from macpu.agencies.models import UNIT_ROLES, AgencyKind, Role
from macpu.intake.services import contact_record
from macpu.mash.models import Disclosure, EscalationStep, InformationRequest, ItemKind, LawfulBasis
from macpu.mash.upload import COLUMNS
from macpu.people.services import PersonDetails, household_record
from tests.factories import AgencyFactory, TeamFactory, UserFactory, aware, words

pytestmark = pytest.mark.django_db

SECRET = "Kai: intelligence of violence to a previous partner"


def said(response) -> str:
    """What the page says, as one line of words."""
    return " ".join(html.unescape(words(response.content.decode())).split())


@pytest.fixture
def contact(local_authority, social_worker, team):
    now = aware(2026, 12, 2, 10)
    people = household_record(
        actor=social_worker,
        now=now,
        address="3 Sample Street",
        postcode="ZZ3 3ZZ",
        children=[PersonDetails(given_name="Ava", family_name="Sample", sex="F", date_of_birth=dt.date(2023, 3, 2))],
        adults=[PersonDetails(given_name="Kai", family_name="Other", sex="M")],
        adult_relationships=["partner_of_parent"],
    )
    return contact_record(
        actor=social_worker,
        now=now,
        children=people.children,
        household=people.household,
        received_on=now.date(),
        referrer_name="PC Lee",
        referral_source="6",
        concern="Domestic incident.",
        urgency="same_day",
        team=team,
    )


@pytest.fixture
def police():
    agency = AgencyFactory(name="Demo Constabulary", kind=AgencyKind.POLICE)
    return UserFactory(role=Role.PARTNER_PRACTITIONER, agency=agency, team=TeamFactory(agency=agency))


def ask(client, contact, agency) -> InformationRequest:
    people = [p.pk for p in contact.household.members.all()]
    response = client.post(
        reverse("request-create", args=[contact.pk]),
        {
            "agency": agency.pk,
            "people": people,
            "question": "Any history of violence?",
            "rag": "red",
            "rag_rationale": "A young child in the house.",
        },
        follow=True,
    )
    assert "Demo Constabulary asked: the answer is due by" in said(response)
    return InformationRequest.objects.get()


def test_the_unit_asks_the_police_who_answer_and_the_answer_shows_as_its_marker_allows(
    client, contact, social_worker, police
):
    client.force_login(social_worker)
    request = ask(client, contact, police.agency)
    waiting = said(client.get(reverse("contact-detail", args=[contact.pk])))
    ava, kai = contact.household.members.order_by("given_name")

    client.force_login(police)
    listed = said(client.get(reverse("agency-requests")))
    sent = client.post(
        reverse("agency-request", args=[request.pk]),
        {
            "p0_nothing": "on",  # Ava
            "p1_i0_occurred_on_day": "20",
            "p1_i0_occurred_on_month": "11",
            "p1_i0_occurred_on_year": "2026",
            "p1_i0_kind": "crime",
            "p1_i0_summary": SECRET,
            "p1_i0_source_reference": "NICHE-123",
            "p1_i0_lawful_basis": "law_enforcement",
            "p1_i0_disclosure": "restricted",
            "p1_i0_restricted_to": ["police_officer"],
        },
        follow=True,
    )
    answered = said(sent)

    client.force_login(social_worker)
    after = said(client.get(reverse("contact-detail", args=[contact.pk])))

    assert "What agencies know Demo Constabulary Rating Red" in waiting and "Waiting" in waiting
    assert "Record our view" not in waiting  # social care's view is its decision
    assert f"{ava.full_name}, {kai.full_name}" in listed or f"{kai.full_name}, {ava.full_name}" in listed
    assert "Answer sent to the unit" in answered and SECRET in answered  # the agency sees its own answer
    assert "Nothing known" in after and "Answered" in after
    assert SECRET not in after and "NICHE-123" not in after  # restricted to unit police officers
    assert kai.full_name in after


def test_an_answer_that_breaks_a_rule_names_the_field_and_saves_nothing(client, contact, social_worker, police):
    client.force_login(social_worker)
    request = ask(client, contact, police.agency)
    client.force_login(police)

    response = client.post(
        reverse("agency-request", args=[request.pk]),
        {"p0_nothing": "on", "p1_i0_kind": "crime", "p1_i0_disclosure": "not_family"},
    )
    body = response.content.decode()

    assert response.status_code == 200 and "There is a problem" in body
    for field, message in [
        ("p1_i0_occurred_on", "Enter the date of each item."),
        ("p1_i0_summary", "Say what each item is, in a sentence or two."),
        ("p1_i0_lawful_basis", "Choose the lawful basis for sharing."),
        ("p1_i0_disclosure_reason", "Say why the item must not be shared with the family."),
    ]:
        assert f'href="#id_{field}' in body and message in body
    request.refresh_from_db()
    assert request.answered_at is None and not request.items.exists()


def test_another_agency_sees_neither_the_request_nor_the_names_in_it(client, contact, social_worker, police):
    client.force_login(social_worker)
    request = ask(client, contact, police.agency)
    health = AgencyFactory(name="Demo health", kind=AgencyKind.HEALTH)
    nurse = UserFactory(role=Role.PARTNER_PRACTITIONER, agency=health, team=TeamFactory(agency=health))
    client.force_login(nurse)

    page = client.get(reverse("agency-request", args=[request.pk]))
    listed = client.get(reverse("agency-requests"))
    contact_page = client.get(reverse("contact-detail", args=[contact.pk]))

    assert (page.status_code, listed.status_code, contact_page.status_code) == (404, 200, 404)
    for response in (page, listed, contact_page):
        assert "Sample" not in response.content.decode() and "Other" not in said(response)
    assert "No requests have been sent to your agency" in said(listed)


def test_a_partner_practitioner_lands_on_their_agencys_requests_and_cannot_ask(client, contact, police):
    client.force_login(police)

    home = client.get(reverse("home"))
    ask_page = client.get(reverse("request-create", args=[contact.pk]))

    assert home["Location"] == reverse("agency-requests")
    assert ask_page.status_code == 403 and "Sample" not in ask_page.content.decode()


def test_changing_the_rating_needs_a_reason_and_moves_the_deadline(client, contact, social_worker, police):
    client.force_login(social_worker)
    request = ask(client, contact, police.agency)
    url = reverse("rag-change", args=[request.pk])

    refused = client.post(url, {"rag": "green", "reason": ""})
    changed = client.post(url, {"rag": "green", "reason": "Kai has left the household."}, follow=True)

    assert "Say why the rating has changed." in refused.content.decode()
    assert "Rating changed: Demo Constabulary" in said(changed)
    request.refresh_from_db()
    assert request.rag == "green" and request.rag_changes.get().reason == "Kai has left the household."


def csv_file(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("answers.csv", text.encode(), content_type="text/csv")


HEADER = (
    "request_id,person_id,nothing_known,occurred_on,kind,summary,source_reference,lawful_basis,disclosure,"
    "disclosure_reason,restricted_to\n"
)


def test_answers_uploaded_as_csv_are_saved_all_together(client, contact, social_worker, police):
    client.force_login(social_worker)
    request = ask(client, contact, police.agency)
    ava, kai = contact.household.members.order_by("given_name")
    client.force_login(police)

    response = client.post(
        reverse("answers-upload"),
        {
            "answers": csv_file(
                HEADER + f"{request.pk},{ava.pk},yes,,,,,,,,\n"
                f"{request.pk},{kai.pk},no,2026-11-20,crime,{SECRET},NICHE-1,law_enforcement,restricted,,"
                "police_officer;team_manager\n"
            )
        },
        follow=True,
    )

    assert "1 answer sent to the unit" in said(response)
    request.refresh_from_db()
    assert request.answered_by == police
    assert sorted((i.person_id, i.nothing_known, i.restricted_to) for i in request.items.all()) == sorted(
        [(ava.pk, True, []), (kai.pk, False, ["police_officer", "team_manager"])]
    )


def test_a_csv_with_broken_rows_saves_nothing_and_names_each_row_and_column(client, contact, social_worker, police):
    client.force_login(social_worker)
    request = ask(client, contact, police.agency)
    ava, kai = contact.household.members.order_by("given_name")
    client.force_login(police)

    response = client.post(
        reverse("answers-upload"),
        {
            "answers": csv_file(
                HEADER + f"{request.pk},{ava.pk},yes,,,,,,,,\n"
                f"{request.pk},{kai.pk},no,20/11/2026,crime,x,,,,,\n"
                f"999999,{kai.pk},yes,,,,,,,,\n"
                f"{request.pk},{kai.pk},no,2026-11-20,crime,Seen,,law_enforcement,not_family,,\n"
            )
        },
    )
    text = said(response)

    assert response.status_code == 200 and "There is a problem" in text
    assert "Row 3, occurred_on: write the date as YYYY-MM-DD, like 2026-03-31." in text
    assert "Row 4, request_id: there is no open request '999999' to your agency." in text
    assert "Row 5, disclosure_reason: Say why the item must not be shared with the family." in text
    request.refresh_from_db()
    assert request.answered_at is None and not request.items.exists()


def test_the_csv_guide_names_every_column_and_every_code():
    guide = (Path(__file__).resolve().parents[3] / "docs" / "information-requests-csv.md").read_text()
    codes = [*COLUMNS, *ItemKind.values, *LawfulBasis.values, *Disclosure.values, *(r.value for r in UNIT_ROLES)]

    assert [c for c in codes if f"`{c}`" not in guide] == []


def test_the_unit_police_officer_records_that_police_disagree_and_the_difference_moves_a_step(client, contact):
    police = AgencyFactory(name="Demo Constabulary", kind=AgencyKind.POLICE)
    officer = UserFactory(
        role=Role.POLICE_OFFICER, agency=police, team=TeamFactory(agency=police, name="MASH police", front_door=True)
    )
    client.force_login(officer)
    url = reverse("contact-detail", args=[contact.pk])

    empty = client.post(
        reverse("agency-view-record", args=[contact.pk]), {"view": " ", "disagrees": "yes"}, follow=True
    )
    client.post(
        reverse("agency-view-record", args=[contact.pk]),
        {"view": "Kai is known to us for violence: this needs a strategy discussion.", "disagrees": "yes"},
    )
    step = EscalationStep.objects.get()
    client.post(reverse("escalation-step-decide", args=[step.pk]), {"outcome": "escalated", "notes": "No agreement."})
    page = said(client.get(url))

    assert "Give your agency's view, in your own words." in said(empty)
    assert "Demo Constabulary Disagrees Kai is known to us for violence" in page
    assert "The practitioners talk it through: by" in page and "Not resolved: escalated to the next step" in page
    assert "Their managers: by" in page and "Record the outcome" in page
    assert "Record our view" not in page  # one view per agency
