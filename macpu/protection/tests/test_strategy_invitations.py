"""Strategy discussions on the information-request machinery: social care invites named agencies to a discussion
still to be held; each agency not yet asked about the contact is asked what it knows about the household, by a
deadline in working hours; recording the discussion says whether each invited agency took part, and each action
names its agency; a partner practitioner sees its agency's invitations and only its own actions."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from macpu.access.models import AuditSubject
from macpu.agencies.models import AgencyKind, Role
from macpu.casework.services import episode_close
from macpu.chronology.models import Event, EventKind
from macpu.core.codes import ReasonForClosure
from macpu.intake.models import ContactOutcome, ReferralDecision
from macpu.intake.services import contact_decide, referral_create, referral_decide
from macpu.mash import services as mash
from macpu.mash.models import InformationRequest, Rag
from macpu.people.services import PersonDetails, household_record
from macpu.protection import services as protection
from macpu.protection.models import (
    ParticipantAgency,
    StrategyAction,
    StrategyAttendance,
    StrategyDecision,
    StrategyDiscussion,
    StrategyInvitation,
)
from macpu.protection.services import Action, Participant
from macpu.timescales.working_hours import ENGLAND
from tests.factories import (
    TeamFactory,
    UserFactory,
    partner_agencies,
    partner_practitioners,
    police_notification,
    words,
)

pytestmark = pytest.mark.django_db

FRIDAY = dt.datetime(2026, 12, 4, 15, 30, tzinfo=ENGLAND)  # Fri 4 Dec 2026, 3:30 pm: the contact and the invitations
ROLE_REFUSED = (
    "Only children's social care staff can invite agencies to a strategy discussion: children's social care "
    "convenes it."
)
POLICE_AND_HEALTH = "Invite the police and health: a strategy discussion needs both, with children's social care."
CLOSED = "This case is closed."
NFA = "This referral was decided as no further action, so it carries no assessment, enquiry, conference or plan."
QUESTION = "What do you know about the household, before the strategy discussion?"
RATIONALE = "Domestic abuse with a three-year-old in the house."
POLICE, HEALTH, EDUCATION, PROBATION = AgencyKind.POLICE, AgencyKind.HEALTH, AgencyKind.EDUCATION, AgencyKind.PROBATION


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A moment in December 2026 in England. Friday 4 December is the contact; the weekend is 5 and 6."""
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=ENGLAND)


def errors(call) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as raised:
        call()
    return raised.value.message_dict


def written() -> dict[str, int]:
    """What an invitation or a recording writes, counted."""
    return {
        "invitations": StrategyInvitation.objects.count(),
        "open invitations": StrategyInvitation.objects.filter(discussion__isnull=True).count(),
        "requests": InformationRequest.objects.count(),
        "events": Event.objects.count(),
        "discussions": StrategyDiscussion.objects.count(),
        "actions": StrategyAction.objects.count(),
    }


def said_html(body: str) -> str:
    """What a page says, as one line of words."""
    return " ".join(html.unescape(words(body)).split())


def said(response) -> str:
    return said_html(response.content.decode())


def table_rows(body: str, caption: str) -> list[list[str]]:
    """The cells of each body row of the first table captioned `caption`, reduced to their words."""
    at_caption = re.search(rf"<caption[^>]*>\s*{re.escape(caption)}\s*</caption>", body)
    assert at_caption, f"no table captioned {caption!r}"
    start = at_caption.end()
    table = body[body.index("<tbody", start) : body.index("</tbody>", start)]
    rows = re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', table, re.DOTALL)
    return [
        [
            " ".join(html.unescape(re.sub(r"<[^>]+>", " ", cell)).split())
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL)
        ]
        for row in rows
    ]


def date_data(name: str, day: dt.date) -> dict[str, str]:
    return {f"{name}_day": str(day.day), f"{name}_month": str(day.month), f"{name}_year": str(day.year)}


