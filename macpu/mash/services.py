"""Writes about information requests: send one to an agency, change its rating, answer it. Each checks its rules,
writes, and records a timeline event (with its audit row) for every child in the contact, in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import models, transaction

from macpu.agencies.models import Agency, Role, User
from macpu.agencies.selectors import local_authority, working_day_calendar
from macpu.chronology.models import EventKind
from macpu.chronology.services import event_record
from macpu.core.services import SOCIAL_CARE, Rules, locked, today_of
from macpu.intake.models import Contact, ContactOutcome
from macpu.mash.models import (
    ESCALATION_STEPS,
    AgencyView,
    Disclosure,
    EscalationStep,
    InformationItem,
    InformationRequest,
    ItemKind,
    LawfulBasis,
    Rag,
    RagChange,
    StepOutcome,
)
from macpu.people.models import Person
from macpu.timescales.working_hours import WorkingHours, deadline


def due_at(rag: str, sent_at: datetime) -> datetime:
    """When an agency must answer a request with this rating: the local authority's hours for it, counted as
    working hours or as clock hours (its settings)."""
    la = local_authority()
    hours = WorkingHours(starts=la.working_day_starts, ends=la.working_day_ends, calendar=working_day_calendar())
    amount, working = {
        Rag.RED: (la.red_hours, la.red_working_hours),
        Rag.AMBER: (la.amber_hours, la.amber_working_hours),
        Rag.GREEN: (la.green_hours, la.green_working_hours),
    }[Rag(rag)]
    return deadline(sent_at, amount, "working_hours" if working else "hours", hours)


def household(contact: Contact) -> set[int]:
    """The people a request about this contact may name: its children and the household's members."""
    people = set(contact.children.values_list("pk", flat=True))
    if contact.household_id:
        people |= set(contact.household.members.values_list("pk", flat=True))  # type: ignore[union-attr]
    return people


def _events(
    contact: Contact, subject: models.Model, kind: EventKind, summary: str, actor: User | None, now: datetime
) -> None:
    """The same event on each of the contact's children's timelines, each with its audit row."""
    for child in contact.children.all():
        event_record(
            child=child, kind=kind, occurred_on=today_of(now), summary=summary, subject=subject, actor=actor, now=now
        )


def _check_rag(rules: Rules, rag: str, rationale: str, field: str) -> None:
    rules.check(rag in Rag.values, "rag", "Choose a rating: red, amber or green.")
    rules.check(bool(rationale.strip()), field, "Say why you chose this rating.")


@transaction.atomic
def information_request_send(
    *,
    actor: User,
    now: datetime,
    contact: Contact,
    agency: Agency | None,
    people: Sequence[Person],
    question: str,
    rag: str,
    rag_rationale: str,
) -> InformationRequest:
    """Ask one agency what it knows about named people in the contact's household, by a deadline the rating sets."""
    contact = locked(contact)
    rules = Rules()
    rules.check(actor.role in SOCIAL_CARE, "__all__", "Only children's social care staff can ask agencies.")
    rules.check(
        contact.outcome in ("", ContactOutcome.REFERRAL),
        "__all__",
        "This contact was closed without a referral: there is nothing left to ask agencies about.",
    )
    if rules.check(agency is not None, "agency", "Choose the agency to ask."):
        rules.check(
            not contact.information_requests.filter(agency=agency).exists(),
            "agency",
            f"{agency} has already been asked about this contact.",
        )
    if rules.check(len(people) > 0, "people", "Choose at least one person to ask about."):
        members = household(contact)
        rules.check(
            all(p.pk in members for p in people), "people", "Ask only about the children and household in the contact."
        )
    rules.check(bool(question.strip()), "question", "Say what the unit needs to know.")
    _check_rag(rules, rag, rag_rationale, "rag_rationale")
    rules.raise_if_broken()
    request = InformationRequest.objects.create(
        contact=contact,
        agency=agency,
        question=question.strip(),
        rag=rag,
        rag_rationale=rag_rationale.strip(),
        sent_at=now,
        due_at=due_at(rag, now),
        sent_by=actor,
    )
    request.people.set(people)
    _events(
        request.contact,
        request,
        EventKind.INFORMATION_REQUESTED,
        f"{agency} asked ({Rag(rag).label.lower()}).",
        actor,
        now,
    )
    return request


