"""Issue #5's scenario, end to end: a police notification on a Friday afternoon; the unit asks four agencies; one
answers late and is escalated to its manager; health marks items not for the family or restricted to a role;
education disagrees with the decision and escalates one step; a strategy discussion is held with social care,
police and health. Every deadline, what each reader may see, and the child's timeline are checked."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.urls import reverse

from macpu.agencies.models import AgencyKind, Role
from macpu.chronology.models import Event
from macpu.intake.models import ContactOutcome, ReferralDecision
from macpu.intake.services import contact_decide, referral_decide, referrer_tell
from macpu.mash import services as mash
from macpu.mash.models import Disclosure, ItemKind, LawfulBasis, Rag, StepOutcome
from macpu.mash.selectors import items_for_family
from macpu.mash.services import Item
from macpu.protection import services as protection
from macpu.protection.models import ParticipantAgency, StrategyAttendance, StrategyDecision
from macpu.protection.services import Action, Participant
from macpu.timescales.working_hours import ENGLAND
from tests.factories import (
    UserFactory,
    partner_agencies,
    partner_practitioners,
    police_notification,
    words,
)

pytestmark = pytest.mark.django_db

# What each agency holds. Only the first two may reach the family.
POLICE_INCIDENT = "Police attended a verbal argument between Jo and Kai; Ava was asleep upstairs."
MISSED_CHECKS = "Ava was not brought to her 2-year health review, twice."
NOT_FOR_FAMILY = "Jo told her GP that Kai frightens her; she asked that Kai is not told."
HEALTH_ONLY = "Jo attends a sexual health clinic."
POLICE_ONLY = "Intelligence: Kai is suspected of violence towards a previous partner."
PROBATION_ITEM = "Kai was released on licence in October 2026 after an assault conviction."
LEFT_OUT = (NOT_FOR_FAMILY, HEALTH_ONLY, POLICE_ONLY)


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A moment in December 2026 in England. Friday 4 December is the notification; the weekend is 5 and 6."""
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=ENGLAND)


def said(response) -> str:
    return " ".join(html.unescape(words(response.content.decode())).split())


def item(person, kind, summary, disclosure, reason="", roles=(), day=1) -> Item:
    return Item(
        person=person,
        occurred_on=dt.date(2026, 11, day),
        kind=kind,
        summary=summary,
        source_reference=f"REF-{day}",
        lawful_basis=LawfulBasis.PUBLIC_TASK,
        disclosure=disclosure,
        disclosure_reason=reason,
        restricted_to=roles,
    )


@pytest.fixture
def world(local_authority, social_worker, manager, team):
    """Four agencies, each with a practitioner; probation names its manager. The unit has a health practitioner
    and a police officer of its own."""
    agencies = partner_agencies()
    staff = partner_practitioners(agencies)
    probation_manager = UserFactory(
        first_name="Pat", last_name="Senior", role=Role.PARTNER_PRACTITIONER, agency=agencies[AgencyKind.PROBATION]
    )
    agencies[AgencyKind.PROBATION].manager = probation_manager
    agencies[AgencyKind.PROBATION].save()
    unit = {
        role: UserFactory(role=role, team=team, agency=team.agency)
        for role in (Role.HEALTH_PRACTITIONER, Role.POLICE_OFFICER)
    }
    return {
        "agencies": agencies,
        "staff": staff,
        "probation_manager": probation_manager,
        "unit": unit,
    }