def front_door_referral(
    social_worker, manager, team, given_name: str, decision: str = ReferralDecision.STRATEGY_DISCUSSION
):
    """A child (with a mother and her partner) through the front door on Friday: contact, referral, decision."""
    contact = police_notification(social_worker, team, FRIDAY, child=given_name)
    [referral] = contact_decide(
        actor=manager,
        now=FRIDAY,
        contact=contact,
        outcome=ContactOutcome.REFERRAL,
        reasons="Domestic abuse and a young child.",
        decided_on=FRIDAY.date(),
    )
    return referral_decide(
        actor=manager,
        now=FRIDAY,
        referral=referral,
        decision=decision,
        reasons="Risk of harm.",
        decided_on=FRIDAY.date(),
    )


@pytest.fixture
def agencies(db):
    return partner_agencies()


@pytest.fixture
def partners(agencies):
    """A partner practitioner in each agency."""
    return partner_practitioners(agencies)


@pytest.fixture
def friday_referral(local_authority, social_worker, manager, team, agencies):
    """Ava (3), her mother Jo and Jo's partner Kai: a contact on Friday 4 December 2026, a referral the same day,
    decided as a strategy discussion."""
    return front_door_referral(social_worker, manager, team, "Ava")


def invite(actor, referral, agencies, kinds, *, meeting_at=None, now=FRIDAY, rag=Rag.RED):
    return protection.strategy_invite(
        actor=actor,
        now=now,
        referral=referral,
        meeting_at=meeting_at or at(8, 10),
        agencies=[agencies[k] for k in kinds],
        question=QUESTION,
        rag=rag,
        rag_rationale=RATIONALE,
    )


THREE = [
    Participant(name="Sam Worker", agency_kind=ParticipantAgency.SOCIAL_CARE),
    Participant(name="DC Holmes", agency_kind=ParticipantAgency.POLICE),
    Participant(name="Nurse Patel", agency_kind=ParticipantAgency.HEALTH),
]


def record(actor, referral, *, attendance, participants=THREE, actions=(), now=None, **kwargs):
    return protection.strategy_discussion_record(
        actor=actor,
        now=now or at(8, 11),
        referral=referral,
        held_on=dt.date(2026, 12, 8),
        participants=participants,
        decision=StrategyDecision.NO_S47,
        reasons="Below the threshold for an enquiry.",
        actions=actions,
        attendance=attendance,
        **kwargs,
    )


# --- the rules of an invitation ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["police officer", "partner practitioner"])
def test_only_childrens_social_care_may_invite(who, friday_referral, agencies, partners, team):
    actor = (
        UserFactory(role=Role.POLICE_OFFICER, team=team, agency=team.agency)
        if who == "police officer"
        else partners[POLICE]
    )
    before = written()

    broken = errors(lambda: invite(actor, friday_referral, agencies, [POLICE, HEALTH]))

    assert broken == {"__all__": [ROLE_REFUSED]}
    assert written() == before


@pytest.mark.parametrize("meeting_at", [FRIDAY - dt.timedelta(minutes=1), FRIDAY], ids=["a minute ago", "now"])
def test_the_discussion_must_be_in_the_future(meeting_at, friday_referral, agencies, social_worker):
    before = written()

    broken = errors(lambda: invite(social_worker, friday_referral, agencies, [POLICE, HEALTH], meeting_at=meeting_at))

    assert broken == {"meeting_at": ["The time of the discussion must be in the future."]}
    assert written() == before


def test_an_invitation_names_its_agencies(friday_referral, agencies, social_worker):
    before = written()

    broken = errors(lambda: invite(social_worker, friday_referral, agencies, []))

    assert broken == {"agencies": ["Choose the agencies to invite."]}
    assert written() == before


@pytest.mark.parametrize(
    "kinds", [[HEALTH, EDUCATION], [POLICE, PROBATION], [EDUCATION]], ids=["no police", "no health", "neither"]
)
def test_the_police_and_health_are_both_invited(kinds, friday_referral, agencies, social_worker):
    before = written()

    broken = errors(lambda: invite(social_worker, friday_referral, agencies, kinds))

    assert broken == {"agencies": [POLICE_AND_HEALTH]}
    assert written() == before


def test_an_agency_already_invited_to_the_discussion_still_to_be_recorded_is_not_invited_again(
    friday_referral, agencies, social_worker
):
    invite(social_worker, friday_referral, agencies, [POLICE, HEALTH])
    before = written()

    broken = errors(lambda: invite(social_worker, friday_referral, agencies, [POLICE, HEALTH, EDUCATION], now=at(7, 9)))

    assert broken == {
        "agencies": ["Already invited to the discussion still to be recorded: Demo Constabulary, Demo health visiting."]
    }
    assert written() == before
    assert not InformationRequest.objects.filter(agency=agencies[EDUCATION]).exists()  # the nursery was not asked


