"""The front-door pages, driven through the client as a social worker would use them."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.urls import reverse

from macpu.agencies.models import Role
from macpu.intake.models import Contact
from macpu.people.models import Person, Relationship
from tests.factories import UserFactory


def date_data(name: str, day: dt.date) -> dict[str, str]:
    """What the GOV.UK date input posts for one date."""
    return {f"{name}_day": str(day.day), f"{name}_month": str(day.month), f"{name}_year": str(day.year)}


def contact_data(**overrides: str) -> dict[str, str]:
    data = {
        **date_data("received_on", dt.date(2025, 3, 3)),
        "address": "12 Orchard Row, Demoton",
        "postcode": "zz1 2ab",
        "child_0_given_name": "Mia",
        "child_0_family_name": "Brook",
        "child_0_sex": "F",
        "child_0_ethnicity": "WBRI",
        **date_data("child_0_date_of_birth", dt.date(2019, 12, 31)),
        "child_1_given_name": "Leo",
        "child_1_family_name": "Brook",
        "child_1_sex": "M",
        **date_data("child_1_date_of_birth", dt.date(2022, 6, 1)),
        "adult_0_given_name": "Kim",
        "adult_0_family_name": "Brook",
        "adult_0_sex": "F",
        "adult_0_relationship": "parent",
        "referrer_name": "Ms Patel",
        "referrer_role": "Class teacher",
        "referral_source": "2A",
        "concern": "Mia said she is scared to go home.",
        "urgency": "same_day",
    }
    data.update(overrides)
    return data


@pytest.fixture
def logged_in(client, local_authority, social_worker):
    client.force_login(social_worker)
    return client


def test_a_social_worker_can_record_a_contact_for_two_siblings_through_the_page(logged_in):
    response = logged_in.post(reverse("contact-create"), contact_data(), follow=True)

    body = response.content.decode()
    assert response.status_code == 200
    assert "Contact recorded" in body
    assert "Mia Brook" in body and "Leo Brook" in body
    assert "Mia said she is scared to go home." in body
    assert "Schools" in body  # the referral source's label, not its code
    contact = Contact.objects.get()
    assert sorted(c.given_name for c in contact.children.all()) == ["Leo", "Mia"]
    mia = Person.objects.get(given_name="Mia")
    assert Relationship.objects.filter(person=mia, relative__given_name="Kim", kind="parent").exists()
    assert Relationship.objects.filter(person=mia, relative__given_name="Leo", kind="sibling").exists()


@pytest.mark.parametrize("who", ["administrator", "no role", "chair in no team"])
def test_only_unit_staff_in_a_team_are_offered_the_contact_page_and_nothing_is_written(client, chair, team, who):
    user = {
        "administrator": lambda: UserFactory(role=Role.ADMINISTRATOR, team=team, agency=team.agency),
        "no role": lambda: UserFactory(role="", team=team, agency=team.agency),
        "chair in no team": lambda: chair,
    }[who]()
    client.force_login(user)

    page = client.get(reverse("contact-create"))
    response = client.post(reverse("contact-create"), contact_data())

    assert (page.status_code, response.status_code) == (403, 403)
    assert "You do not have permission" in page.content.decode()
    assert (Person.objects.count(), Contact.objects.count()) == (0, 0)


def test_blank_child_rows_are_ignored_and_rows_keep_their_place_in_errors(logged_in):
    data = contact_data(
        child_1_given_name="",
        child_1_family_name="",
        child_1_sex="",
        child_1_date_of_birth_day="",
        child_1_date_of_birth_month="",
        child_1_date_of_birth_year="",
        child_2_given_name="Zac",
    )  # row 3 filled in, without a last name or sex

    response = logged_in.post(reverse("contact-create"), data)

    body = response.content.decode()
    assert "Enter child 3&#x27;s last name." in body and "Choose child 3&#x27;s sex" in body
    assert not [m for m in summary(body) if "child 2" in m.lower()]
    assert 'href="#id_child_2_family_name"' in body  # the summary links to the third row, not the second
    assert Person.objects.count() == 0


def test_a_validation_error_names_the_field_and_writes_nothing(logged_in):
    people_before, contacts_before = Person.objects.count(), Contact.objects.count()

    # The household is valid, so it is written before the contact's own check fails: both must roll back.
    response = logged_in.post(reverse("contact-create"), contact_data(concern="  "))

    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body
    assert "Enter the concern, in the referrer&#x27;s words." in body
    assert 'href="#id_concern"' in body
    assert 'id="id_concern_error"' in body
    assert "Mia" in body  # what was typed is kept
    assert (Person.objects.count(), Contact.objects.count()) == (people_before, contacts_before)


def test_a_missing_first_child_is_reported_beside_the_first_child(logged_in):
    data = contact_data(
        child_0_given_name="",
        child_0_family_name="",
        child_0_sex="",
        child_0_date_of_birth_day="",
        child_0_date_of_birth_month="",
        child_0_date_of_birth_year="",
    )

    response = logged_in.post(reverse("contact-create"), data)

    body = response.content.decode()
    assert "Enter child 1&#x27;s first name." in body
    assert 'id="id_child_0_given_name_error"' in body
    assert Person.objects.count() == 0


def summary(body: str) -> list[str]:
    """The error summary's messages, in order."""
    start = body.index('class="govuk-error-summary"')
    block = body[start : body.index("</ul>", start)]
    return [html.unescape(m) for m in re.findall(r'<li><a href="#[^"]*">(.*?)</a></li>', block)]


