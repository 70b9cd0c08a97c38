"""Writes about access: invitations, restricted records, break-glass, and their reviews. Each validates, writes
and appends its audit row in one transaction (design rule 1); none lets a user give access to themselves."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction

from macpu.access import audit
from macpu.access.models import (
    BreakGlass,
    BreakGlassReason,
    Invitation,
    Meeting,
    Restriction,
    RestrictionGrant,
    RestrictionKind,
)
from macpu.access.selectors import UNIT_ROLES, bases_for, visible_people
from macpu.agencies.models import Role, User
from macpu.core.services import SOCIAL_CARE, Rules, locked, today_of
from macpu.people.models import Person


def _sees(user: User, child: Person) -> bool:
    return visible_people(user).filter(pk=child.pk).exists()


def _log(actor: User, action: str, what: str, reason: str, child: Person, now: datetime, record: object) -> None:
    basis = bases_for(actor, [child.pk]).get(child.pk, "No current relationship")
    audit.record(
        user=actor, action=action, what=what, reason=reason, now=now, subjects=[(child.pk, basis)], record=record
    )


@transaction.atomic
def invitation_create(
    *, actor: User, child: Person, user: User | None, meeting: str, ends_on: date | None, now: datetime
) -> Invitation:
    """Invite a member of the unit's staff to a meeting about the child: they see the child's record until the
    end of `ends_on` (at most 90 days ahead). Only social care staff who see the child may invite."""
    rules = Rules()
    today = today_of(now)
    latest = today + timedelta(days=settings.ACCESS_INVITATION_MAX_DAYS)
    rules.check(
        actor.role in SOCIAL_CARE and _sees(actor, child),
        "__all__",
        "Only the child's social worker or their manager can invite people.",
    )
    if rules.check(user is not None, "user", "Choose who to invite."):
        rules.check(user.pk != actor.pk, "user", "You cannot invite yourself.")
        rules.check(user.is_active and user.role in UNIT_ROLES, "user", "Choose a member of the unit's staff.")
    rules.check(meeting in Meeting.values, "meeting", "Choose the meeting they are invited to.")
    if rules.check(ends_on is not None, "ends_on", "Enter the last day they need to see the record."):
        rules.check(ends_on >= today, "ends_on", "The last day must be today or later.")
        rules.check(ends_on <= latest, "ends_on", f"The last day must be no later than {latest:%-d %B %Y} (90 days).")
    rules.raise_if_broken()
    reason = f"{user} invited to the {Meeting(meeting).label.lower()} until {ends_on:%-d %B %Y}"
    return _invite(actor, child, user, meeting, ends_on, now, reason)  # type: ignore[arg-type]


def _invite(
    actor: User, child: Person, user: User, meeting: str, ends_on: date, now: datetime, reason: str
) -> Invitation:
    """The invitation, to the end of `ends_on`, and its audit row."""
    invitation = Invitation.objects.create(
        child=child,
        user=user,
        meeting=meeting,
        starts_at=now,
        ends_at=datetime.combine(ends_on + timedelta(days=1), datetime.min.time(), tzinfo=now.tzinfo),
        invited_by=actor,
    )
    _log(actor, "grant", "invitation", reason, child, now, invitation)
    return invitation


@transaction.atomic
def meeting_access_give(*, actor: User, child: Person, users: Iterable[User], meeting: str, now: datetime) -> None:
    """Staff who took part in a meeting about the child, named by whoever records it, see the child's record for
    the longest an invitation lasts (ACCESS_INVITATION_MAX_DAYS). The meeting's own service has checked the
    recorder's role; here each person must be unit staff, and someone other than the recorder."""
    users = list(dict.fromkeys(users))
    rules = Rules()
    for user in users:
        rules.check(user.pk != actor.pk, "access_for", "You see the record already: leave yourself unticked.")
        rules.check(
            user.is_active and user.role in UNIT_ROLES,
            "access_for",
            f"{user.display_name} is not one of the unit's staff: only unit staff can be given the record.",
        )
    rules.raise_if_broken()
    ends_on = today_of(now) + timedelta(days=settings.ACCESS_INVITATION_MAX_DAYS)
    for user in users:
        reason = f"{user} took part in the {Meeting(meeting).label.lower()}: access until {ends_on:%-d %B %Y}"
        _invite(actor, child, user, meeting, ends_on, now, reason)


@transaction.atomic
def invitation_withdraw(*, actor: User, invitation: Invitation, now: datetime) -> Invitation:
    invitation = locked(invitation)
    rules = Rules()
    rules.check(
        actor.role in SOCIAL_CARE and _sees(actor, invitation.child),
        "__all__",
        "Only the child's social worker or their manager can withdraw an invitation.",
    )
    rules.check(
        invitation.withdrawn_at is None and invitation.ends_at > now, "__all__", "This invitation has already ended."
    )
    rules.raise_if_broken()
    invitation.withdrawn_at, invitation.withdrawn_by = now, actor
    invitation.save(update_fields=["withdrawn_at", "withdrawn_by"])
    _log(actor, "revoke", "invitation", f"Invitation of {invitation.user} withdrawn", invitation.child, now, invitation)
    return invitation