def test_more_agencies_join_the_discussion_already_arranged_at_its_time(friday_referral, agencies, social_worker):
    invite(social_worker, friday_referral, agencies, [POLICE, HEALTH])

    other_time = errors(
        lambda: invite(social_worker, friday_referral, agencies, [EDUCATION], meeting_at=at(8, 14), now=at(7, 9))
    )
    [nursery] = invite(social_worker, friday_referral, agencies, [EDUCATION], now=at(7, 9))

    assert other_time == {
        "meeting_at": [
            "A strategy discussion is already arranged for 8 December 2026 at 10:00: invite agencies to it then."
        ]
    }
    assert (nursery.agency, nursery.meeting_at) == (agencies[EDUCATION], at(8, 10))  # police and health count
    assert friday_referral.strategy_invitations.filter(discussion__isnull=True).count() == 3


def test_all_the_broken_rules_are_named_together(friday_referral, agencies, team):
    officer = UserFactory(role=Role.POLICE_OFFICER, team=team, agency=team.agency)
    before = written()

    broken = errors(lambda: invite(officer, friday_referral, agencies, [], meeting_at=at(4, 9)))

    assert broken == {
        "__all__": [ROLE_REFUSED],
        "meeting_at": ["The time of the discussion must be in the future."],
        "agencies": ["Choose the agencies to invite."],
    }
    assert written() == before


def test_a_closed_case_takes_no_invitation(friday_referral, agencies, social_worker):
    episode_close(
        actor=social_worker,
        now=FRIDAY,
        referral=friday_referral,
        closed_on=FRIDAY.date(),
        reason=ReasonForClosure.SERVICES_CEASED,
    )
    before = written()

    broken = errors(lambda: invite(social_worker, friday_referral, agencies, [POLICE, HEALTH]))

    assert broken == {"meeting_at": [CLOSED]}
    assert written() == before


def test_a_referral_decided_as_no_further_action_takes_no_invitation(
    local_authority, agencies, social_worker, manager, team
):
    nfa = front_door_referral(social_worker, manager, team, "Bo", decision=ReferralDecision.NO_FURTHER_ACTION)
    before = written()

    broken = errors(lambda: invite(social_worker, nfa, agencies, [POLICE, HEALTH]))

    assert broken == {"meeting_at": [CLOSED, NFA]}
    assert written() == before


# --- each agency's information comes through the contact's information request ----------------------------------


def test_an_agency_not_yet_asked_is_asked_about_the_household_and_one_already_asked_is_not_asked_again(
    friday_referral, agencies, social_worker
):
    contact = friday_referral.contact
    police_request = mash.information_request_send(
        actor=social_worker,
        now=FRIDAY,
        contact=contact,
        agency=agencies[POLICE],
        people=[friday_referral.child],
        question="Any callouts to the address?",
        rag=Rag.AMBER,
        rag_rationale="Domestic incident.",
    )
    household = set(contact.household.members.values_list("pk", flat=True))
    requested_before = Event.objects.filter(kind=EventKind.INFORMATION_REQUESTED).count()

    invitations = invite(social_worker, friday_referral, agencies, [HEALTH, POLICE, EDUCATION])

    assert [i.agency.name for i in invitations] == ["Demo Constabulary", "Demo health visiting", "Demo nursery"]
    police, health, nursery = invitations
    # The police were asked already: their request serves the discussion, as it was.
    assert police.request == police_request
    police_request.refresh_from_db()
    assert (police_request.rag, police_request.question, police_request.due_at) == (
        Rag.AMBER,
        "Any callouts to the address?",
        at(9, 15, 30),  # amber, 24 working hours
    )
    assert list(police_request.people.values_list("pk", flat=True)) == [friday_referral.child.pk]
    # Health and the nursery are asked now, about everyone in the household, red: 1.5 working hours on Friday and
    # 2.5 on Monday.
    assert InformationRequest.objects.count() == 3
    for invitation in (health, nursery):
        request = invitation.request
        assert request is not None and request.contact == contact and request.agency == invitation.agency
        assert (request.rag, request.rag_rationale, request.question) == (Rag.RED, RATIONALE, QUESTION)
        assert (request.sent_at, request.sent_by, request.due_at) == (FRIDAY, social_worker, at(7, 11, 30))
        assert set(request.people.values_list("pk", flat=True)) == household and len(household) == 3
    assert Event.objects.filter(kind=EventKind.INFORMATION_REQUESTED).count() == requested_before + 2
    for invitation in invitations:
        invitation.refresh_from_db()
        assert (invitation.referral, invitation.meeting_at, invitation.invited_by, invitation.invited_at) == (
            friday_referral,
            at(8, 10),
            social_worker,
            FRIDAY,
        )
        assert (invitation.discussion, invitation.attendance) == (None, "")