def test_police_notification_to_strategy_discussion(client, world, social_worker, manager, team):
    agencies, staff = world["agencies"], world["staff"]

    # Friday 4 December, 3:30 pm: the police notification about Ava (3), who lives with her mother Jo and Jo's
    # partner Kai; and four requests at once.
    contact = police_notification(social_worker, team, at(4, 15, 30))
    [ava] = contact.children.all()
    jo, kai = contact.household.members.exclude(pk=ava.pk).order_by("given_name")
    everyone = [ava, jo, kai]
    ratings = {
        AgencyKind.POLICE: Rag.RED,
        AgencyKind.HEALTH: Rag.AMBER,
        AgencyKind.EDUCATION: Rag.GREEN,
        AgencyKind.PROBATION: Rag.AMBER,
    }
    requests = {
        kind: mash.information_request_send(
            actor=social_worker,
            now=at(4, 15, 30),
            contact=contact,
            agency=agencies[kind],
            people=everyone,
            question="What do you know about Ava, Jo and Kai?",
            rag=rag,
            rag_rationale="Domestic abuse with a three-year-old in the house.",
        )
        for kind, rag in ratings.items()
    }
    # Working day 9 am to 5 pm. Red, 4 working hours: 1.5 on Friday, 2.5 on Monday.
    assert requests[AgencyKind.POLICE].due_at == at(7, 11, 30)
    # Amber, 24 working hours: 1.5 Friday, 8 Monday, 8 Tuesday, 6.5 Wednesday.
    assert requests[AgencyKind.HEALTH].due_at == at(9, 15, 30)
    assert requests[AgencyKind.PROBATION].due_at == at(9, 15, 30)
    # Green, 72 clock hours: the weekend counts.
    assert requests[AgencyKind.EDUCATION].due_at == at(7, 15, 30)

    # Monday 7 December: the police answer in time, and the unit decides on a referral.
    mash.information_answer(
        actor=staff[AgencyKind.POLICE],
        now=at(7, 10),
        request=requests[AgencyKind.POLICE],
        items=[
            Item(person=ava, nothing_known=True),
            item(jo, ItemKind.DOMESTIC_ABUSE, POLICE_INCIDENT, Disclosure.FAMILY, day=20),
            item(kai, ItemKind.CRIME, POLICE_ONLY, Disclosure.RESTRICTED, roles=[Role.POLICE_OFFICER], day=21),
        ],
    )
    mash.information_answer(
        actor=staff[AgencyKind.EDUCATION],
        now=at(7, 14),
        request=requests[AgencyKind.EDUCATION],
        items=[Item(person=p, nothing_known=True) for p in everyone],
    )
    [referral] = contact_decide(
        actor=social_worker,
        now=at(7, 15),
        contact=contact,
        outcome=ContactOutcome.REFERRAL,
        reasons="Domestic abuse, a young child, and a new adult in the household.",
        decided_on=dt.date(2026, 12, 7),
    )
    referrer_tell(actor=social_worker, now=at(7, 16), contact=contact)

    # Tuesday 8 December: health answers, keeping two items from the family; education disagrees.
    mash.information_answer(
        actor=staff[AgencyKind.HEALTH],
        now=at(8, 14),
        request=requests[AgencyKind.HEALTH],
        items=[
            item(ava, ItemKind.MISSED_APPOINTMENTS, MISSED_CHECKS, Disclosure.FAMILY, day=10),
            item(
                jo,
                ItemKind.MENTAL_HEALTH,
                NOT_FOR_FAMILY,
                Disclosure.NOT_FAMILY,
                reason="Telling Kai could put Jo at risk.",
                day=12,
            ),
            item(jo, ItemKind.HEALTH, HEALTH_ONLY, Disclosure.RESTRICTED, roles=[Role.HEALTH_PRACTITIONER], day=13),
            Item(person=kai, nothing_known=True),
        ],
    )
    view = mash.agency_view_record(
        actor=staff[AgencyKind.EDUCATION],
        now=at(8, 10),
        contact=contact,
        view="Ava has been quiet and withdrawn at nursery: we think this needs a strategy discussion today.",
        disagrees=True,
    )
    [first_step] = view.steps.all()
    assert (first_step.label, first_step.opened_on, first_step.due_on) == (
        "The practitioners talk it through",
        dt.date(2026, 12, 8),
        dt.date(2026, 12, 8),  # 1 working day, the day it opens counting (the local authority's setting)
    )

    # Wednesday 9 December: the practitioners do not agree; it goes to their managers.
    mash.escalation_step_decide(
        actor=staff[AgencyKind.EDUCATION],
        now=at(9, 11),
        step=first_step,
        outcome=StepOutcome.ESCALATED,
        notes="Social care will hold a strategy discussion, but not today.",
    )
    second_step = view.steps.get(number=1)
    assert (second_step.label, second_step.opened_on, second_step.due_on, second_step.outcome) == (
        "Their managers",
        dt.date(2026, 12, 9),
        dt.date(2026, 12, 10),  # 2 working days, Wednesday and Thursday
        "",
    )

    # Probation has not answered by Wednesday 3:30 pm. The scheduled run at 5 pm escalates it to Pat Senior.
    assert mash.late_requests_escalate(now=at(9, 15, 29)) == []
    assert mash.late_requests_escalate(now=at(9, 17)) == [requests[AgencyKind.PROBATION]]
    late = requests[AgencyKind.PROBATION]
    late.refresh_from_db()
    assert (late.escalated_at, late.escalated_to) == (at(9, 17), world["probation_manager"])
    assert mash.late_requests_escalate(now=at(10, 9)) == []  # once only

    # The manager decides on a strategy discussion; social care invites the police and health for Thursday 10 am.
    referral_decide(
        actor=manager,
        now=at(9, 16),
        referral=referral,
        decision=ReferralDecision.STRATEGY_DISCUSSION,
        reasons="Escalating domestic abuse and a new adult with a violent history.",
        decided_on=dt.date(2026, 12, 9),
    )
    invitations = protection.strategy_invite(
        actor=social_worker,
        now=at(9, 17, 30),
        referral=referral,
        meeting_at=at(10, 10),
        agencies=[agencies[AgencyKind.POLICE], agencies[AgencyKind.HEALTH]],
        question="Anything more since your answer?",
        rag=Rag.RED,
        rag_rationale="For the strategy discussion.",
    )
    # Both were asked already: their answers serve the discussion; no second request is sent.
    assert [(i.agency.name, i.request) for i in invitations] == [
        ("Demo Constabulary", requests[AgencyKind.POLICE]),
        ("Demo health visiting", requests[AgencyKind.HEALTH]),
    ]
    assert contact.information_requests.count() == 4

    # Thursday 10 December, 9 am: probation answers, late.
    mash.information_answer(
        actor=staff[AgencyKind.PROBATION],
        now=at(10, 9),
        request=late,
        items=[
            Item(person=ava, nothing_known=True),
            Item(person=jo, nothing_known=True),
            item(kai, ItemKind.PROBATION, PROBATION_ITEM, Disclosure.FAMILY, day=2),
        ],
    )

    # Thursday 10 December, 10 am: the discussion, with social care, police and health.
    discussion = protection.strategy_discussion_record(
        actor=social_worker,
        now=at(10, 11),
        referral=referral,
        held_on=dt.date(2026, 12, 10),
        attendance={
            invitations[0].pk: StrategyAttendance.ATTENDED,
            invitations[1].pk: StrategyAttendance.ATTENDED,
        },
        participants=[
            Participant(name="Sam Worker", agency_kind=ParticipantAgency.SOCIAL_CARE, view="Jo needs protecting too."),
            Participant(name="DC Holmes", agency_kind=ParticipantAgency.POLICE, view="Joint enquiry."),
            Participant(name="Nurse Patel", agency_kind=ParticipantAgency.HEALTH, view="Ava missed her checks."),
        ],
        decision=StrategyDecision.S47_JOINT,
        reasons="Risk of significant harm from domestic abuse.",
        actions=[
            Action(action="Joint visit", owner="DC Holmes", due_on=dt.date(2026, 12, 11), agency=agencies["police"]),
            Action(
                action="Health review for Ava",
                owner="Nurse Patel",
                due_on=dt.date(2026, 12, 14),
                agency=agencies["health"],
            ),
        ],
    )
    assert [(a.agency.name, a.due_on) for a in discussion.actions.order_by("due_on")] == [
        ("Demo Constabulary", dt.date(2026, 12, 11)),
        ("Demo health visiting", dt.date(2026, 12, 14)),
    ]
    assert sorted(discussion.invitations.values_list("agency__name", "attendance")) == [
        ("Demo Constabulary", "attended"),
        ("Demo health visiting", "attended"),
    ]
    assert discussion.s47.joint_with_police

    # The picture: every agency answered; probation late, the others in time.
    client.force_login(social_worker)
    picture = said(client.get(reverse("contact-detail", args=[contact.pk])))
    for name in ("Demo Constabulary", "Demo health visiting", "Demo nursery", "Demo probation"):
        assert name in picture
    assert picture.count("(late)") == 1 and "Answered 10 December 2026, 09:00 (late)" in picture

    # What the family may be told holds only the items marked for the family.
    assert sorted(i.summary for i in items_for_family(contact)) == sorted(
        [POLICE_INCIDENT, MISSED_CHECKS, PROBATION_ITEM]
    )
    family = said(client.get(reverse("family-summary", args=[contact.pk])))
    for summary in (POLICE_INCIDENT, MISSED_CHECKS, PROBATION_ITEM):
        assert summary in family
    for summary in LEFT_OUT:
        assert summary not in family
    referrer_words = contact.referrals.get().contact.referrer_message
    for summary in (*LEFT_OUT, POLICE_INCIDENT, MISSED_CHECKS):
        assert summary not in referrer_words  # the referrer hears the outcome, not what agencies said

    # Each reader sees what the markers allow.
    assert NOT_FOR_FAMILY in picture and "Not for the family" in picture  # the unit sees it, marked
    assert HEALTH_ONLY not in picture and POLICE_ONLY not in picture  # a social worker has neither role
    client.force_login(world["unit"][Role.HEALTH_PRACTITIONER])
    health_view = said(client.get(reverse("contact-detail", args=[contact.pk])))
    assert HEALTH_ONLY in health_view and POLICE_ONLY not in health_view
    client.force_login(world["unit"][Role.POLICE_OFFICER])
    police_view = said(client.get(reverse("contact-detail", args=[contact.pk])))
    assert POLICE_ONLY in police_view and HEALTH_ONLY not in police_view
    client.force_login(staff[AgencyKind.EDUCATION])  # a partner agency sees its own request, not the others' answers
    nursery = said(client.get(reverse("agency-request", args=[requests[AgencyKind.EDUCATION].pk])))
    for summary in (*LEFT_OUT, POLICE_INCIDENT, MISSED_CHECKS, PROBATION_ITEM):
        assert summary not in nursery

    # The police partner sees the discussion it was invited to, and its action, on its requests page.
    client.force_login(staff[AgencyKind.POLICE])
    police_requests = said(client.get(reverse("agency-requests")))
    assert "Strategy discussion held" in police_requests
    assert "Joint visit DC Holmes 11 December 2026" in police_requests
    assert "Health review for Ava" not in police_requests

    # Ava's timeline tells the story in order.
    timeline = list(Event.objects.filter(child=ava).order_by("recorded_at", "pk").values_list("kind", "summary"))
    assert [kind for kind, _ in timeline] == [
        "contact_recorded",
        *["information_requested"] * 4,
        "information_received",  # police
        "information_received",  # education
        "contact_decided",
        "referral_received",
        "referrer_told",
        "agency_view",  # education disagrees (Tue 10 am)
        "information_received",  # health (Tue 2 pm)
        "agency_view",  # escalated to the managers
        "referral_decided",
        "request_escalated",  # probation, 5 pm
        "strategy_invited",
        "information_received",  # probation, late
        "strategy_discussion",
        "s47_started",
    ]
    summaries = dict(timeline)
    assert summaries["request_escalated"] == "Request to Demo probation escalated to Pat Senior."
    assert summaries["strategy_invited"] == (
        "Strategy discussion arranged for 10 December 2026 at 10:00. Invited: Demo Constabulary, Demo health visiting."
    )
    assert "Demo Constabulary: took part. Demo health visiting: took part." in summaries["strategy_discussion"]
    escalation = [s for k, s in timeline if k == "agency_view"]
    assert escalation == [
        "Demo nursery disagrees with the decision: the practitioners talk it through by 8 December 2026.",
        "Professional difference: the practitioners talk it through: not resolved: escalated to the next step. "
        "Next: their managers by 10 December 2026.",
    ]
    for _, summary in timeline:  # nothing an agency said reaches the timeline's summaries
        for words_held in (*LEFT_OUT, POLICE_INCIDENT, MISSED_CHECKS, PROBATION_ITEM):
            assert words_held not in summary