def test_an_empty_contact_form_reports_every_missing_answer_at_once(logged_in):
    response = logged_in.post(reverse("contact-create"), {})

    body = response.content.decode()
    assert response.status_code == 200
    assert summary(body) == [
        "Enter the date the contact was received.",
        "Enter the household's address.",
        "Enter child 1's first name.",
        "Enter child 1's last name.",
        "Choose child 1's sex: male, female or not known.",
        "Enter who raised the concern.",
        "Choose where the concern came from.",
        "Enter the concern, in the referrer's words.",
        "Choose how urgent the concern is.",
    ]
    assert 'id="id_urgency_error"' in body and 'id="id_referral_source_error"' in body
    assert Person.objects.count() == 0


def test_a_started_adult_row_is_checked_in_the_same_submit_as_the_rest_of_the_form(logged_in):
    data = contact_data(
        adult_0_sex="",
        adult_0_relationship="",
        received_on_day="",
        received_on_month="",
        received_on_year="",
        referral_source="",
        concern="",
        urgency="",
    )

    body = logged_in.post(reverse("contact-create"), data).content.decode()

    assert summary(body) == [
        "Enter the date the contact was received.",
        "Choose adult 1's sex: male, female or not known.",
        "Choose what adult 1 is to the children.",
        "Choose where the concern came from.",
        "Enter the concern, in the referrer's words.",
        "Choose how urgent the concern is.",
    ]
    assert 'id="id_adult_0_sex_error"' in body and 'id="id_adult_0_relationship_error"' in body


def test_the_household_and_the_contact_services_problems_are_reported_together_naming_the_row(logged_in):
    data = contact_data(
        **date_data("received_on", dt.date(2099, 1, 1)), **date_data("child_1_date_of_birth", dt.date(2099, 1, 1))
    )

    body = logged_in.post(reverse("contact-create"), data).content.decode()

    assert summary(body) == [  # in the order of the page
        "The date the contact was received cannot be in the future.",
        "Child 2: the date of birth cannot be in the future.",
    ]
    assert 'href="#id_child_1_date_of_birth_day"' in body
    assert 'id="id_child_1_date_of_birth_error"' in body
    assert "A contact is about at least one child." not in body
    assert (Person.objects.count(), Contact.objects.count()) == (0, 0)


def test_a_date_in_a_household_row_that_is_not_a_real_date_says_whose_it_is(logged_in):
    data = contact_data(
        child_0_date_of_birth_day="31",
        child_0_date_of_birth_month="2",
        adult_0_date_of_birth_day="40",
        adult_0_date_of_birth_month="1",
        adult_0_date_of_birth_year="1990",
    )

    body = logged_in.post(reverse("contact-create"), data).content.decode()

    assert summary(body) == [
        "Child 1's date of birth must be a real date.",
        "Adult 1's date of birth must be a real date.",
    ]
    error = body[body.index('id="id_child_0_date_of_birth_error"') :][:200]
    assert "Child 1&#x27;s date of birth must be a real date." in error  # beside the field, too


def test_a_contact_decided_as_a_referral_links_to_each_childs_page(logged_in):
    logged_in.post(reverse("contact-create"), contact_data())
    contact = Contact.objects.get()

    response = logged_in.post(
        reverse("contact-decide", args=[contact.pk]),
        {
            "outcome": "referral",
            "reasons": "Needs a social work response.",
            **date_data("decided_on", dt.date(2025, 3, 3)),
        },
        follow=True,
    )

    body = response.content.decode()
    assert "Decision recorded" in body
    assert "Referral to children&#x27;s social care" in body
    for child in contact.children.all():
        assert reverse("child-detail", args=[child.pk]) in body
    assert "Decide what happens next" not in body


def test_a_contact_decision_in_the_future_is_refused_beside_its_date(logged_in):
    logged_in.post(reverse("contact-create"), contact_data())
    contact = Contact.objects.get()

    response = logged_in.post(
        reverse("contact-decide", args=[contact.pk]),
        {
            "outcome": "nfa",
            "reasons": "Advice given.",
            **date_data("decided_on", dt.date(2099, 1, 1)),
        },
    )

    body = response.content.decode()
    assert "The decision date cannot be in the future." in body
    assert 'href="#id_decided_on_' in body  # the date's first box
    contact.refresh_from_db()
    assert contact.outcome == ""


def test_an_undecided_contact_is_on_the_managers_work_list_with_a_link_to_the_contact(logged_in, manager):
    logged_in.post(reverse("contact-create"), contact_data())
    contact = Contact.objects.get()
    logged_in.force_login(manager)

    body = logged_in.get(reverse("my-work")).content.decode()

    assert "Contact decision" in body and "Mia Brook" in body and "Leo Brook" in body
    assert reverse("contact-detail", args=[contact.pk]) in body
    assert "Overdue" in body