def test_a_referral_that_did_not_come_through_the_front_door_gets_invitations_without_requests(
    local_authority, agencies, social_worker, manager, team, client
):
    child = household_record(
        actor=social_worker,
        now=FRIDAY,
        address="9 Direct Road",
        postcode="ZZ9 9ZZ",
        children=[PersonDetails(given_name="Cy", family_name="Direct", sex="M", date_of_birth=dt.date(2019, 1, 1))],
    ).children[0]
    referral = referral_create(
        actor=social_worker, now=FRIDAY, child=child, received_on=FRIDAY.date(), source="1A", team=team
    )
    referral_decide(
        actor=manager,
        now=FRIDAY,
        referral=referral,
        decision=ReferralDecision.STRATEGY_DISCUSSION,
        reasons="Risk of harm.",
        decided_on=FRIDAY.date(),
    )
    assert referral.contact is None

    invitations = invite(social_worker, referral, agencies, [POLICE, HEALTH])

    assert [(i.agency.name, i.request) for i in invitations] == [
        ("Demo Constabulary", None),
        ("Demo health visiting", None),
    ]
    assert InformationRequest.objects.count() == 0
    assert not Event.objects.filter(kind=EventKind.INFORMATION_REQUESTED).exists()
    assert Event.objects.filter(kind=EventKind.STRATEGY_INVITED, child=child).count() == 1
    client.force_login(social_worker)
    page = client.get(reverse("child-detail", args=[child.pk])).content.decode()
    assert table_rows(page, "Agencies invited") == [
        ["Demo Constabulary", "Not asked: this case did not come through the front door"],
        ["Demo health visiting", "Not asked: this case did not come through the front door"],
    ]
    assert "What agencies know" not in page  # no contact to link to

    # Invited without a request, the police still see the action agreed for them, and the audit trail says why.
    police = UserFactory(
        role=Role.PARTNER_PRACTITIONER, agency=agencies[POLICE], team=TeamFactory(agency=agencies[POLICE])
    )
    record(
        social_worker,
        referral,
        attendance={i.pk: StrategyAttendance.ATTENDED for i in invitations},
        actions=[
            Action(action="Check Cy's father", owner="DC Holmes", due_on=dt.date(2026, 12, 9), agency=agencies[POLICE])
        ],
    )
    client.force_login(police)
    listed = client.get(reverse("agency-requests")).content.decode()
    assert table_rows(listed, "Actions for your agency from strategy discussions") == [
        ["Cy Direct", "Check Cy's father", "DC Holmes", "9 December 2026", "To do"]
    ]
    seen = AuditSubject.objects.filter(event__user_id=police.pk, person_id=child.pk).latest("pk")
    assert seen.basis == "Their agency was invited to a strategy discussion about the child"


# --- the child's timeline -------------------------------------------------------------------------------------------


def test_one_event_on_the_childs_timeline_names_the_time_and_the_agencies(friday_referral, agencies, social_worker):
    invitations = invite(social_worker, friday_referral, agencies, [POLICE, EDUCATION, HEALTH])

    [event] = Event.objects.filter(kind=EventKind.STRATEGY_INVITED)
    assert event.child == friday_referral.child
    assert (event.occurred_on, event.actor, event.recorded_at) == (FRIDAY.date(), social_worker, FRIDAY)
    assert (event.subject_type, event.subject_id) == ("strategyinvitation", invitations[0].pk)
    assert event.summary == (
        "Strategy discussion arranged for 8 December 2026 at 10:00. "
        "Invited: Demo Constabulary, Demo health visiting, Demo nursery."
    )