def _review_by(rules: Rules, review_by: date | None, today: date) -> None:
    latest = today + timedelta(days=settings.RESTRICTION_REVIEW_MAX_DAYS)
    if rules.check(review_by is not None, "review_by", "Enter the date to review this person's access by."):
        rules.check(review_by > today, "review_by", "The review date must be in the future.")
        rules.check(
            review_by <= latest, "review_by", f"The review date must be no later than {latest:%-d %B %Y} (90 days)."
        )


@transaction.atomic
def restriction_impose(
    *, actor: User, child: Person, kind: str, reason: str, named: list[User], review_by: date | None, now: datetime
) -> Restriction:
    """Restrict a child's record: from now only the named people (the manager restricting it among them) see it."""
    rules = Rules()
    rules.check(
        actor.role == Role.TEAM_MANAGER and _sees(actor, child),
        "__all__",
        "Only a manager who can see the child's record can restrict it.",
    )
    rules.check(kind in RestrictionKind.values, "kind", "Choose why the record is restricted.")
    rules.check(bool(reason.strip()), "reason", "Say why the record is restricted.")
    rules.check(
        not Restriction.objects.filter(child=child, lifted_at__isnull=True).exists(),
        "__all__",
        "This record is already restricted.",
    )
    for person in named:
        rules.check(
            person.is_active and person.role in UNIT_ROLES, "named", f"{person} is not a member of the unit's staff."
        )
    _review_by(rules, review_by, today_of(now))
    rules.raise_if_broken()
    restriction = Restriction.objects.create(
        child=child, kind=kind, reason=reason.strip(), imposed_by=actor, imposed_at=now
    )
    for person in {actor, *named}:
        RestrictionGrant.objects.create(
            restriction=restriction, user=person, granted_by=actor, granted_at=now, review_by=review_by
        )
    names = ", ".join(sorted(str(p) for p in {actor, *named}))
    _log(
        actor,
        "restrict",
        "restriction",
        f"Restricted ({RestrictionKind(kind).label}); named: {names}",
        child,
        now,
        restriction,
    )
    return restriction


@transaction.atomic
def restriction_name(
    *, actor: User, restriction: Restriction, user: User | None, review_by: date | None, now: datetime
) -> RestrictionGrant:
    """Name one more person on a restricted record. A named manager names others; nobody names themselves."""
    rules = Rules()
    rules.check(_named_manager(actor, restriction), "__all__", "Only a manager named on the record can name people.")
    if rules.check(user is not None, "user", "Choose who to name."):
        rules.check(user.pk != actor.pk, "user", "You cannot name yourself.")
        rules.check(user.is_active and user.role in UNIT_ROLES, "user", "Choose a member of the unit's staff.")
        rules.check(
            not restriction.grants.filter(user=user, ended_at__isnull=True).exists(),
            "user",
            f"{user} is already named.",
        )
    _review_by(rules, review_by, today_of(now))
    rules.raise_if_broken()
    grant = RestrictionGrant.objects.create(
        restriction=restriction, user=user, granted_by=actor, granted_at=now, review_by=review_by
    )
    _log(
        actor,
        "grant",
        "restriction grant",
        f"{user} named until review on {review_by:%-d %B %Y}",
        restriction.child,
        now,
        grant,
    )
    return grant


@transaction.atomic
def restriction_grant_review(
    *, actor: User, grant: RestrictionGrant, keep: bool, review_by: date | None, now: datetime
) -> RestrictionGrant:
    """Review a named person's access: keep it until a new review date, or end it. Nobody reviews their own."""
    grant = locked(grant)
    rules = Rules()
    rules.check(
        _named_manager(actor, grant.restriction), "__all__", "Only a manager named on the record can review access."
    )
    rules.check(grant.user_id != actor.pk, "__all__", "Someone else reviews your own access.")
    rules.check(grant.ended_at is None, "__all__", "This person's access has already ended.")
    if keep:
        _review_by(rules, review_by, today_of(now))
    rules.raise_if_broken()
    if keep:
        grant.review_by = review_by
        grant.save(update_fields=["review_by"])
        reason = f"{grant.user}'s access kept until review on {review_by:%-d %B %Y}"
    else:
        grant.ended_at, grant.ended_by = now, actor
        grant.save(update_fields=["ended_at", "ended_by"])
        reason = f"{grant.user}'s access ended"
    _log(actor, "grant" if keep else "revoke", "restriction review", reason, grant.restriction.child, now, grant)
    return grant


