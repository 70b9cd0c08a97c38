"""Writes at the front door: contacts, their outcomes, referrals and the manager's decision."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from macpu.agencies.models import Agency, Role, Team, User
from macpu.chronology.models import EventKind
from macpu.chronology.services import event_record
from macpu.core.codes import ReasonForClosure, ReferralSource
from macpu.core.services import Rules, check_role, locked, today_of
from macpu.intake.models import Contact, ContactOutcome, Referral, ReferralDecision, Urgency
from macpu.people.models import Household, Person, PersonDisability
from macpu.people.selectors import CASE_ROLES
from macpu.people.services import PersonDetails, check_person, household_record


def _check_source(rules: Rules, source: str, field: str = "referral_source") -> None:
    rules.check(source in ReferralSource.values, field, "Choose who made the referral from the list.")


def may_record_contact(user: User) -> bool:
    """Unit staff in a team record contacts: every unit case role (police notifications are contacts)."""
    return user.is_active and user.role in CASE_ROLES and user.team_id is not None


@transaction.atomic
def contact_record(
    *,
    actor: User,
    now: datetime,
    children: Sequence[Person],
    received_on: date,
    referrer_name: str,
    referral_source: str,
    concern: str,
    urgency: str,
    team: Team,
    household: Household | None = None,
    referrer_role: str = "",
    referrer_agency: Agency | None = None,
) -> Contact:
    today = today_of(now)
    rules = Rules()
    rules.check(may_record_contact(actor), "__all__", "Only unit staff in a team can record a contact.")
    rules.check(len(children) > 0, "children", "A contact is about at least one child.")
    rules.not_in_future(received_on, "received_on", "The date the contact was received", today)
    rules.check(bool(referrer_name.strip()), "referrer_name", "Enter who raised the concern.")
    _check_source(rules, referral_source)
    rules.check(bool(concern.strip()), "concern", "Enter the concern, in the referrer's words.")
    rules.check(urgency in Urgency.values, "urgency", "Choose how urgent the concern is.")
    rules.raise_if_broken()

    contact = Contact.objects.create(
        received_on=received_on,
        household=household,
        referrer_name=referrer_name.strip(),
        referrer_role=referrer_role.strip(),
        referrer_agency=referrer_agency,
        referral_source=referral_source,
        concern=concern.strip(),
        urgency=urgency,
        team=team,
        recorded_by=actor,
    )
    contact.children.add(*children)
    for child in children:
        event_record(
            child=child,
            kind=EventKind.CONTACT_RECORDED,
            occurred_on=received_on,
            subject=contact,
            summary=f"Contact from {contact.referrer_name} ({ReferralSource(referral_source).label}).",
            actor=actor,
            now=now,
        )
    return contact


@transaction.atomic
def contact_with_household_record(
    *,
    actor: User,
    now: datetime,
    household: Mapping[str, Any],
    team: Team,
    received_on: date,
    referrer_name: str,
    referral_source: str,
    concern: str,
    urgency: str,
    referrer_role: str = "",
    referrer_agency: Agency | None = None,
) -> Contact:
    """Record a household (`household` holds `people.services.household_record`'s arguments) and the contact about
    its children: both or nothing. One refusal names every problem with both, under the household's keys
    (child_1_date_of_birth) and the contact's (received_on). When the household is refused there are no children,
    so the contact's "at least one child" says nothing new and is left out."""
    errors: dict[str, list[str]] = {}
    people = None
    try:
        people = household_record(actor=actor, now=now, **household)
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        contact = contact_record(
            actor=actor,
            now=now,
            children=people.children if people else [],
            household=people.household if people else None,
            received_on=received_on,
            referrer_name=referrer_name,
            referral_source=referral_source,
            concern=concern,
            urgency=urgency,
            team=team,
            referrer_role=referrer_role,
            referrer_agency=referrer_agency,
        )
    except ValidationError as error:
        for key, messages in error.message_dict.items():
            if people or key != "children":
                errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)  # undoes the household, if it was written
    return contact