def test_the_events_time_is_the_time_in_england(friday_referral, agencies, social_worker):
    """10 am in London in June is 9 am UTC: the summary gives the time people will meet."""
    invite(
        social_worker, friday_referral, agencies, [POLICE, HEALTH], meeting_at=dt.datetime(2027, 6, 7, 9, tzinfo=dt.UTC)
    )

    [event] = Event.objects.filter(kind=EventKind.STRATEGY_INVITED)
    assert event.summary.startswith("Strategy discussion arranged for 7 June 2027 at 10:00. ")


# --- recording the discussion ---------------------------------------------------------------------------------


def test_each_open_invitation_needs_its_attendance_and_nothing_is_written_without(
    friday_referral, agencies, social_worker
):
    police, health, nursery = invite(social_worker, friday_referral, agencies, [POLICE, HEALTH, EDUCATION])
    before = written()

    broken = errors(
        lambda: record(
            social_worker,
            friday_referral,
            attendance={police.pk: StrategyAttendance.ATTENDED, health.pk: "maybe"},  # the nursery left out
        )
    )

    assert broken == {
        f"attendance_{health.pk}": ["Say whether Demo health visiting took part."],
        f"attendance_{nursery.pk}": ["Say whether Demo nursery took part."],
    }
    assert written() == before
    assert before["open invitations"] == 3


def test_recorded_invitations_carry_the_discussion_and_attendance_and_the_agency_may_be_invited_again(
    friday_referral, agencies, social_worker
):
    police, health, nursery = invite(social_worker, friday_referral, agencies, [POLICE, HEALTH, EDUCATION])
    requests = {i.agency_id: i.request_id for i in (police, health, nursery)}

    discussion = record(
        social_worker,
        friday_referral,
        attendance={
            police.pk: StrategyAttendance.ATTENDED,
            health.pk: StrategyAttendance.INFORMATION_ONLY,
            nursery.pk: StrategyAttendance.ABSENT,
        },
    )

    assert sorted(discussion.invitations.values_list("agency__name", "attendance")) == [
        ("Demo Constabulary", "attended"),
        ("Demo health visiting", "information_only"),
        ("Demo nursery", "absent"),
    ]
    assert not StrategyInvitation.objects.filter(discussion__isnull=True).exists()
    [event] = Event.objects.filter(kind=EventKind.STRATEGY_DISCUSSION)
    assert (
        "Invited agencies: Demo Constabulary: took part. Demo health visiting: sent information but did not take "
        "part. Demo nursery: did not take part." in event.summary
    )

    # A next discussion: the same agencies may be invited again. Each was asked already: no new request.
    again = invite(social_worker, friday_referral, agencies, [POLICE, HEALTH], now=at(9, 9), meeting_at=at(10, 10))

    assert [(i.agency.name, i.discussion, i.meeting_at) for i in again] == [
        ("Demo Constabulary", None, at(10, 10)),
        ("Demo health visiting", None, at(10, 10)),
    ]
    assert all(i.request_id == requests[i.agency_id] for i in again)
    assert InformationRequest.objects.count() == 3
    assert StrategyInvitation.objects.count() == 5
    # The next recording asks only about the new invitations: the held ones keep what was recorded.
    second = record(
        social_worker,
        friday_referral,
        attendance={i.pk: StrategyAttendance.ATTENDED for i in again},
        now=at(10, 11),
    )
    assert set(second.invitations.values_list("pk", flat=True)) == {i.pk for i in again}
    nursery.refresh_from_db()
    assert (nursery.discussion, nursery.attendance) == (discussion, "absent")


def test_an_invited_police_agency_that_took_part_counts_as_the_police(friday_referral, agencies, social_worker):
    police, health = invite(social_worker, friday_referral, agencies, [POLICE, HEALTH])
    no_police_row = [p for p in THREE if p.agency_kind != ParticipantAgency.POLICE]

    discussion = record(
        social_worker,
        friday_referral,
        participants=no_police_row,
        attendance={police.pk: StrategyAttendance.ATTENDED, health.pk: StrategyAttendance.ATTENDED},
    )

    assert discussion.missing_agency_reason == ""
    assert "Went ahead without" not in Event.objects.get(kind=EventKind.STRATEGY_DISCUSSION).summary


