"""Information requests on a Friday afternoon: deadlines in working hours across the weekend, a rating changed
with its reason, answers item by item, and each disclosure marker kept wherever an item is read."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from macpu.access.models import AuditEvent
from macpu.agencies.models import AgencyKind, Role
from macpu.chronology.models import Event
from macpu.intake.services import contact_decide
from macpu.mash import selectors, services
from macpu.mash.models import Disclosure, InformationRequest, ItemKind, LawfulBasis, Rag
from macpu.mash.services import Item
from macpu.people.services import PersonDetails, household_record
from macpu.timescales.working_hours import ENGLAND
from tests.factories import (
    UserFactory,
    partner_agencies,
    partner_practitioners,
    police_notification,
)

pytestmark = pytest.mark.django_db

FRIDAY = dt.datetime(2026, 12, 4, 15, 30, tzinfo=ENGLAND)  # Fri 4 Dec 2026, 3:30 pm


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=ENGLAND)


def errors(call) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as raised:
        call()
    return raised.value.message_dict


@pytest.fixture
def unit(local_authority, social_worker, team):
    """A police notification about Ava (3), living with her mother Jo and Jo's new partner Kai."""
    contact = police_notification(social_worker, team, FRIDAY)
    agencies = partner_agencies()
    staff = partner_practitioners(agencies)
    [ava] = contact.children.all()
    jo, kai = contact.household.members.exclude(pk=ava.pk).order_by("given_name")
    return {"contact": contact, "agencies": agencies, "staff": staff, "ava": ava, "jo": jo, "kai": kai}


def send(unit, social_worker, kind, rag, people=None, now=FRIDAY):
    return services.information_request_send(
        actor=social_worker,
        now=now,
        contact=unit["contact"],
        agency=unit["agencies"][kind],
        people=people or [unit["ava"], unit["jo"], unit["kai"]],
        question="What do you know about the household?",
        rag=rag,
        rag_rationale="Domestic abuse with a young child present.",
    )


def test_deadlines_on_a_friday_afternoon_run_in_working_hours_over_the_weekend(unit, social_worker):
    red = send(unit, social_worker, AgencyKind.POLICE, Rag.RED)
    amber = send(unit, social_worker, AgencyKind.HEALTH, Rag.AMBER)
    green = send(unit, social_worker, AgencyKind.EDUCATION, Rag.GREEN)

    # red: 1.5 working hours on Friday, 2.5 on Monday
    assert red.due_at == at(7, 11, 30)
    # amber: 1.5 Fri + 8 Mon + 8 Tue + 6.5 Wed = 24 working hours
    assert amber.due_at == at(9, 15, 30)
    # green: 72 clock hours, as the local authority's default says
    assert green.due_at == at(7, 15, 30)
    assert Event.objects.filter(kind="information_requested", child=unit["ava"]).count() == 3


def test_a_changed_rating_needs_a_reason_keeps_its_history_and_moves_the_deadline(unit, social_worker):
    request = send(unit, social_worker, AgencyKind.HEALTH, Rag.GREEN)

    without_reason = errors(
        lambda: services.rag_change(actor=social_worker, now=at(4, 16), request=request, rag=Rag.RED, reason=" ")
    )
    change = services.rag_change(
        actor=social_worker, now=at(4, 16), request=request, rag=Rag.RED, reason="Ava has a bruise: urgent now."
    )

    assert without_reason == {"reason": ["Say why you chose this rating."]}
    request.refresh_from_db()
    assert (request.rag, request.due_at) == ("red", at(7, 11, 30))
    assert (change.rag_before, change.due_before, change.due_after) == ("green", at(7, 15, 30), at(7, 11, 30))
    assert list(request.rag_changes.values_list("reason", flat=True)) == ["Ava has a bruise: urgent now."]


def test_a_request_names_only_the_contacts_household_and_each_agency_once(unit, social_worker):
    stranger = household_record(
        actor=social_worker,
        now=FRIDAY,
        address="9 Other Road",
        postcode="ZZ9 9ZZ",
        children=[PersonDetails(given_name="Zed", family_name="Else", sex="M", date_of_birth=dt.date(2020, 1, 1))],
    ).children[0]
    send(unit, social_worker, AgencyKind.POLICE, Rag.RED)

    broken = errors(lambda: send(unit, social_worker, AgencyKind.POLICE, "purple", people=[stranger]))

    assert broken == {
        "agency": ["Demo Constabulary has already been asked about this contact."],
        "people": ["Ask only about the children and household in the contact."],
        "rag": ["Choose a rating: red, amber or green."],
    }
    assert InformationRequest.objects.count() == 1


