"""Fixtures for the child protection pages: a child referred through the front door, at a known date."""

from __future__ import annotations

import datetime as dt

import pytest

from macpu.intake.models import ContactOutcome, Referral, ReferralDecision, Urgency
from macpu.intake.services import contact_decide, contact_record, referral_decide
from macpu.people.services import PersonDetails, household_record
from tests.factories import aware

REFERRED_ON = dt.date(2025, 3, 3)  # a Monday
NOW = aware(2025, 3, 3)


@pytest.fixture
def referral(local_authority, social_worker, manager) -> Referral:
    """Ada Lovelace, referred on Monday 3 March 2025 and not yet decided."""
    people = household_record(
        actor=social_worker,
        now=NOW,
        address="1 Test Street",
        postcode="zz1 1zz",
        children=[PersonDetails(given_name="Ada", family_name="Lovelace", sex="F", date_of_birth=dt.date(2018, 5, 4))],
    )
    contact = contact_record(
        actor=social_worker,
        now=NOW,
        children=people.children,
        household=people.household,
        received_on=REFERRED_ON,
        referrer_name="Ms Byron",
        referrer_role="Class teacher",
        referral_source="2A",
        concern="Ada came to school with bruises.",
        urgency=Urgency.SAME_DAY,
        team=social_worker.team,
    )
    [referral] = contact_decide(
        actor=manager,
        now=NOW,
        contact=contact,
        outcome=ContactOutcome.REFERRAL,
        reasons="Bruising needs a response.",
        decided_on=REFERRED_ON,
    )
    return referral


@pytest.fixture
def decided_referral(referral, manager) -> Referral:
    """The referral, decided the same day: a strategy discussion."""
    return referral_decide(
        actor=manager,
        now=NOW,
        referral=referral,
        decision=ReferralDecision.STRATEGY_DISCUSSION,
        reasons="Unexplained bruising.",
        decided_on=REFERRED_ON,
    )