@pytest.mark.parametrize("police_attendance", [StrategyAttendance.INFORMATION_ONLY, StrategyAttendance.ABSENT])
def test_an_invited_police_agency_that_did_not_take_part_leaves_the_police_missing(
    police_attendance, friday_referral, agencies, social_worker
):
    police, health = invite(social_worker, friday_referral, agencies, [POLICE, HEALTH])
    no_police_row = [p for p in THREE if p.agency_kind != ParticipantAgency.POLICE]
    before = written()

    broken = errors(
        lambda: record(
            social_worker,
            friday_referral,
            participants=no_police_row,
            attendance={police.pk: police_attendance, health.pk: StrategyAttendance.ATTENDED},
        )
    )

    assert broken == {
        "participants": [
            "A strategy discussion needs someone from children's social care, the police and health. "
            "Missing: police. If it had to go ahead without them, say why."
        ]
    }
    assert written() == before


def test_each_action_names_the_agency_responsible(friday_referral, agencies, social_worker):
    police, health = invite(social_worker, friday_referral, agencies, [POLICE, HEALTH])
    before = written()

    broken = errors(
        lambda: record(
            social_worker,
            friday_referral,
            attendance={police.pk: StrategyAttendance.ATTENDED, health.pk: StrategyAttendance.ATTENDED},
            actions=[
                Action(action="Joint visit", owner="DC Holmes", due_on=dt.date(2026, 12, 9)),
                Action(
                    action="Health review", owner="Nurse Patel", due_on=dt.date(2026, 12, 9), agency=agencies[HEALTH]
                ),
            ],
        )
    )

    assert broken == {"action_0_agency": ["Choose the agency responsible for each action."]}
    assert written() == before


# A rule checked after the writes (meeting_access_give's, on `access_for`) must undo them all.
def test_a_recording_refused_by_a_late_rule_writes_nothing(friday_referral, agencies, social_worker):
    police, health = invite(social_worker, friday_referral, agencies, [POLICE, HEALTH])
    before = written()

    broken = errors(
        lambda: record(
            social_worker,
            friday_referral,
            attendance={police.pk: StrategyAttendance.ATTENDED, health.pk: StrategyAttendance.ATTENDED},
            access_for=[social_worker],  # the recorder sees the record already: refused
        )
    )

    assert broken == {"access_for": ["You see the record already: leave yourself unticked."]}
    assert written() == before


# --- pages ----------------------------------------------------------------------------------------------------------


@pytest.fixture
def meeting_on() -> dt.date:
    """A week from today: the pages record at the real time."""
    return timezone.localdate() + dt.timedelta(days=7)


def invite_data(agencies, kinds, day: dt.date, time: str = "10:00") -> dict[str, object]:
    return {
        **date_data("meeting_on", day),
        "meeting_time": time,
        "agencies": [agencies[k].pk for k in kinds],
        "question": QUESTION,
        "rag": "red",
        "rag_rationale": RATIONALE,
    }


def test_a_social_worker_invites_agencies_and_the_childs_page_shows_the_discussion_arranged(
    client, decided_referral, agencies, social_worker, meeting_on
):
    url = reverse("strategy-invite", args=[decided_referral.pk])
    child_url = reverse("child-detail", args=[decided_referral.child_id])
    client.force_login(social_worker)

    before = client.get(child_url).content.decode()
    form = client.get(url)
    response = client.post(url, invite_data(agencies, [POLICE, HEALTH], meeting_on))

    assert f'href="{url}"' in before and "Strategy discussion to be held" not in before
    page = said(form)
    assert form.status_code == 200 and "Invite agencies to a strategy discussion" in page
    for pk in (agencies[POLICE].pk, agencies[HEALTH].pk):  # the two every discussion needs, ticked
        assert re.search(rf'<input[^>]*value="{pk}"[^>]*checked', form.content.decode())
    assert (response.status_code, response["Location"]) == (302, child_url)
    shown = client.get(child_url)
    body = shown.content.decode()
    assert "Agencies invited to the strategy discussion" in said(shown)
    assert f"Strategy discussion to be held on {meeting_on:%-d %B %Y} at 10:00" in said(shown)
    assert table_rows(body, "Agencies invited") == [
        ["Demo Constabulary", "Waiting"],
        ["Demo health visiting", "Waiting"],
    ]
    invitations = StrategyInvitation.objects.filter(referral=decided_referral)
    assert {i.meeting_at for i in invitations} == {dt.datetime.combine(meeting_on, dt.time(10), tzinfo=ENGLAND)}
    assert all(i.request is not None and i.request.rag == Rag.RED for i in invitations)


