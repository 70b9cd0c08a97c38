"""Rules of single steps: when the child was seen in an enquiry, who a case may be allocated to, how it closes."""

from __future__ import annotations

import pytest

from macpu.agencies.models import Role
from macpu.casework.services import episode_close
from macpu.intake.services import referral_allocate
from macpu.protection.models import S47Outcome
from macpu.protection.services import s47_child_seen, s47_complete
from tests.factories import TeamFactory, UserFactory, aware
from tests.pathway import D
from tests.test_entry_rules import enquiry, referral, refuses


@pytest.mark.django_db
def test_when_the_child_was_seen_cannot_change_after_the_outcome(social_worker, manager, team):
    s47 = enquiry(social_worker, referral(social_worker, manager, team))  # seen Tue 5 Jan, outcome Fri 8 Jan 2027

    refuses(
        lambda: s47_child_seen(
            actor=social_worker, now=aware(2027, 1, 11), enquiry=s47, seen_on=D(2027, 1, 11), seen_alone=False
        ),
        "seen_on",
        "can no longer change",
    )


@pytest.mark.django_db
def test_the_outcome_comes_on_or_after_the_day_the_child_was_seen(social_worker, manager, team):
    s47 = enquiry(social_worker, referral(social_worker, manager, team), outcome="", held_on=D(2027, 1, 5))
    s47_child_seen(actor=social_worker, now=aware(2027, 1, 7), enquiry=s47, seen_on=D(2027, 1, 7), seen_alone=True)

    refuses(
        lambda: s47_complete(
            actor=social_worker, now=aware(2027, 1, 8), enquiry=s47, outcome="conference", completed_on=D(2027, 1, 6)
        ),
        "completed_on",
        "on or after the date the child was seen (7 January 2027)",
    )


@pytest.mark.django_db
def test_a_case_is_allocated_only_to_someone_in_the_team_holding_it(social_worker, manager, team):
    ref = referral(social_worker, manager, team)
    elsewhere = UserFactory(role=Role.SOCIAL_WORKER, team=TeamFactory(name="Another team"), agency=team.agency)

    refuses(
        lambda: referral_allocate(actor=manager, now=aware(2027, 1, 4), referral=ref, worker=elsewhere),
        "worker",
        "in the team holding it",
    )


@pytest.mark.django_db
def test_a_case_with_an_enquiry_does_not_close_as_closed_after_assessment(social_worker, manager, team):
    ref = referral(social_worker, manager, team)
    enquiry(social_worker, ref, outcome=S47Outcome.NOT_SUBSTANTIATED)  # seen 5 Jan, outcome 8 Jan 2027

    for reason in ("RC8", "RC9"):
        refuses(
            lambda reason=reason: episode_close(
                actor=social_worker, now=aware(2027, 1, 11), referral=ref, closed_on=D(2027, 1, 11), reason=reason
            ),
            "reason",
            "cannot close as closed after assessment",
        )
    assert episode_close(
        actor=social_worker, now=aware(2027, 1, 11), referral=ref, closed_on=D(2027, 1, 11), reason="RC7"
    ).closed_on == D(2027, 1, 11)
