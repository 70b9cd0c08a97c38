"""What the manager sees when deciding a referral, and the household on the contact's page, through the client."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from macpu.agencies.models import Role
from macpu.intake.models import Contact, ContactOutcome, Referral, ReferralDecision, Urgency
from macpu.intake.services import contact_decide, contact_record, referral_create, referral_decide
from macpu.people.models import Relationship, RelationshipKind
from macpu.people.services import PersonDetails, household_record
from tests.factories import PersonFactory, UserFactory, aware, words

RECEIVED_ON = dt.date(2025, 3, 3)
NOW = aware(2025, 3, 3)
CONCERN = "Mia said she is scared to go home."
REASONS = "Both children need a social work response."


def record_contact(social_worker, *, adults: int = 1) -> Contact:
    """Mia and Leo Brook, with `adults` adults who are their parents."""
    people = household_record(
        actor=social_worker,
        now=NOW,
        address="12 Orchard Row, Demoton",
        postcode="zz1 2ab",
        children=[
            PersonDetails(given_name="Mia", family_name="Brook", sex="F", date_of_birth=dt.date(2019, 12, 31)),
            PersonDetails(given_name="Leo", family_name="Brook", sex="M", date_of_birth=dt.date(2022, 6, 1)),
        ],
        adults=[PersonDetails(given_name=f"Adult{i}", family_name="Brook", sex="F") for i in range(adults)],
        adult_relationships=[RelationshipKind.PARENT] * adults,
    )
    return contact_record(
        actor=social_worker,
        now=NOW,
        children=people.children,
        household=people.household,
        received_on=RECEIVED_ON,
        referrer_name="Ms Patel",
        referrer_role="Class teacher",
        referral_source="2A",
        concern=CONCERN,
        urgency=Urgency.SAME_DAY,
        team=social_worker.team,
    )


@pytest.fixture
def contact(local_authority, social_worker) -> Contact:
    return record_contact(social_worker)


@pytest.fixture
def referrals(contact, manager) -> dict[str, Referral]:
    """The contact decided as a referral: one referral each for Mia and Leo, neither decided yet."""
    opened = contact_decide(
        actor=manager,
        now=NOW,
        contact=contact,
        outcome=ContactOutcome.REFERRAL,
        reasons=REASONS,
        decided_on=RECEIVED_ON,
    )
    return {referral.child.given_name: referral for referral in opened}


def get_body(client, user, name: str, pk: int) -> tuple[int, str]:
    """The page's status and HTML, without its random CSRF tokens (which may hold "2A", a code never shown)."""
    client.force_login(user)
    response = client.get(reverse(name, args=[pk]))
    return response.status_code, re.sub(r'name="csrfmiddlewaretoken" value="\w+"', "", response.content.decode())


def test_the_decision_page_shows_the_child_who_raised_the_concern_and_why(client, referrals, manager):
    mia = referrals["Mia"]

    status, body = get_body(client, manager, "referral-decide", mia.pk)

    assert status == 200
    assert "Mia Brook" in body and "31 December 2019" in body  # the child and her date of birth
    assert "Received on" in body and "3 March 2025" in body
    assert "Ms Patel, Class teacher" in body and "Schools" in body  # who raised it, and the source's label
    assert CONCERN in body
    assert "Same day" in body  # the urgency's label
    assert "Referral to children&#x27;s social care" in body and REASONS in body  # the contact's decision
    assert f'href="{reverse("contact-detail", args=[mia.contact_id])}"' in body
    assert body.index(CONCERN) < body.index('<form method="post" novalidate>')  # above the form
    text = words(body)
    assert "2A" not in text and "same_day" not in text and "RC8" not in text  # labels, never codes


def test_the_decision_page_lists_the_brothers_and_sisters_from_the_same_contact_and_their_decisions(
    client, referrals, manager
):
    mia, leo = referrals["Mia"], referrals["Leo"]
    referral_decide(
        actor=manager,
        now=NOW,
        referral=leo,
        decision=ReferralDecision.STRATEGY_DISCUSSION,
        reasons="Leo has bruises.",
        decided_on=RECEIVED_ON,
    )

    status, body = get_body(client, manager, "referral-decide", mia.pk)

    assert status == 200
    assert "Brothers and sisters in the same contact" in body
    assert f'href="{reverse("child-detail", args=[leo.child_id])}">Leo Brook</a>' in body
    assert "1 June 2022" in body
    assert '<td class="govuk-table__cell">Strategy discussion, 3 March 2025: Leo has bruises.</td>' in body

    _, leo_body = get_body(client, manager, "referral-decide", leo.pk)  # and from Leo's side, Mia undecided
    assert f'href="{reverse("child-detail", args=[mia.child_id])}">Mia Brook</a>' in leo_body
    assert "Awaiting decision" in leo_body


def test_a_referral_received_directly_shows_what_is_known_of_it(client, local_authority, manager):
    child = PersonFactory(given_name="Ola", family_name="Direct", date_of_birth=dt.date(2017, 1, 2))
    referral = referral_create(
        actor=manager, now=NOW, child=child, received_on=RECEIVED_ON, source="3A", team=manager.team
    )

    status, body = get_body(client, manager, "referral-decide", referral.pk)

    assert status == 200
    assert "Ola Direct" in body and "2 January 2017" in body and "3 March 2025" in body
    assert referral.get_source_display() in body and "3A" not in words(body)
    assert "Raised by" not in body and "Brothers and sisters" not in body


def test_the_contact_page_shows_the_household_the_children_and_the_adults_with_their_relationship(
    client, contact, social_worker
):
    status, body = get_body(client, social_worker, "contact-detail", contact.pk)

    mia = contact.children.get(given_name="Mia")
    assert status == 200
    assert "12 Orchard Row, Demoton, ZZ1 2AB" in body
    assert f'href="{reverse("child-detail", args=[mia.pk])}">Mia Brook</a>' in body and "31 December 2019" in body
    assert "Leo Brook" in body and "1 June 2022" in body
    assert "Adult0 Brook" in body
    assert '<td class="govuk-table__cell">Parent</td>' in body  # the same to both children: said once
    assert "parent" not in body.replace("Parent", "")  # the label, never the code


def test_an_adult_who_is_different_things_to_different_children_is_described_child_by_child(
    client, contact, social_worker
):
    leo = contact.children.get(given_name="Leo")
    Relationship.objects.filter(person=leo, relative__given_name="Adult0").update(kind=RelationshipKind.STEP_PARENT)

    status, body = get_body(client, social_worker, "contact-detail", contact.pk)

    assert status == 200
    assert "Step-parent to Leo Brook; Parent to Mia Brook" in body


def test_the_contact_page_reads_the_household_in_the_same_number_of_queries_whatever_its_size(
    client, local_authority, social_worker
):
    small, large = record_contact(social_worker, adults=1), record_contact(social_worker, adults=4)
    client.force_login(social_worker)
    client.get(reverse("contact-detail", args=[small.pk]))  # the first request after sign-in stamps the session
    counts = []
    for contact in (small, large):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("contact-detail", args=[contact.pk]))
        assert response.status_code == 200
        counts.append(len(queries))

    assert counts[0] == counts[1]
    assert response.content.decode().count('<td class="govuk-table__cell">Parent</td>') == 4


def test_a_contact_the_user_may_not_see_is_not_found_and_shows_nothing_of_the_concern(client, contact, team):
    status, body = get_body(client, UserFactory(role=Role.ADMINISTRATOR, team=team), "contact-detail", contact.pk)

    assert status == 404
    assert "Page not found" in body
    assert "scared" not in body and "Mia" not in body and "Patel" not in body and "Orchard" not in body
