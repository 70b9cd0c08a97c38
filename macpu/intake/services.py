"""Writes at the front door: contacts, their outcomes, referrals and the manager's decision; and the changes to a
child's own record (details, birth, death), which write to the child's timeline, so live above people."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Min, Q
from django.utils.text import get_text_list

from macpu.agencies.models import UNIT_ROLES, Agency, Role, Team, User
from macpu.chronology.models import EventKind
from macpu.chronology.services import event_record
from macpu.core.codes import Disability, ReasonForClosure, ReferralSource, Sex
from macpu.core.services import Rules, check_role, locked, today_of
from macpu.intake.models import Contact, ContactOutcome, Referral, ReferralDecision, Urgency
from macpu.people.matching import match_keys_refresh
from macpu.people.models import Household, Person, PersonDisability
from macpu.people.services import PersonDetails, check_person, household_record


def _check_source(rules: Rules, source: str, field: str = "referral_source") -> None:
    rules.check(source in ReferralSource.values, field, "Choose who made the referral from the list.")


def may_record_contact(user: User) -> bool:
    """Unit staff in a team record contacts: every unit case role (police notifications are contacts)."""
    return user.is_active and user.role in UNIT_ROLES and user.team_id is not None


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
    for child in children:
        rules.alive_on(received_on, child, "received_on", "The date the contact was received")
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
        rules.alive_on(received_on, child, field, "The referral date")
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


NEXT_FOR_REFERRER = {
    ContactOutcome.NO_FURTHER_ACTION: "The unit will take no further action.",
    ContactOutcome.ADVICE: "The family has been given advice or pointed to services that can help.",
    ContactOutcome.EARLY_HELP: "The family has been offered early help.",
    ContactOutcome.REFERRAL: "Children's social care has taken a referral and will be in touch if it needs more "
    "from you.",
}


def referrer_message(contact: Contact) -> str:
    """What the referrer is told: the decision and what it means, and nothing the unit learned since (no reasons,
    nothing from other agencies), so it can go to anyone who raised a concern."""
    names = get_text_list([c.given_name or "the child" for c in contact.children.order_by("given_name")], "and")
    return (
        f"Thank you for telling us on {contact.received_on:%-d %B %Y} about your concern for {names}. "
        f"The unit has decided: {ContactOutcome(contact.outcome).label.lower()}. "
        f"{NEXT_FOR_REFERRER[ContactOutcome(contact.outcome)]} "
        "If you are worried about a child again, contact us straight away."
    )


@transaction.atomic
def referrer_tell(*, actor: User, now: datetime, contact: Contact) -> Contact:
    """Record that the referrer was told the outcome, keeping the words they were told."""
    contact = locked(contact)
    rules = Rules()
    check_role(rules, actor, "contact_decide")
    rules.check(bool(contact.outcome), "__all__", "Decide the contact before telling the referrer the outcome.")
    rules.check(contact.referrer_told_at is None, "__all__", "The referrer has already been told.")
    rules.raise_if_broken()
    contact.referrer_told_at, contact.referrer_told_by = now, actor
    contact.referrer_message = referrer_message(contact)
    contact.save(update_fields=["referrer_told_at", "referrer_told_by", "referrer_message"])
    for child in contact.children.all():
        event_record(
            child=child,
            kind=EventKind.REFERRER_TOLD,
            occurred_on=today_of(now),
            subject=contact,
            summary=f"{contact.referrer_name} told the outcome: {contact.get_outcome_display()}.",
            actor=actor,
            now=now,
        )
    return contact


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

    after = {
        "given_name": given_name.strip(),
        "family_name": family_name.strip(),
        "sex": sex,
        "ethnicity": ethnicity,
        "nhs_number": nhs_number,
        "upn": upn,
    }
    old_codes = sorted(d.code for d in person.disabilities.all())
    changes = [
        f"{DETAIL_NAMES[name]} from {_shown(person, name)} to {_shown(person, name, value)}"
        for name, value in after.items()
        if getattr(person, name) != value
    ]
    if sorted(disabilities) != old_codes:
        changes.append(f"disability from {_disabilities(old_codes)} to {_disabilities(disabilities)}")
    if not changes:
        return person  # nothing changed: nothing to record
    for name, value in after.items():
        setattr(person, name, value)
    person.save(update_fields=list(after))
    match_keys_refresh(people=[person])
    person.disabilities.all().delete()
    PersonDisability.objects.bulk_create(PersonDisability(person=person, code=c) for c in disabilities)
    event_record(
        child=person,
        kind=EventKind.DETAILS_CHANGED,
        occurred_on=today_of(now),
        subject=person,
        summary=f"Changed {'; '.join(changes)}.",
        actor=actor,
        now=now,
    )
    return person


DETAIL_NAMES = {
    "given_name": "first name",
    "family_name": "last name",
    "sex": "sex",
    "ethnicity": "ethnicity",
    "nhs_number": "NHS number",
    "upn": "unique pupil number",
}


def _shown(person: Person, name: str, value: str | None = None) -> str:
    """A detail as the timeline shows it: its label for a coded value, "not recorded" when empty."""
    value = getattr(person, name) if value is None else value
    if not value:
        return "not recorded"
    choices = dict(Person._meta.get_field(name).choices or ())
    return str(choices.get(value, value))


def _disabilities(codes: Sequence[str]) -> str:
    return ", ".join(Disability(c).label for c in sorted(codes)) or "not recorded"


# A birth is plausible from 20 weeks before the expected date (a baby born at 22 weeks is 18 weeks early) to 6 weeks
# after it; the CIN census refuses a referral more than 40 weeks before birth (rule 8606).
BIRTH_EARLY = timedelta(weeks=20)
BIRTH_LATE = timedelta(weeks=6)
REFERRAL_BEFORE_BIRTH = timedelta(weeks=40)


@transaction.atomic
def person_birth_record(
    *, actor: User, now: datetime, person: Person, born_on: date, sex: str, given_name: str = ""
) -> Person:
    """An unborn child is born: the date of birth replaces the expected date, with the baby's sex and, when given,
    first name."""
    person = locked(person)
    rules = Rules()
    check_role(rules, actor, "person_birth_record")
    rules.not_in_future(born_on, "born_on", "The date of birth", today_of(now))
    rules.check(sex in Sex.values, "sex", "Choose male, female or not known.")
    expected = person.expected_date_of_birth if person.is_unborn else None
    rules.check(
        expected is not None, "born_on", "Only an unborn child's birth is recorded: this child has a date of birth."
    )
    if expected is not None:
        rules.check(
            expected - BIRTH_EARLY <= born_on <= expected + BIRTH_LATE,
            "born_on",
            f"The date of birth is too far from the expected date ({expected:%-d %B %Y}): check it.",
        )
        first_record = person.events.aggregate(m=Min("occurred_on"))["m"]
        if first_record:
            rules.not_before(
                born_on, first_record, "born_on", "The date of birth", "the first record of the unborn child"
            )
        first_referral = person.referrals.aggregate(m=Min("received_on"))["m"]
        if first_referral:
            rules.check(
                born_on <= first_referral + REFERRAL_BEFORE_BIRTH,
                "born_on",
                f"A child is referred at most 40 weeks before birth: the first referral was on "
                f"{first_referral:%-d %B %Y}. Check the date of birth.",
            )
    rules.raise_if_broken()

    person.date_of_birth, person.expected_date_of_birth, person.sex = born_on, None, sex
    fields = ["date_of_birth", "expected_date_of_birth", "sex"]
    if given_name.strip():
        person.given_name = given_name.strip()
        fields.append("given_name")
    person.save(update_fields=fields)
    match_keys_refresh(people=[person])
    event_record(
        child=person,
        kind=EventKind.BORN,
        occurred_on=born_on,
        subject=person,
        summary=f"Born (expected on {expected:%-d %B %Y}).",
        actor=actor,
        now=now,
    )
    return person


@transaction.atomic
def person_death_record(*, actor: User, now: datetime, person: Person, died_on: date) -> Person:
    """Record that a child died. Their plans end and their case closes (reason: died) through the usual steps; the
    record shows no referral or plan after the death (CIN census rules 8555, 4008, 4009, 8915, 8920)."""
    person = locked(person)
    rules = Rules()
    check_role(rules, actor, "person_death_record")
    rules.check(person.date_of_death is None, "died_on", "This child's death is already recorded.")
    rules.not_in_future(died_on, "died_on", "The date of death", today_of(now))
    if rules.check(not person.is_unborn, "died_on", "Record the child's birth before their death."):
        if person.date_of_birth:
            rules.not_before(died_on, person.date_of_birth, "died_on", "The date of death", "the date of birth")
    referrals = person.referrals.all()
    later = {
        "a referral": referrals.filter(received_on__gt=died_on),
        "a child in need plan": referrals.filter(
            Q(cin_plans__started_on__gt=died_on) | Q(cin_plans__ended_on__gt=died_on)
        ),
        "a child protection plan": referrals.filter(
            Q(cp_plans__started_on__gt=died_on) | Q(cp_plans__ended_on__gt=died_on)
        ),
    }
    found = [what for what, work in later.items() if work.exists()]
    rules.check(
        not found,
        "died_on",
        f"The record shows {' and '.join(found)} after this date, which cannot follow a death: check the date.",
    )
    rules.raise_if_broken()

    person.date_of_death = died_on
    person.save(update_fields=["date_of_death"])
    event_record(
        child=person, kind=EventKind.DIED, occurred_on=died_on, subject=person, summary="Died.", actor=actor, now=now
    )
    return person