def _named_manager(user: User, restriction: Restriction) -> bool:
    return (
        user.role == Role.TEAM_MANAGER
        and restriction.lifted_at is None
        and restriction.grants.filter(user=user, ended_at__isnull=True).exists()
    )


@transaction.atomic
def restriction_lift_ask(*, actor: User, restriction: Restriction, reason: str, now: datetime) -> Restriction:
    """The first of the two people needed to lift a restriction asks for it, saying why."""
    restriction = locked(restriction)
    rules = Rules()
    rules.check(_named_manager(actor, restriction), "__all__", "Only a manager named on the record can ask to lift it.")
    rules.check(restriction.lift_asked_at is None, "__all__", "Someone has already asked to lift this restriction.")
    rules.check(bool(reason.strip()), "lift_reason", "Say why the restriction should be lifted.")
    rules.raise_if_broken()
    restriction.lift_asked_by, restriction.lift_asked_at, restriction.lift_reason = actor, now, reason.strip()
    restriction.save(update_fields=["lift_asked_by", "lift_asked_at", "lift_reason"])
    _log(actor, "restrict", "restriction lift asked", restriction.lift_reason, restriction.child, now, restriction)
    return restriction


@transaction.atomic
def restriction_lift_agree(*, actor: User, restriction: Restriction, now: datetime) -> Restriction:
    """The second person agrees, and the record is no longer restricted."""
    restriction = locked(restriction)
    rules = Rules()
    rules.check(
        _named_manager(actor, restriction), "__all__", "Only a manager named on the record can agree to lift it."
    )
    rules.check(restriction.lift_asked_at is not None, "__all__", "Nobody has asked to lift this restriction yet.")
    rules.check(
        restriction.lift_asked_by_id != actor.pk,
        "__all__",
        "Lifting a restriction needs a second person: someone else must agree.",
    )
    rules.raise_if_broken()
    restriction.lifted_by, restriction.lifted_at = actor, now
    restriction.save(update_fields=["lifted_by", "lifted_at"])
    _log(
        actor,
        "restrict",
        "restriction lifted",
        f"Agreed with {restriction.lift_asked_by}",
        restriction.child,
        now,
        restriction,
    )
    return restriction


@transaction.atomic
def break_glass_open(
    *, actor: User, child: Person | None, reason: str, explanation: str, second_factor_ok: bool, now: datetime
) -> BreakGlass:
    """Open a record without a relationship, for a limited time: a reason from the list, words, and the second
    factor again (the caller checks it: the page asks for the user's security key). Restricted records cannot be
    opened this way. The privacy officer is alerted (their page lists every use not yet reviewed) and the use shows
    in the record's access history."""
    rules = Rules()
    rules.check(actor.is_active and actor.role in UNIT_ROLES, "__all__", "Your role cannot use emergency access.")
    rules.check(reason in BreakGlassReason.values, "reason", "Choose the reason you need the record.")
    rules.check(
        len(explanation.strip()) >= 20, "explanation", "Explain in at least 20 characters why you need the record now."
    )
    rules.check(
        second_factor_ok,
        "second_factor",
        "Your security key was not recognised. Select “Open the record” and touch your key when it flashes.",
    )
    restricted = child is not None and Restriction.objects.filter(child=child, lifted_at__isnull=True).exists()
    rules.check(
        child is not None and not restricted, "child", "There is no child with this ID that you can open this way."
    )
    rules.raise_if_broken()
    use = BreakGlass.objects.create(
        user=actor,
        child=child,
        reason=reason,
        explanation=explanation.strip(),
        started_at=now,
        ends_at=now + timedelta(minutes=settings.BREAK_GLASS_MINUTES),
    )
    why = f"Break-glass: {BreakGlassReason(reason).label}. {use.explanation}"
    audit.record(
        user=actor,
        action="break_glass",
        what="break-glass",
        reason=why,
        now=now,
        subjects=[(child.pk, why)],
        record=use,
    )
    return use


@transaction.atomic
def break_glass_review(*, actor: User, use: BreakGlass, note: str, now: datetime) -> BreakGlass:
    use = locked(use)
    rules = Rules()
    rules.check(actor.role == Role.PRIVACY_OFFICER, "__all__", "Only a privacy officer reviews emergency access.")
    rules.check(use.user_id != actor.pk, "__all__", "Someone else reviews your own emergency access.")
    rules.check(use.reviewed_at is None, "__all__", "This use has already been reviewed.")
    rules.check(bool(note.strip()), "review_note", "Record what you found.")
    rules.raise_if_broken()
    use.reviewed_by, use.reviewed_at, use.review_note = actor, now, note.strip()
    use.save(update_fields=["reviewed_by", "reviewed_at", "review_note"])
    audit.record(
        user=actor,
        action="review",
        what="break-glass review",
        reason=use.review_note,
        now=now,
        subjects=[(use.child_id, "Privacy officer's review")],
        record=use,
    )
    return use