def test_only_the_agency_asked_answers_for_everyone_asked_about(unit, social_worker):
    request = send(unit, social_worker, AgencyKind.HEALTH, Rag.AMBER, people=[unit["ava"], unit["jo"]])
    police = unit["staff"][AgencyKind.POLICE]
    health = unit["staff"][AgencyKind.HEALTH]

    wrong_agency = errors(
        lambda: services.information_answer(
            actor=police, now=at(7, 10), request=request, items=[Item(person=unit["ava"], nothing_known=True)]
        )
    )
    half = errors(
        lambda: services.information_answer(
            actor=health, now=at(7, 10), request=request, items=[Item(person=unit["ava"], nothing_known=True)]
        )
    )
    incomplete = errors(
        lambda: services.information_answer(
            actor=health,
            now=at(7, 10),
            request=request,
            items=[
                Item(person=unit["ava"], nothing_known=True),
                Item(person=unit["jo"], disclosure=Disclosure.NOT_FAMILY, occurred_on=dt.date(2027, 1, 1)),
            ],
        )
    )

    assert wrong_agency["__all__"] == ["Only staff of Demo health visiting can answer this request."]
    assert half == {
        "items": ["Answer for everyone you were asked about: say 'nothing known' if your agency holds nothing."]
    }
    assert incomplete == {
        "item_1_occurred_on": ["The date of an item cannot be in the future."],
        "item_1_kind": ["Choose what kind of information each item is."],
        "item_1_summary": ["Say what each item is, in a sentence or two."],
        "item_1_lawful_basis": ["Choose the lawful basis for sharing."],
        "item_1_disclosure_reason": ["Say why the item must not be shared with the family."],
    }
    request.refresh_from_db()
    assert request.answered_at is None and not request.items.exists()


def test_each_disclosure_marker_holds_for_the_family_and_for_roles_not_named(unit, social_worker, manager):
    police_request = send(unit, social_worker, AgencyKind.POLICE, Rag.RED)
    health_request = send(unit, social_worker, AgencyKind.HEALTH, Rag.AMBER, people=[unit["ava"], unit["jo"]])
    common = {"occurred_on": dt.date(2026, 11, 20), "lawful_basis": LawfulBasis.PUBLIC_TASK}
    services.information_answer(
        actor=unit["staff"][AgencyKind.POLICE],
        now=at(7, 12),  # 30 minutes late
        request=police_request,
        items=[
            Item(person=unit["ava"], nothing_known=True),
            Item(person=unit["jo"], nothing_known=True),
            Item(
                person=unit["kai"],
                kind=ItemKind.CRIME,
                summary="Kai: intelligence of violence to a previous partner.",
                disclosure=Disclosure.RESTRICTED,
                restricted_to=[Role.POLICE_OFFICER, Role.TEAM_MANAGER],
                **{**common, "lawful_basis": LawfulBasis.LAW_ENFORCEMENT},
            ),
        ],
    )
    services.information_answer(
        actor=unit["staff"][AgencyKind.HEALTH],
        now=at(7, 10),
        request=health_request,
        items=[
            Item(
                person=unit["ava"],
                kind=ItemKind.MISSED_APPOINTMENTS,
                summary="Ava missed her 2-year review twice.",
                disclosure=Disclosure.FAMILY,
                **common,
            ),
            Item(
                person=unit["jo"],
                kind=ItemKind.MENTAL_HEALTH,
                summary="Jo told the health visitor she is afraid of Kai.",
                disclosure=Disclosure.NOT_FAMILY,
                disclosure_reason="Telling the family could put Jo at risk from Kai.",
                **common,
            ),
        ],
    )
    contact = unit["contact"]

    worker_sees = {i.summary for a in selectors.picture(social_worker, contact, at(7, 13)) for i in a.items}
    manager_sees = {i.summary for a in selectors.picture(manager, contact, at(7, 13)) for i in a.items}
    family = {i.summary for i in selectors.items_for_family(contact)}
    lateness = {a.request.agency.name: a.late for a in selectors.picture(social_worker, contact, at(7, 13))}

    assert worker_sees == {
        "",
        "Ava missed her 2-year review twice.",
        "Jo told the health visitor she is afraid of Kai.",
    }
    assert "Kai: intelligence of violence to a previous partner." in manager_sees
    assert family == {"Ava missed her 2-year review twice."}
    assert lateness == {"Demo Constabulary": True, "Demo health visiting": False}
    police_event = Event.objects.get(kind="information_received", summary__startswith="Demo Constabulary")
    assert police_event.summary == "Demo Constabulary answered (late): 1 item."
    assert AuditEvent.objects.filter(what="information_received", subjects__person_id=unit["ava"].pk).count() == 2


def test_a_partner_practitioner_sees_only_the_requests_sent_to_their_agency(unit, social_worker):
    send(unit, social_worker, AgencyKind.POLICE, Rag.RED)
    send(unit, social_worker, AgencyKind.HEALTH, Rag.AMBER)

    health = selectors.agency_requests(unit["staff"][AgencyKind.HEALTH])
    probation = selectors.agency_requests(unit["staff"][AgencyKind.PROBATION])

    assert [r.agency.name for r in health] == ["Demo health visiting"]
    assert not probation.exists()


