"""The closed loop: the referrer is told the outcome, and only the outcome: no reasons, nothing from agencies."""

from __future__ import annotations

import pytest
from django.urls import reverse

from macpu.chronology.models import Event
from macpu.intake.models import Contact
from macpu.intake.services import contact_decide
from macpu.intake.tests.test_decision_pages import NOW, RECEIVED_ON, record_contact
from tests.factories import words

pytestmark = pytest.mark.django_db

REASONS = "Mother's new partner has a conviction for violence; police intelligence shared in confidence."


def test_the_referrer_is_told_the_decision_without_the_reasons_and_it_is_recorded_once(
    client, local_authority, social_worker
):
    contact = record_contact(social_worker)
    client.force_login(social_worker)
    before = client.post(reverse("contact-referrer-told", args=[contact.pk]), follow=True)
    contact_decide(
        actor=social_worker, now=NOW, contact=contact, outcome="early_help", reasons=REASONS, decided_on=RECEIVED_ON
    )

    page = " ".join(words(client.get(reverse("contact-detail", args=[contact.pk])).content.decode()).split())
    told = client.post(reverse("contact-referrer-told", args=[contact.pk]), follow=True)
    again = client.post(reverse("contact-referrer-told", args=[contact.pk]), follow=True)

    message = (
        "Thank you for telling us on 3 March 2025 about your concern for Leo and Mia. The unit has decided: early "
        "help. The family has been offered early help. If you are worried about a child again, contact us straight "
        "away."
    )
    assert "Decide the contact before telling the referrer the outcome." in before.content.decode()
    assert message in page and "Record that the referrer was told" in page
    contact = Contact.objects.get()
    assert contact.referrer_message == message and contact.referrer_told_by == social_worker
    assert "conviction" not in contact.referrer_message
    assert "was told the outcome" in told.content.decode()
    assert "The referrer has already been told." in again.content.decode()
    assert Event.objects.filter(kind="referrer_told").count() == 2  # one on each child's timeline