@transaction.atomic
def rag_change(*, actor: User, now: datetime, request: InformationRequest, rag: str, reason: str) -> RagChange:
    """A new rating, with its reason: the deadline is counted again from when the request was sent."""
    request = locked(request)
    rules = Rules()
    rules.check(actor.role in SOCIAL_CARE, "__all__", "Only children's social care staff can change a rating.")
    rules.check(request.answered_at is None, "__all__", "This request has been answered: its rating stays.")
    rules.check(rag != request.rag, "rag", "Choose a different rating, or leave this page.")
    _check_rag(rules, rag, reason, "reason")
    rules.raise_if_broken()
    change = RagChange.objects.create(
        request=request,
        rag_before=request.rag,
        rag_after=rag,
        due_before=request.due_at,
        due_after=due_at(rag, request.sent_at),
        reason=reason.strip(),
        changed_by=actor,
        changed_at=now,
    )
    request.rag, request.due_at = rag, change.due_after
    request.save(update_fields=["rag", "due_at"])
    summary = f"Request to {request.agency} rated {Rag(rag).label.lower()}, was {Rag(change.rag_before).label.lower()}."
    _events(request.contact, request, EventKind.RAG_CHANGED, summary, actor, now)
    return change


@dataclass(frozen=True)
class Item:
    """What the agency holds about one person: `nothing_known`, or one item."""

    person: Person
    nothing_known: bool = False
    occurred_on: date | None = None
    kind: str = ""
    summary: str = ""
    source_reference: str = ""
    lawful_basis: str = ""
    disclosure: str = ""
    disclosure_reason: str = ""
    restricted_to: Sequence[str] = field(default_factory=tuple)


def _check_item(rules: Rules, i: int, item: Item, asked: set[int], today: date) -> None:
    def f(name: str) -> str:
        return f"item_{i}_{name}"

    rules.check(item.person.pk in asked, f("person"), "Answer only about the people you were asked about.")
    if item.nothing_known:
        return
    if rules.check(item.occurred_on is not None, f("occurred_on"), "Enter the date of each item."):
        rules.not_in_future(item.occurred_on, f("occurred_on"), "The date of an item", today)
    rules.check(item.kind in ItemKind.values, f("kind"), "Choose what kind of information each item is.")
    rules.check(bool(item.summary.strip()), f("summary"), "Say what each item is, in a sentence or two.")
    rules.check(item.lawful_basis in LawfulBasis.values, f("lawful_basis"), "Choose the lawful basis for sharing.")
    if rules.check(item.disclosure in Disclosure.values, f("disclosure"), "Choose who the item may be shared with."):
        if item.disclosure == Disclosure.NOT_FAMILY:
            rules.check(
                bool(item.disclosure_reason.strip()),
                f("disclosure_reason"),
                "Say why the item must not be shared with the family.",
            )
        if item.disclosure == Disclosure.RESTRICTED:
            rules.check(
                bool(item.restricted_to) and all(r in Role.values for r in item.restricted_to),
                f("restricted_to"),
                "Choose the roles who may see a restricted item.",
            )


@transaction.atomic
def information_answer(
    *, actor: User, now: datetime, request: InformationRequest, items: Sequence[Item]
) -> InformationRequest:
    """The agency's answer: for every person asked about, nothing known or at least one item."""
    request = locked(request)
    rules = Rules()
    rules.check(
        actor.agency_id is not None and actor.agency_id == request.agency_id,
        "__all__",
        f"Only staff of {request.agency} can answer this request.",
    )
    rules.check(request.answered_at is None, "__all__", "This request has already been answered.")
    asked = set(request.people.values_list("pk", flat=True))
    for i, item in enumerate(items):
        _check_item(rules, i, item, asked, today_of(now))
    answered = {item.person.pk for item in items}
    missing = asked - answered
    rules.check(
        not missing,
        "items",
        "Answer for everyone you were asked about: say 'nothing known' if your agency holds nothing.",
    )
    for pk in answered:
        theirs = [item for item in items if item.person.pk == pk]
        rules.check(
            not (any(item.nothing_known for item in theirs) and len(theirs) > 1),
            "items",
            "A person with items cannot also be 'nothing known'.",
        )
    rules.raise_if_broken()
    InformationItem.objects.bulk_create(
        InformationItem(
            request=request,
            person=item.person,
            nothing_known=item.nothing_known,
            occurred_on=None if item.nothing_known else item.occurred_on,
            kind="" if item.nothing_known else item.kind,
            summary="" if item.nothing_known else item.summary.strip(),
            source_reference="" if item.nothing_known else item.source_reference.strip(),
            lawful_basis="" if item.nothing_known else item.lawful_basis,
            disclosure="" if item.nothing_known else item.disclosure,
            disclosure_reason=item.disclosure_reason.strip() if item.disclosure == Disclosure.NOT_FAMILY else "",
            restricted_to=sorted(set(item.restricted_to)) if item.disclosure == Disclosure.RESTRICTED else [],
        )
        for item in items
    )
    request.answered_at, request.answered_by = now, actor
    request.save(update_fields=["answered_at", "answered_by"])
    found = sum(not item.nothing_known for item in items)
    late = " (late)" if now > request.due_at else ""
    summary = f"{request.agency} answered{late}: {found} item{'s' if found != 1 else ''}."
    _events(request.contact, request, EventKind.INFORMATION_RECEIVED, summary, actor, now)
    return request