def test_late_requests_are_escalated_once_to_the_agencys_named_manager(unit, social_worker):
    police_manager = UserFactory(
        role=Role.PARTNER_PRACTITIONER, first_name="Pat", last_name="Inspector", agency=unit["agencies"]["police"]
    )
    unit["agencies"]["police"].manager = police_manager
    unit["agencies"]["police"].save()
    red = send(unit, social_worker, AgencyKind.POLICE, Rag.RED)  # due Mon 7 Dec 11:30
    amber = send(unit, social_worker, AgencyKind.HEALTH, Rag.AMBER)  # due Wed 9 Dec 15:30
    probation = send(unit, social_worker, AgencyKind.PROBATION, Rag.RED, people=[unit["kai"]])  # no manager

    before = services.late_requests_escalate(now=at(7, 11, 30))
    escalated = services.late_requests_escalate(now=at(7, 12))
    again = services.late_requests_escalate(now=at(7, 13))

    assert before == [] and again == []
    assert [r.pk for r in escalated] == [red.pk, probation.pk]
    red.refresh_from_db(), amber.refresh_from_db()
    assert (red.escalated_at, red.escalated_to) == (at(7, 12), police_manager)
    assert amber.escalated_at is None
    summaries = set(Event.objects.filter(kind="request_escalated").values_list("summary", flat=True))
    assert summaries == {
        "Request to Demo Constabulary escalated to Pat Inspector.",
        "Request to Demo probation late, and the agency names no manager to tell.",
    }


def test_the_escalation_command_says_what_it_escalated(unit, social_worker):
    send(unit, social_worker, AgencyKind.POLICE, Rag.RED, now=timezone.now() - dt.timedelta(days=7))  # long due
    out = StringIO()

    call_command("escalate-late-requests", stdout=out)

    assert out.getvalue().splitlines()[-1] == "1 late request escalated."
    assert "to Demo Constabulary: escalated to nobody named." in out.getvalue()


def test_education_disagrees_with_the_decision_and_the_difference_is_escalated_one_step(unit, social_worker):
    contact = unit["contact"]
    contact_decide(
        actor=social_worker,
        now=at(4, 16),
        contact=contact,
        outcome="advice",
        reasons="No role for social care.",
        decided_on=FRIDAY.date(),
    )
    nursery = UserFactory(role=Role.PARTNER_PRACTITIONER, agency=unit["agencies"][AgencyKind.EDUCATION])

    view = services.agency_view_record(
        actor=nursery,
        now=at(4, 16, 30),
        contact=contact,
        view="Ava is often hungry; we want an assessment.",
        disagrees=True,
    )
    twice = errors(
        lambda: services.agency_view_record(
            actor=nursery, now=at(4, 17), contact=contact, view="Again.", disagrees=True
        )
    )
    first = view.steps.get()
    services.escalation_step_decide(
        actor=nursery, now=at(7, 10), step=first, outcome="escalated", notes="Still no agreement after a call."
    )
    second = view.steps.get(number=1)

    # step 1: 1 working day, the start day counting (Fri 4 Dec); step 2: 2 working days from Mon 7 Dec
    assert (first.label, first.opened_on, first.due_on) == (
        "The practitioners talk it through",
        FRIDAY.date(),
        FRIDAY.date(),
    )
    assert (second.label, second.opened_on, second.due_on) == (
        "Their managers",
        dt.date(2026, 12, 7),
        dt.date(2026, 12, 8),
    )
    assert twice == {"__all__": ["Demo nursery has already recorded its view of this decision."]}
    summaries = list(
        Event.objects.filter(kind="agency_view", child=unit["ava"]).order_by("pk").values_list("summary", flat=True)
    )
    assert summaries == [
        "Demo nursery disagrees with the decision: the practitioners talk it through by 4 December 2026.",
        "Professional difference: the practitioners talk it through: not resolved: escalated to the next step. "
        "Next: their managers by 8 December 2026.",
    ]


def test_the_last_step_cannot_be_escalated(unit, social_worker):
    nursery = UserFactory(role=Role.PARTNER_PRACTITIONER, agency=unit["agencies"][AgencyKind.EDUCATION])

    contact_decide(
        actor=social_worker,
        now=at(4, 16),
        contact=unit["contact"],
        outcome="nfa",
        reasons="No concerns found.",
        decided_on=FRIDAY.date(),
    )
    view = services.agency_view_record(
        actor=nursery, now=at(4, 17), contact=unit["contact"], view="We disagree.", disagrees=True
    )
    for number in range(3):
        services.escalation_step_decide(
            actor=nursery, now=at(7, 10), step=view.steps.get(number=number), outcome="escalated", notes="No."
        )
    last = view.steps.get(number=3)

    at_the_top = errors(
        lambda: services.escalation_step_decide(
            actor=nursery, now=at(8, 10), step=last, outcome="escalated", notes="Still no."
        )
    )

    assert last.label == "The safeguarding partners"
    assert at_the_top == {
        "outcome": ["This is the last step: the safeguarding partners' decision stands. Record it as resolved."]
    }