def _open_referral(
    *,
    actor: User,
    now: datetime,
    child: Person,
    received_on: date,
    source: str,
    team: Team,
    contact: Contact | None,
) -> Referral:
    referral = Referral.objects.create(child=child, contact=contact, received_on=received_on, source=source, team=team)
    event_record(
        child=child,
        kind=EventKind.REFERRAL_RECEIVED,
        occurred_on=received_on,
        subject=referral,
        summary=f"Referral received from {ReferralSource(source).label}.",
        actor=actor,
        now=now,
    )
    return referral


def _check_can_open_episode(rules: Rules, children: Sequence[Person], received_on: date, field: str) -> None:
    """One open episode per child, and no episode starting before the child's last one closed."""
    for child in children:
        episodes = Referral.objects.filter(child=child)
        if not rules.check(
            not episodes.filter(closed_on__isnull=True).exists(),
            field,
            f"{child.full_name} already has an open case: add this to their open case instead "
            "(a child has one open episode at a time).",
        ):
            continue
        last_closed = episodes.order_by("-closed_on").values_list("closed_on", flat=True).first()
        if last_closed:
            rules.check(
                received_on >= last_closed,
                field,
                f"Episodes cannot overlap: {child.full_name}'s last case closed on {last_closed:%-d %B %Y}.",
            )


@transaction.atomic
def contact_decide(
    *,
    actor: User,
    now: datetime,
    contact: Contact,
    outcome: str,
    reasons: str,
    decided_on: date,
) -> list[Referral]:
    """Decide a contact's outcome. A referral opens one episode for each child, each with its own clocks."""
    contact = locked(contact)
    rules = Rules()
    check_role(rules, actor, "contact_decide", "outcome")
    rules.check(not contact.outcome, "outcome", "This contact has already been decided.")
    rules.check(outcome in ContactOutcome.values, "outcome", "Choose what happens next.")
    rules.check(bool(reasons.strip()), "reasons", "Give the reasons for the decision.")
    rules.not_in_future(decided_on, "decided_on", "The decision date", today_of(now))
    rules.not_before(
        decided_on, contact.received_on, "decided_on", "The decision date", "the date the contact was received"
    )
    children = list(contact.children.all())
    if outcome == ContactOutcome.REFERRAL:
        _check_can_open_episode(rules, children, decided_on, "outcome")
    rules.raise_if_broken()

    contact.outcome, contact.outcome_reasons, contact.decided_on, contact.decided_by = (
        outcome,
        reasons.strip(),
        decided_on,
        actor,
    )
    contact.save(update_fields=["outcome", "outcome_reasons", "decided_on", "decided_by"])
    label = ContactOutcome(outcome).label
    for child in children:
        event_record(
            child=child,
            kind=EventKind.CONTACT_DECIDED,
            occurred_on=decided_on,
            subject=contact,
            summary=f"Contact decision: {label}. {contact.outcome_reasons}",
            actor=actor,
            now=now,
        )
    if outcome != ContactOutcome.REFERRAL:
        return []
    return [
        _open_referral(
            actor=actor,
            now=now,
            child=child,
            received_on=decided_on,
            source=contact.referral_source,
            team=contact.team,
            contact=contact,
        )
        for child in children
    ]


@transaction.atomic
def referral_create(
    *,
    actor: User,
    now: datetime,
    child: Person,
    received_on: date,
    source: str,
    team: Team,
) -> Referral:
    """A referral received directly (for example from a partner agency's system through the API)."""
    rules = Rules()
    check_role(rules, actor, "referral_create")
    rules.not_in_future(received_on, "received_on", "The referral date", today_of(now))
    _check_source(rules, source, "source")
    _check_can_open_episode(rules, [child], received_on, "child")
    rules.raise_if_broken()
    return _open_referral(
        actor=actor, now=now, child=child, received_on=received_on, source=source, team=team, contact=None
    )


