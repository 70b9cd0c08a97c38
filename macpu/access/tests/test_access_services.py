"""Giving and ending access: invitations, restrictions (lifted only by two people), break-glass and its review.
Each is a service that checks its rules, writes, and appends an audit row in the same transaction."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from macpu.access import services
from macpu.access.audit import verify
from macpu.access.models import AuditEvent, BreakGlass, Meeting, RestrictionKind
from macpu.access.selectors import visible_people
from macpu.agencies.models import AgencyKind, Role
from macpu.core.codes import ReferralSource
from macpu.intake.models import Referral
from tests.factories import AgencyFactory, PersonFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def case():
    social_care = AgencyFactory()
    team = TeamFactory(agency=social_care, name="Child protection team 1")
    worker = UserFactory(role=Role.SOCIAL_WORKER, team=team, agency=social_care)
    manager = UserFactory(role=Role.TEAM_MANAGER, team=team, agency=social_care)
    police = AgencyFactory(name="Demo Constabulary", kind=AgencyKind.POLICE)
    officer = UserFactory(role=Role.POLICE_OFFICER, team=TeamFactory(agency=police, name="CID"), agency=police)
    child = PersonFactory(given_name="Zephyrine", family_name="Quillfeather")
    Referral.objects.create(
        child=child,
        received_on=date(2026, 11, 2),
        source=ReferralSource.SCHOOLS,
        team=team,
        allocated_worker=worker,
        decision="assessment",
        decided_on=date(2026, 11, 2),
    )
    return {"child": child, "worker": worker, "manager": manager, "officer": officer, "team": team}


def errors(call) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as raised:
        call()
    return raised.value.message_dict


def sees(user, child):
    return visible_people(user).filter(pk=child.pk).exists()


def test_the_allocated_worker_invites_a_police_officer_who_then_sees_the_record_and_it_is_audited(case):
    now = timezone.now()
    services.invitation_create(
        actor=case["worker"],
        child=case["child"],
        user=case["officer"],
        meeting=Meeting.STRATEGY_DISCUSSION,
        ends_on=timezone.localdate(now) + timedelta(days=7),
        now=now,
    )

    assert sees(case["officer"], case["child"])
    row = AuditEvent.objects.get(action="grant")
    assert row.username == case["worker"].username and row.subjects.get().person_id == case["child"].pk
    assert verify().broken is None


def test_an_invitation_is_refused_beyond_90_days_or_to_yourself_or_by_someone_without_access(case):
    now = timezone.now()
    today = timezone.localdate(now)

    too_long = errors(
        lambda: services.invitation_create(
            actor=case["worker"],
            child=case["child"],
            user=case["officer"],
            meeting="strategy",
            ends_on=today + timedelta(days=91),
            now=now,
        )
    )
    yourself = errors(
        lambda: services.invitation_create(
            actor=case["worker"],
            child=case["child"],
            user=case["worker"],
            meeting="strategy",
            ends_on=today,
            now=now,
        )
    )
    outsider = errors(
        lambda: services.invitation_create(
            actor=case["officer"],
            child=case["child"],
            user=case["officer"],
            meeting="strategy",
            ends_on=today,
            now=now,
        )
    )

    assert "(90 days)" in too_long["ends_on"][0]
    assert too_long.keys() == {"ends_on"}
    assert yourself["user"] == ["You cannot invite yourself."]
    assert "Only the child's social worker or their manager can invite people." in outsider["__all__"]
    assert not sees(case["officer"], case["child"])
    assert not AuditEvent.objects.filter(action="grant").exists()


def test_a_restricted_record_disappears_for_the_allocated_worker_unless_named(case):
    now = timezone.now()
    review = timezone.localdate(now) + timedelta(days=30)

    services.restriction_impose(
        actor=case["manager"],
        child=case["child"],
        kind=RestrictionKind.STAFF,
        reason="The child's aunt works in the unit",
        named=[],
        review_by=review,
        now=now,
    )

    assert sees(case["manager"], case["child"])
    assert not sees(case["worker"], case["child"])
    assert not visible_people(case["worker"]).filter(family_name="Quillfeather").exists()


def test_a_review_date_more_than_90_days_away_is_refused(case):
    now = timezone.now()

    found = errors(
        lambda: services.restriction_impose(
            actor=case["manager"],
            child=case["child"],
            kind=RestrictionKind.ADOPTION,
            reason="Placed",
            named=[case["worker"]],
            review_by=timezone.localdate(now) + timedelta(days=91),
            now=now,
        )
    )

    assert found.keys() == {"review_by"}
    assert sees(case["worker"], case["child"])


def test_lifting_a_restriction_needs_a_second_named_manager(case):
    now = timezone.now()
    second = UserFactory(role=Role.TEAM_MANAGER, team=case["team"], agency=case["team"].agency)
    restriction = services.restriction_impose(
        actor=case["manager"],
        child=case["child"],
        kind=RestrictionKind.HIGH_PROFILE,
        reason="In the news",
        named=[second],
        review_by=timezone.localdate(now) + timedelta(days=30),
        now=now,
    )
    services.restriction_lift_ask(
        actor=case["manager"], restriction=restriction, reason="No longer in the news", now=now
    )

    alone = errors(lambda: services.restriction_lift_agree(actor=case["manager"], restriction=restriction, now=now))
    assert "needs a second person" in alone["__all__"][0]
    assert not sees(case["worker"], case["child"])

    services.restriction_lift_agree(actor=second, restriction=restriction, now=now)

    assert sees(case["worker"], case["child"])
    assert verify().broken is None


def test_break_glass_needs_a_reason_words_and_a_right_code_and_then_opens_the_record_for_an_hour(case):
    now = timezone.now()
    officer, child = case["officer"], case["child"]

    refused = errors(
        lambda: services.break_glass_open(
            actor=officer, child=child, reason="nonsense", explanation="short", second_factor_ok=False, now=now
        )
    )
    assert refused.keys() == {"reason", "explanation", "second_factor"}
    assert not sees(officer, child)

    use = services.break_glass_open(
        actor=officer,
        child=child,
        reason="immediate_risk",
        explanation="Called to the address at 2am, child alone",
        second_factor_ok=True,
        now=now,
    )

    assert sees(officer, child)
    assert use.ends_at - use.started_at == timedelta(minutes=60)
    row = AuditEvent.objects.get(action="break_glass")
    assert "Called to the address at 2am" in row.reason
    assert BreakGlass.objects.filter(reviewed_at__isnull=True).count() == 1


def test_break_glass_cannot_open_a_restricted_record_and_says_the_same_as_for_no_such_child(case):
    now = timezone.now()
    services.restriction_impose(
        actor=case["manager"],
        child=case["child"],
        kind=RestrictionKind.WITNESS_PROTECTION,
        reason="Witness",
        named=[],
        review_by=timezone.localdate(now) + timedelta(days=30),
        now=now,
    )

    def attempt(child):
        return errors(
            lambda: services.break_glass_open(
                actor=case["officer"],
                child=child,
                reason="immediate_risk",
                explanation="Called to the address at 2am, child alone",
                second_factor_ok=True,
                now=now,
            )
        )

    assert attempt(case["child"]) == attempt(None)
    assert not sees(case["officer"], case["child"])


def test_a_privacy_officer_reviews_break_glass_but_nobody_reviews_their_own(case):
    now = timezone.now()
    officer = UserFactory(role=Role.PRIVACY_OFFICER, team=None)
    use = services.break_glass_open(
        actor=case["officer"],
        child=case["child"],
        reason="out_of_hours",
        explanation="Emergency duty call about the child",
        second_factor_ok=True,
        now=now,
    )

    by_user = errors(lambda: services.break_glass_review(actor=case["officer"], use=use, note="fine", now=now))
    no_note = errors(lambda: services.break_glass_review(actor=officer, use=use, note=" ", now=now))
    services.break_glass_review(actor=officer, use=use, note="Justified: police call at 2am", now=now)

    assert "Only a privacy officer" in by_user["__all__"][0]
    assert no_note == {"review_note": ["Record what you found."]}
    use.refresh_from_db()
    assert use.reviewed_by == officer and use.review_note == "Justified: police call at 2am"


def test_nobody_names_themselves_on_a_restricted_record_or_reviews_their_own_access(case):
    now = timezone.now()
    review = timezone.localdate(now) + timedelta(days=30)
    second = UserFactory(role=Role.TEAM_MANAGER, team=case["team"], agency=case["team"].agency)
    restriction = services.restriction_impose(
        actor=case["manager"],
        child=case["child"],
        kind=RestrictionKind.ADOPTION,
        reason="Placed for adoption",
        named=[second],
        review_by=review,
        now=now,
    )
    outsider = UserFactory(role=Role.TEAM_MANAGER, team=case["team"], agency=case["team"].agency)

    by_outsider = errors(
        lambda: services.restriction_name(
            actor=outsider, restriction=restriction, user=outsider, review_by=review, now=now
        )
    )
    own = restriction.grants.get(user=case["manager"])
    own_review = errors(
        lambda: services.restriction_grant_review(
            actor=case["manager"], grant=own, keep=True, review_by=review, now=now
        )
    )

    assert "Only a manager named on the record can name people." in by_outsider["__all__"]
    assert by_outsider["user"] == ["You cannot name yourself."]
    assert own_review["__all__"] == ["Someone else reviews your own access."]
    assert not sees(outsider, case["child"])
    services.restriction_grant_review(actor=second, grant=own, keep=False, review_by=None, now=now)
    assert not sees(case["manager"], case["child"])


def test_staff_named_as_taking_part_in_a_meeting_see_the_record_for_the_longest_an_invitation_lasts(case):
    now = timezone.now()

    services.meeting_access_give(
        actor=case["worker"], child=case["child"], users=[case["officer"]], meeting=Meeting.CORE_GROUP, now=now
    )

    assert sees(case["officer"], case["child"])
    invitation = case["officer"].invitations.get()
    assert (invitation.meeting, invitation.invited_by) == ("core_group", case["worker"])
    assert timedelta(days=90) < invitation.ends_at - now <= timedelta(days=91)
    row = AuditEvent.objects.get(what="invitation")
    assert row.action == "grant" and "took part in the core group" in row.reason


def test_only_unit_staff_other_than_the_recorder_can_be_given_the_record_from_a_meeting_and_nothing_is_written(case):
    administrator = UserFactory(role=Role.ADMINISTRATOR, first_name="Ada", last_name="Admin")
    before = AuditEvent.objects.count()

    broken = errors(
        lambda: services.meeting_access_give(
            actor=case["worker"],
            child=case["child"],
            users=[case["worker"], administrator, case["officer"]],
            meeting=Meeting.CONFERENCE,
            now=timezone.now(),
        )
    )

    assert broken == {
        "access_for": [
            "You see the record already: leave yourself unticked.",
            "Ada Admin is not one of the unit's staff: only unit staff can be given the record.",
        ]
    }
    assert not sees(case["officer"], case["child"]) and AuditEvent.objects.count() == before
