"""Who may see a child's record: each relationship opens it, nothing else does, and a restricted record is seen
only by its named people. Every list, search and page goes through this one filter."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from macpu.access.models import BreakGlass, Invitation, Meeting, Restriction, RestrictionGrant, RestrictionKind
from macpu.access.selectors import bases_for, visible_people
from macpu.agencies.models import AgencyKind, Role
from macpu.core.codes import ReferralSource
from macpu.intake.models import Contact, ContactOutcome, Referral, Urgency
from macpu.protection.models import CpPlan, S47Enquiry, S47Outcome, StrategyDiscussion
from tests.factories import AgencyFactory, PersonFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 2)


@pytest.fixture
def unit():
    """A front-door team in social care, a case-holding team, and police and health in the unit."""
    social_care = AgencyFactory()
    police = AgencyFactory(name="Demo Constabulary", kind=AgencyKind.POLICE)
    front_door = TeamFactory(agency=social_care, name="Front door", front_door=True)
    long_term = TeamFactory(agency=social_care, name="Child protection team 1")
    police_desk = TeamFactory(agency=police, name="Police desk", front_door=True)
    return {
        "front_door": front_door,
        "long_term": long_term,
        "worker": UserFactory(role=Role.SOCIAL_WORKER, team=long_term, agency=social_care),
        "colleague": UserFactory(role=Role.SOCIAL_WORKER, team=long_term, agency=social_care),
        "manager": UserFactory(role=Role.TEAM_MANAGER, team=long_term, agency=social_care),
        "other_manager": UserFactory(
            role=Role.TEAM_MANAGER, team=TeamFactory(agency=social_care, name="Team 2"), agency=social_care
        ),
        "duty": UserFactory(role=Role.SOCIAL_WORKER, team=front_door, agency=social_care),
        "police_on_duty": UserFactory(role=Role.POLICE_OFFICER, team=police_desk, agency=police),
        "police_elsewhere": UserFactory(
            role=Role.POLICE_OFFICER, team=TeamFactory(agency=police, name="CID"), agency=police
        ),
        "chair": UserFactory(role=Role.CONFERENCE_CHAIR, team=None, agency=social_care),
    }


def referral(child, team, worker=None, *, decided=True, closed=False):
    return Referral.objects.create(
        child=child,
        received_on=TODAY,
        source=ReferralSource.SCHOOLS,
        team=team,
        allocated_worker=worker,
        decision="assessment" if decided else "",
        decided_on=TODAY if decided else None,
        closed_on=TODAY if closed else None,
        closure_reason="RC8" if closed else "",
    )


def contact(child, team, recorder, *, decided=False):
    found = Contact.objects.create(
        received_on=TODAY,
        referrer_name="A teacher",
        referral_source=ReferralSource.SCHOOLS,
        concern="Bruising seen",
        urgency=Urgency.SAME_DAY,
        team=team,
        recorded_by=recorder,
        outcome=ContactOutcome.NO_FURTHER_ACTION if decided else "",
        decided_on=TODAY if decided else None,
    )
    found.children.add(child)
    return found


def sees(user, child) -> bool:
    return visible_people(user).filter(pk=child.pk).exists()


def test_the_allocated_worker_and_their_manager_see_an_open_case_and_their_colleagues_do_not(unit):
    child = PersonFactory()
    referral(child, unit["long_term"], unit["worker"])

    assert sees(unit["worker"], child)
    assert sees(unit["manager"], child)
    assert not sees(unit["colleague"], child)
    assert not sees(unit["other_manager"], child)
    assert not sees(unit["police_elsewhere"], child)


def test_a_closed_case_is_no_longer_seen_through_allocation(unit):
    child = PersonFactory()
    referral(child, unit["long_term"], unit["worker"], closed=True)

    assert not sees(unit["worker"], child)
    assert not sees(unit["manager"], child)


def test_partner_agencies_on_duty_at_the_front_door_see_a_contact_until_it_is_decided(unit):
    waiting, decided = PersonFactory(), PersonFactory()
    contact(waiting, unit["front_door"], unit["duty"])
    contact(decided, unit["front_door"], unit["duty"], decided=True)

    assert sees(unit["police_on_duty"], waiting)
    assert not sees(unit["police_on_duty"], decided)
    assert not sees(unit["police_elsewhere"], waiting)
    assert bases_for(unit["police_on_duty"], [waiting.pk]) == {waiting.pk: "On duty at the front door"}


def test_whoever_records_a_contact_sees_it_until_it_is_decided(unit):
    waiting, decided = PersonFactory(), PersonFactory()
    officer = unit["police_elsewhere"]
    contact(waiting, unit["front_door"], officer)
    contact(decided, unit["front_door"], officer, decided=True)

    assert sees(officer, waiting)
    assert not sees(officer, decided)
    assert bases_for(officer, [waiting.pk])[waiting.pk] == "Recorded the contact, which waits for a decision"


def test_the_councils_front_door_sees_every_child_known_to_the_unit_to_check_new_concerns_against(unit):
    known, unknown = PersonFactory(), PersonFactory()
    referral(known, unit["long_term"], unit["worker"], closed=True)

    assert sees(unit["duty"], known)
    assert not sees(unit["duty"], unknown)
    assert not sees(unit["police_on_duty"], known)


def test_partner_agencies_at_the_front_door_see_a_referral_until_it_is_decided_and_allocated(unit):
    child = PersonFactory()
    case = referral(child, unit["long_term"], None)
    assert sees(unit["police_on_duty"], child)

    case.allocated_worker = unit["worker"]
    case.save()

    assert not sees(unit["police_on_duty"], child)
    assert sees(unit["worker"], child)


def test_an_invitation_opens_the_record_for_its_period_only_and_ends_when_withdrawn(unit):
    child = PersonFactory()
    referral(child, unit["long_term"], unit["worker"])
    officer, now = unit["police_elsewhere"], timezone.now()
    invite = Invitation.objects.create(
        child=child,
        user=officer,
        meeting=Meeting.STRATEGY_DISCUSSION,
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=1),
        invited_by=unit["worker"],
    )
    assert sees(officer, child)
    assert bases_for(officer, [child.pk])[child.pk] == "Invited to a meeting about the child"

    invite.withdrawn_at = now
    invite.save()
    assert not sees(officer, child)

    Invitation.objects.create(
        child=child,
        user=officer,
        meeting=Meeting.CONFERENCE,
        starts_at=now - timedelta(days=10),
        ends_at=now - timedelta(minutes=1),
        invited_by=unit["worker"],
    )
    assert not sees(officer, child)


def test_a_chair_sees_children_on_a_plan_or_awaiting_a_conference_and_no_others(unit):
    on_plan, awaiting, neither = PersonFactory(), PersonFactory(), PersonFactory()
    CpPlan.objects.create(
        referral=referral(on_plan, unit["long_term"], unit["worker"]),
        started_on=TODAY,
        initial_category="NEG",
        latest_category="NEG",
    )
    case = referral(awaiting, unit["long_term"], unit["worker"])
    discussion = StrategyDiscussion.objects.create(
        referral=case, held_on=TODAY, decision="s47_single", recorded_by=unit["worker"]
    )
    S47Enquiry.objects.create(
        referral=case,
        strategy_discussion=discussion,
        started_on=TODAY,
        outcome=S47Outcome.CONFERENCE,
        completed_on=TODAY,
    )
    referral(neither, unit["long_term"], unit["worker"])

    assert sees(unit["chair"], on_plan)
    assert sees(unit["chair"], awaiting)
    assert not sees(unit["chair"], neither)


def test_break_glass_opens_a_record_until_it_expires(unit):
    child = PersonFactory()
    referral(child, unit["long_term"], unit["worker"])
    officer, now = unit["police_elsewhere"], timezone.now()
    use = BreakGlass.objects.create(
        user=officer,
        child=child,
        reason="immediate_risk",
        explanation="Called to the address overnight",
        started_at=now - timedelta(minutes=5),
        ends_at=now + timedelta(minutes=55),
    )
    assert sees(officer, child)
    assert bases_for(officer, [child.pk])[child.pk] == "Break-glass"

    use.ends_at = now - timedelta(seconds=1)
    use.save()
    assert not sees(officer, child)


def test_a_restricted_record_is_seen_only_by_its_named_people_whatever_their_relationship(unit):
    child = PersonFactory()
    referral(child, unit["long_term"], unit["worker"])
    restriction = Restriction.objects.create(
        child=child,
        kind=RestrictionKind.ADOPTION,
        reason="Placed for adoption",
        imposed_by=unit["manager"],
        imposed_at=timezone.now(),
    )
    RestrictionGrant.objects.create(
        restriction=restriction,
        user=unit["manager"],
        granted_by=unit["manager"],
        granted_at=timezone.now(),
        review_by=TODAY + timedelta(days=30),
    )

    assert sees(unit["manager"], child)
    assert not sees(unit["worker"], child)  # allocated, but not named
    assert bases_for(unit["manager"], [child.pk])[child.pk].startswith("Named on the restricted record")


@pytest.mark.parametrize(
    "role",
    [Role.ADMINISTRATOR, Role.PRIVACY_OFFICER, Role.ANALYST, Role.PARTNER_PRACTITIONER],
)
def test_roles_without_case_work_see_no_child_even_when_allocated(unit, role):
    child = PersonFactory()
    user = UserFactory(role=role, team=unit["long_term"], agency=unit["long_term"].agency)
    referral(child, unit["long_term"], user)
    contact(child, unit["front_door"], user)

    assert not visible_people(user).exists()


def test_an_inactive_account_sees_nothing(unit):
    child = PersonFactory()
    referral(child, unit["long_term"], unit["worker"])
    unit["worker"].is_active = False

    assert not sees(unit["worker"], child)