@transaction.atomic
def late_requests_escalate(*, now: datetime) -> list[InformationRequest]:
    """Escalate every request past its deadline and still unanswered, once, to its agency's named manager (or, if
    the agency names none, record that nobody could be told). Run on a schedule: `macpu escalate-late-requests`."""
    late = list(
        InformationRequest.objects.select_for_update(of=("self",))
        .filter(answered_at__isnull=True, escalated_at__isnull=True, due_at__lt=now)
        .select_related("agency__manager", "contact")
        .order_by("due_at", "pk")
    )
    for request in late:
        manager = request.agency.manager
        request.escalated_at, request.escalated_to = now, manager
        request.save(update_fields=["escalated_at", "escalated_to"])
        to = f"escalated to {manager.display_name}" if manager else "late, and the agency names no manager to tell"
        _events(request.contact, request, EventKind.REQUEST_ESCALATED, f"Request to {request.agency} {to}.", None, now)
    return late


def _open_step(view: AgencyView, number: int, today: date) -> EscalationStep:
    label, setting = ESCALATION_STEPS[number]
    la = local_authority()
    due = working_day_calendar().add_working_days(today, getattr(la, setting), start_day_counts=la.start_day_counts)
    return EscalationStep.objects.create(view=view, number=number, label=label, opened_on=today, due_on=due)


@transaction.atomic
def agency_view_record(*, actor: User, now: datetime, contact: Contact, view: str, disagrees: bool) -> AgencyView:
    """The actor's agency's view of the front-door decision on a contact (while it waits, or once made). A
    disagreement opens the first step of resolving the professional difference."""
    contact = locked(contact)
    rules = Rules()
    rules.check(actor.agency_id is not None, "__all__", "Only a member of an agency's staff can record its view.")
    rules.check(bool(view.strip()), "view", "Give your agency's view, in your own words.")
    rules.check(
        not contact.agency_views.filter(agency_id=actor.agency_id).exists(),
        "__all__",
        f"{actor.agency} has already recorded its view of this decision.",
    )
    rules.raise_if_broken()
    recorded = AgencyView.objects.create(
        contact=contact,
        agency_id=actor.agency_id,
        view=view.strip(),
        disagrees=disagrees,
        recorded_by=actor,
        recorded_at=now,
    )
    if disagrees:
        step = _open_step(recorded, 0, today_of(now))
        summary = f"{actor.agency} disagrees with the decision: {step.label.lower()} by {step.due_on:%-d %B %Y}."
    else:
        summary = f"{actor.agency} agrees with the decision."
    _events(contact, recorded, EventKind.AGENCY_VIEW, summary, actor, now)
    return recorded


@transaction.atomic
def escalation_step_decide(
    *, actor: User, now: datetime, step: EscalationStep, outcome: str, notes: str
) -> EscalationStep:
    """The outcome of one step: resolved, or escalated to the next (there is none after the last)."""
    step = locked(step)
    last = step.number == len(ESCALATION_STEPS) - 1
    rules = Rules()
    rules.check(actor.agency_id is not None, "__all__", "Only a member of an agency's staff can record this.")
    rules.check(not step.outcome, "__all__", "This step already has its outcome.")
    rules.check(outcome in StepOutcome.values, "outcome", "Choose whether the difference was resolved.")
    rules.check(
        not (last and outcome == StepOutcome.ESCALATED),
        "outcome",
        "This is the last step: the safeguarding partners' decision stands. Record it as resolved.",
    )
    rules.check(bool(notes.strip()), "notes", "Say what was agreed, or why it was not.")
    rules.raise_if_broken()
    step.outcome, step.notes, step.decided_by, step.decided_on = outcome, notes.strip(), actor, today_of(now)
    step.save(update_fields=["outcome", "notes", "decided_by", "decided_on"])
    summary = f"Professional difference: {step.label.lower()}: {StepOutcome(outcome).label.lower()}."
    if outcome == StepOutcome.ESCALATED:
        following = _open_step(step.view, step.number + 1, today_of(now))
        summary += f" Next: {following.label.lower()} by {following.due_on:%-d %B %Y}."
    _events(step.view.contact, step, EventKind.AGENCY_VIEW, summary, actor, now)
    return step
