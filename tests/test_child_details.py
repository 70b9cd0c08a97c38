"""A social worker corrects a child's details: the census's ethnicity and UPN findings are fixed at the record."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from macpu.agencies.models import Role
from macpu.chronology.models import Event, EventKind
from macpu.intake.services import person_details_correct
from macpu.people.services import PersonDetails, household_record
from tests.factories import UserFactory, aware
from tests.test_entry_rules import referral

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("local_authority")]
NOW = aware(2027, 1, 20)
GOOD_UPN = "G001234567890"


@pytest.fixture
def child(social_worker, manager, team):
    return referral(social_worker, manager, team).child


def details(child, **changes):
    values = {
        "given_name": child.given_name,
        "family_name": child.family_name,
        "sex": child.sex,
        "ethnicity": child.ethnicity,
        "nhs_number": child.nhs_number,
        "upn": child.upn,
        "disabilities": [],
    }
    return {**values, **changes}


def test_a_social_worker_records_ethnicity_upn_and_disability_and_the_timeline_says_so(social_worker, child):
    person_details_correct(
        actor=social_worker,
        now=NOW,
        person=child,
        **details(child, ethnicity="NOBT", upn=GOOD_UPN, disabilities=["AUT", "COMM"]),
    )

    child.refresh_from_db()
    assert (child.ethnicity, child.upn) == ("NOBT", GOOD_UPN)
    assert sorted(d.code for d in child.disabilities.all()) == ["AUT", "COMM"]
    event = Event.objects.get(child=child, kind=EventKind.DETAILS_CHANGED)
    assert event.summary == (
        "Changed ethnicity from White: British to Information not yet obtained; unique pupil number from not recorded "
        f"to {GOOD_UPN}; disability from not recorded to Autism or Asperger syndrome, Communication."
    )
    assert event.actor == social_worker


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"upn": "H001234567890"}, "upn", "fails its check letter"),
        ({"upn": "001234567890"}, "upn", "a capital letter, 11 digits"),
        ({"nhs_number": "12345"}, "nhs_number", "10 digits"),
        ({"nhs_number": "9434765918"}, "nhs_number", "fails its check digit"),
        ({"disabilities": ["NONE", "AUT"]}, "disabilities", "'No disability' cannot be chosen with a disability"),
        ({"given_name": " "}, "given_name", "Enter a first name"),
        ({"ethnicity": "XXXX"}, "ethnicity", "Choose an ethnicity from the list"),
    ],
)
def test_bad_details_are_refused_naming_the_field_and_nothing_changes(social_worker, child, changes, field, words):
    before = (child.given_name, child.ethnicity, child.upn, child.nhs_number)
    with pytest.raises(ValidationError) as refused:
        person_details_correct(
            actor=social_worker, now=NOW, person=child, **details(child, **{"ethnicity": "WBRI", **changes})
        )

    assert words in " ".join(refused.value.message_dict[field])
    child.refresh_from_db()
    assert (child.given_name, child.ethnicity, child.upn, child.nhs_number) == before
    assert not child.disabilities.exists()
    assert not Event.objects.filter(kind=EventKind.DETAILS_CHANGED).exists()


def test_a_upn_with_the_wrong_check_letter_is_refused_when_the_household_is_first_recorded(social_worker):
    with pytest.raises(ValidationError) as refused:
        household_record(
            actor=social_worker,
            now=NOW,
            address="1 Example Road",
            postcode="ZZ1 1ZZ",
            children=[PersonDetails(given_name="Ava", family_name="Example", upn="H001234567890")],
        )

    assert "fails its check letter" in " ".join(refused.value.message_dict["child_0_upn"])


@pytest.mark.parametrize("role", [Role.POLICE_OFFICER, Role.HEALTH_PRACTITIONER, Role.PERFORMANCE_ANALYST])
def test_only_social_care_may_change_a_childs_details(client, team, child, role):
    user = UserFactory(role=role, team=team, agency=team.agency)
    with pytest.raises(ValidationError) as refused:
        person_details_correct(actor=user, now=NOW, person=child, **details(child, ethnicity="WBRI"))
    assert "Only children's social care staff can change a child's details" in str(refused.value)

    client.force_login(user)
    response = client.get(reverse("child-details-change", args=[child.pk]))
    assert response.status_code == 403
    assert child.family_name not in response.content.decode()
    page = client.get(reverse("child-detail", args=[child.pk])).content.decode()
    assert child.family_name in page and "Change the child's details" not in page


def test_the_page_shows_the_details_and_saves_a_correction(client, social_worker, child):
    client.force_login(social_worker)
    page = client.get(reverse("child-detail", args=[child.pk])).content.decode()
    assert f'href="{reverse("child-details-change", args=[child.pk])}"' in page

    form = client.get(reverse("child-details-change", args=[child.pk])).content.decode()
    assert f'value="{child.given_name}"' in form

    data = details(child, ethnicity="WBRI", upn="g001 2345 67890")
    data.pop("disabilities")
    response = client.post(reverse("child-details-change", args=[child.pk]), {**data, "disabilities": ["NONE"]})

    assert response.status_code == 302 and response.url == reverse("child-detail", args=[child.pk])
    child.refresh_from_db()
    assert (child.ethnicity, child.upn) == ("WBRI", GOOD_UPN)
    assert [d.code for d in child.disabilities.all()] == ["NONE"]


def test_the_page_shows_a_bad_upn_against_its_field(client, social_worker, child):
    client.force_login(social_worker)
    data = details(child, upn="H001234567890")
    data.pop("disabilities")

    body = client.post(reverse("child-details-change", args=[child.pk]), data).content.decode()

    assert 'href="#id_upn"' in body and "fails its check letter" in body
    child.refresh_from_db()
    assert child.upn == ""


def test_a_new_nhs_number_is_on_the_timeline_with_the_one_it_replaced(social_worker, child):
    child.nhs_number = "9434765919"
    child.save()

    person_details_correct(actor=social_worker, now=NOW, person=child, **details(child, nhs_number="9990000018"))

    event = Event.objects.get(child=child, kind=EventKind.DETAILS_CHANGED)
    assert event.summary == "Changed NHS number from 9434765919 to 9990000018."


def test_saving_the_details_unchanged_records_nothing(social_worker, child):
    person_details_correct(actor=social_worker, now=NOW, person=child, **details(child))

    assert not Event.objects.filter(child=child, kind=EventKind.DETAILS_CHANGED).exists()