def test_a_time_that_is_not_a_time_is_shown_beside_its_field(
    client, decided_referral, agencies, social_worker, meeting_on
):
    client.force_login(social_worker)
    before = written()

    response = client.post(
        reverse("strategy-invite", args=[decided_referral.pk]),
        invite_data(agencies, [POLICE, HEALTH], meeting_on, "25:99"),
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert 'href="#id_meeting_time"' in body
    assert "Enter the time of the discussion in hours and minutes, for example 14:30." in said(response)
    assert written() == before


def test_a_time_already_past_is_shown_beside_the_date(client, decided_referral, agencies, social_worker):
    client.force_login(social_worker)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    before = written()

    response = client.post(
        reverse("strategy-invite", args=[decided_referral.pk]), invite_data(agencies, [POLICE, HEALTH], yesterday)
    )

    assert response.status_code == 200
    assert 'href="#id_meeting_on_day"' in response.content.decode()
    assert "The time of the discussion must be in the future." in said(response)
    assert written() == before


def test_a_police_officer_is_refused_the_invitation_page_and_shown_nothing_of_the_child(
    client, decided_referral, agencies, team, meeting_on
):
    officer = UserFactory(role=Role.POLICE_OFFICER, team=team, agency=team.agency)
    url = reverse("strategy-invite", args=[decided_referral.pk])
    client.force_login(officer)
    before = written()

    child_page = client.get(reverse("child-detail", args=[decided_referral.child_id]))
    page = client.get(url)
    response = client.post(url, invite_data(agencies, [POLICE, HEALTH], meeting_on))

    assert child_page.status_code == 200 and url not in child_page.content.decode()  # not offered
    assert (page.status_code, response.status_code) == (403, 403)
    for refused in (page, response):
        body = said(refused)
        assert "You do not have permission" in body
        assert decided_referral.child.given_name not in body and decided_referral.child.family_name not in body
    assert written() == before


def test_the_strategy_form_asks_whether_each_invited_agency_took_part(
    client, decided_referral, agencies, social_worker, meeting_on
):
    police, health = invite(
        social_worker,
        decided_referral,
        agencies,
        [POLICE, HEALTH],
        now=timezone.now(),
        meeting_at=dt.datetime.combine(meeting_on, dt.time(10), tzinfo=ENGLAND),
    )
    client.force_login(social_worker)

    body = client.get(reverse("strategy-create", args=[decided_referral.pk])).content.decode()

    text = said_html(body)
    assert "Agencies invited" in text
    for invitation in (police, health):
        assert f"Did {invitation.agency} take part?" in text
        radios = re.findall(rf'<input[^>]*name="attendance_{invitation.pk}"[^>]*>', body)
        assert sorted(re.search(r'value="([^"]+)"', r)[1] for r in radios) == sorted(StrategyAttendance.values)


def test_the_strategy_form_shows_a_missing_attendance_beside_its_radios(
    client, decided_referral, agencies, social_worker, meeting_on
):
    police, health = invite(
        social_worker,
        decided_referral,
        agencies,
        [POLICE, HEALTH],
        now=timezone.now(),
        meeting_at=dt.datetime.combine(meeting_on, dt.time(10), tzinfo=ENGLAND),
    )
    client.force_login(social_worker)
    before = written()

    response = client.post(
        reverse("strategy-create", args=[decided_referral.pk]),
        {**strategy_data(timezone.localdate()), f"attendance_{police.pk}": "attended"},
    )

    assert response.status_code == 200
    assert f'href="#id_attendance_{health.pk}' in response.content.decode()
    assert "Say whether Demo health visiting took part." in said(response)
    assert written() == before


def strategy_data(held_on: dt.date, actions: list[tuple[str, str, object]] = ()) -> dict[str, object]:
    """The strategy form: social care, police and health took part; no section 47 enquiry; the actions given as
    (action, owner, agency pk), due a week after the discussion."""
    data: dict[str, object] = {
        **date_data("held_on", held_on),
        "participant_0_name": "Sam Worker",
        "participant_1_name": "DC Holmes",
        "participant_2_name": "Nurse Patel",
        "decision": StrategyDecision.NO_S47,
        "immediate_protection": "none",
        "reasons": "Below the threshold for an enquiry.",
    }
    for i, (action, owner, agency) in enumerate(actions):
        data |= {
            f"action_{i}_action": action,
            f"action_{i}_owner": owner,
            f"action_{i}_agency": str(agency),
            **date_data(f"action_{i}_due_on", held_on + dt.timedelta(days=7)),
        }
    return data


def test_the_partner_sees_the_invitation_and_then_only_its_own_agencys_actions(
    client, decided_referral, agencies, partners, social_worker, meeting_on
):
    client.force_login(social_worker)
    client.post(
        reverse("strategy-invite", args=[decided_referral.pk]), invite_data(agencies, [POLICE, HEALTH], meeting_on)
    )
    police, health = StrategyInvitation.objects.filter(referral=decided_referral).order_by("agency__name")
    client.force_login(partners[POLICE])
    invited = said(client.get(reverse("agency-requests")))

    client.force_login(social_worker)
    recorded = client.post(
        reverse("strategy-create", args=[decided_referral.pk]),
        {
            **strategy_data(
                timezone.localdate(),
                actions=[
                    ("Joint visit to the home", "DC Holmes", agencies[POLICE].pk),
                    ("Health review for Ada", "Nurse Patel", agencies[HEALTH].pk),
                    ("Check attendance at nursery", "Ms Byron", agencies[EDUCATION].pk),  # not invited
                ],
            ),
            f"attendance_{police.pk}": "attended",
            f"attendance_{health.pk}": "information_only",
        },
    )
    pages = {}
    for kind in (POLICE, HEALTH, EDUCATION):
        client.force_login(partners[kind])
        pages[kind] = client.get(reverse("agency-requests")).content.decode()

    assert f"Invited to a strategy discussion on {meeting_on:%-d %B %Y} at 10:00" in invited
    assert "Actions for your agency from strategy discussions" not in invited
    assert recorded.status_code == 302, said(recorded)
    due = f"{timezone.localdate() + dt.timedelta(days=7):%-d %B %Y}"
    caption = "Actions for your agency from strategy discussions"
    assert "Strategy discussion held" in said_html(pages[POLICE])
    assert table_rows(pages[POLICE], caption) == [
        ["Ada Lovelace", "Joint visit to the home", "DC Holmes", due, "To do"]
    ]
    assert table_rows(pages[HEALTH], caption) == [
        ["Ada Lovelace", "Health review for Ada", "Nurse Patel", due, "To do"]
    ]
    # The nursery was neither invited nor asked: no requests, and no actions (mash.selectors.agency_actions).
    assert caption not in pages[EDUCATION] and "Check attendance at nursery" not in pages[EDUCATION]


# Outside a test's transaction, as in production: the service opens its own (PostgreSQL refuses SELECT ... FOR
# UPDATE without one), which pytest-django's wrapping transaction would hide.
def test_the_strategy_page_records_a_discussion_outside_a_test_transaction(
    transactional_db, client, decided_referral, agencies, social_worker, meeting_on
):
    client.force_login(social_worker)
    client.post(
        reverse("strategy-invite", args=[decided_referral.pk]), invite_data(agencies, [POLICE, HEALTH], meeting_on)
    )
    police, health = StrategyInvitation.objects.filter(referral=decided_referral).order_by("agency__name")

    response = client.post(
        reverse("strategy-create", args=[decided_referral.pk]),
        {
            **strategy_data(timezone.localdate()),
            f"attendance_{police.pk}": "attended",
            f"attendance_{health.pk}": "absent",
        },
    )

    assert response.status_code == 302, said(response)
    [discussion] = StrategyDiscussion.objects.filter(referral=decided_referral)
    assert sorted(discussion.invitations.values_list("agency__name", "attendance")) == [
        ("Demo Constabulary", "attended"),
        ("Demo health visiting", "absent"),
    ]