@transaction.atomic
def referral_decide(
    *,
    actor: User,
    now: datetime,
    referral: Referral,
    decision: str,
    reasons: str,
    decided_on: date,
) -> Referral:
    """The manager's decision on the response. No further action closes the episode on the decision date."""
    referral = locked(referral)
    rules = Rules()
    check_role(rules, actor, "referral_decide", "decision")
    rules.check(not referral.decision, "decision", "This referral has already been decided.")
    rules.check(decision in ReferralDecision.values, "decision", "Choose the response to the referral.")
    rules.check(bool(reasons.strip()), "reasons", "Give the reasons for the decision.")
    rules.not_in_future(decided_on, "decided_on", "The decision date", today_of(now))
    rules.not_before(decided_on, referral.received_on, "decided_on", "The decision date", "the referral date")
    rules.raise_if_broken()

    referral.decision, referral.decision_reasons = decision, reasons.strip()
    referral.decided_on, referral.decided_by = decided_on, actor
    fields = ["decision", "decision_reasons", "decided_on", "decided_by"]
    if decision == ReferralDecision.NO_FURTHER_ACTION:
        referral.closed_on, referral.closure_reason = decided_on, ReasonForClosure.SERVICES_CEASED
        fields += ["closed_on", "closure_reason"]
    referral.save(update_fields=fields)
    event_record(
        child=referral.child,
        kind=EventKind.REFERRAL_DECIDED,
        occurred_on=decided_on,
        subject=referral,
        summary=f"Referral decision: {ReferralDecision(decision).label}. {referral.decision_reasons}",
        actor=actor,
        now=now,
    )
    return referral


@transaction.atomic
def referral_allocate(*, actor: User, now: datetime, referral: Referral, worker: User) -> Referral:
    referral = locked(referral)
    rules = Rules()
    check_role(rules, actor, "referral_allocate", "worker")
    rules.check(
        worker.is_active and worker.role in (Role.SOCIAL_WORKER, Role.TEAM_MANAGER),
        "worker",
        "Allocate the case to a social worker.",
    )
    rules.check(worker.team_id == referral.team_id, "worker", "Allocate the case to someone in the team holding it.")
    rules.check(referral.is_open, "worker", "This case is closed.")
    rules.raise_if_broken()
    referral.allocated_worker = worker
    referral.save(update_fields=["allocated_worker"])
    event_record(
        child=referral.child,
        kind=EventKind.ALLOCATED,
        occurred_on=today_of(now),
        subject=referral,
        summary=f"Allocated to {worker.display_name}.",
        actor=actor,
        now=now,
    )
    return referral


def require_open_and_acted_on(rules: Rules, referral: Referral, field: str) -> None:
    """Work on an episode needs it open and not a referral with no further action (census rule)."""
    rules.check(referral.is_open, field, "This case is closed.")
    rules.check(
        not referral.is_nfa,
        field,
        "This referral was decided as no further action, so it carries no assessment, enquiry, conference or plan.",
    )


@transaction.atomic
def person_details_correct(
    *,
    actor: User,
    now: datetime,
    person: Person,
    given_name: str,
    family_name: str,
    sex: str,
    ethnicity: str,
    nhs_number: str,
    upn: str,
    disabilities: Sequence[str],
) -> Person:
    """Correct a child's details (names, sex, ethnicity, identifiers, disabilities). Dates of birth are not changed
    here: they move every clock and age on the case."""
    rules = Rules()
    check_role(rules, actor, "person_details_correct")
    person = locked(person)
    details = PersonDetails(
        given_name=given_name,
        family_name=family_name,
        sex=sex,
        date_of_birth=person.date_of_birth,
        ethnicity=ethnicity,
        nhs_number=nhs_number,
        upn=upn,
        disabilities=tuple(disabilities),
    )
    check_person(rules, details, "", today_of(now))
    rules.raise_if_broken()

    before = {
        name: getattr(person, name) for name in ("given_name", "family_name", "sex", "ethnicity", "nhs_number", "upn")
    }
    after = {name: getattr(details, name) for name in before}
    after["given_name"], after["family_name"] = given_name.strip(), family_name.strip()
    old_codes = sorted(d.code for d in person.disabilities.all())
    changed = [Person._meta.get_field(n).verbose_name for n in before if before[n] != after[n]]
    if sorted(disabilities) != old_codes:
        changed.append("disability")
    for name, value in after.items():
        setattr(person, name, value)
    person.save(update_fields=list(after))
    person.disabilities.all().delete()
    PersonDisability.objects.bulk_create(PersonDisability(person=person, code=c) for c in disabilities)
    event_record(
        child=person,
        kind=EventKind.DETAILS_CHANGED,
        occurred_on=today_of(now),
        subject=person,
        summary=f"Details changed: {', '.join(str(c).lower() for c in changed) or 'nothing changed'}.",
        actor=actor,
        now=now,
    )
    return person
