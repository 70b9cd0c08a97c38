"""Writes for strategy discussions, section 47 enquiries, conferences, plans, core groups and visits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from macpu.access.models import Meeting
from macpu.access.services import meeting_access_give
from macpu.agencies.models import Agency, AgencyKind, Role, User
from macpu.chronology.models import EventKind
from macpu.chronology.services import event_record
from macpu.core.codes import CategoryOfAbuse, ReferralSource
from macpu.core.services import Rules, check_role, locked, today_of
from macpu.intake.models import Referral
from macpu.intake.services import require_open_and_acted_on
from macpu.mash.services import household, information_request_send
from macpu.people.models import Person
from macpu.protection.models import (
    Conference,
    ConferenceAttendance,
    ConferenceDecision,
    ConferenceKind,
    CoreGroupMeeting,
    CpPlan,
    ImmediateProtection,
    ParticipantAgency,
    PlanEndReason,
    S47Enquiry,
    S47Outcome,
    StatutoryVisit,
    StrategyAction,
    StrategyAttendance,
    StrategyDecision,
    StrategyDiscussion,
    StrategyInvitation,
    StrategyParticipant,
)


@dataclass(frozen=True)
class Participant:
    name: str
    agency_kind: str
    role: str = ""
    view: str = ""
    agency: Agency | None = None


@dataclass(frozen=True)
class Action:
    action: str
    owner: str
    due_on: date
    agency: Agency | None = None  # the agency responsible for it


@dataclass(frozen=True)
class Attendance:
    agency_kind: str
    name: str
    attended: bool
    invited: bool = True
    report_submitted: bool = False


# WT2023: a strategy discussion includes at least children's social care, the police and health.
REQUIRED_AGENCIES = {
    ParticipantAgency.SOCIAL_CARE: "children's social care",
    ParticipantAgency.POLICE: "police",
    ParticipantAgency.HEALTH: "health",
}


def _not_weekend(rules: Rules, held_on: date, field: str) -> None:
    rules.check(held_on.isoweekday() <= 5, field, "A conference cannot be held on a Saturday or Sunday.")


@transaction.atomic
def strategy_invite(
    *,
    actor: User,
    now: datetime,
    referral: Referral,
    meeting_at: datetime,
    agencies: Sequence[Agency],
    question: str,
    rag: str,
    rag_rationale: str,
) -> list[StrategyInvitation]:
    """Invite named agencies to a strategy discussion. Each is asked, through the same information request as at the
    front door, what it knows about the household, unless it has already been asked about this contact."""
    referral = locked(referral)
    rules = Rules()
    check_role(rules, actor, "strategy_invite")
    require_open_and_acted_on(rules, referral, "meeting_at")
    rules.check(meeting_at > now, "meeting_at", "The time of the discussion must be in the future.")
    arranged = list(referral.strategy_invitations.filter(discussion__isnull=True).select_related("agency"))
    if arranged:  # more agencies for the discussion already arranged
        when = timezone.localtime(arranged[0].meeting_at)
        rules.check(
            meeting_at == arranged[0].meeting_at,
            "meeting_at",
            f"A strategy discussion is already arranged for {when:%-d %B %Y at %H:%M}: invite agencies to it then.",
        )
    if rules.check(len(agencies) > 0, "agencies", "Choose the agencies to invite."):
        already = {i.agency.name for i in arranged} & {a.name for a in agencies}
        rules.check(
            not already,
            "agencies",
            f"Already invited to the discussion still to be recorded: {', '.join(sorted(already))}.",
        )
        kinds = {a.kind for a in agencies} | {i.agency.kind for i in arranged}
        rules.check(
            AgencyKind.POLICE in kinds and AgencyKind.HEALTH in kinds,
            "agencies",
            "Invite the police and health: a strategy discussion needs both, with children's social care.",
        )
    rules.raise_if_broken()

    contact = referral.contact
    asked = {r.agency_id: r for r in contact.information_requests.all()} if contact else {}
    people = list(Person.objects.filter(pk__in=household(contact))) if contact else []
    invitations = []
    for agency in sorted(agencies, key=lambda a: a.name):
        request = asked.get(agency.pk)
        if contact is not None and request is None:
            request = information_request_send(
                actor=actor,
                now=now,
                contact=contact,
                agency=agency,
                people=people,
                question=question,
                rag=rag,
                rag_rationale=rag_rationale,
            )
        invitations.append(
            StrategyInvitation.objects.create(
                referral=referral,
                agency=agency,
                meeting_at=meeting_at,
                request=request,
                invited_by=actor,
                invited_at=now,
            )
        )
    when = timezone.localtime(meeting_at)
    event_record(
        child=referral.child,
        kind=EventKind.STRATEGY_INVITED,
        occurred_on=today_of(now),
        subject=invitations[0],
        summary=f"Strategy discussion arranged for {when:%-d %B %Y at %H:%M}. "
        f"Invited: {', '.join(i.agency.name for i in invitations)}.",
        actor=actor,
        now=now,
    )
    return invitations


@transaction.atomic
def strategy_discussion_record(
    *,
    actor: User,
    now: datetime,
    referral: Referral,
    held_on: date,
    participants: Sequence[Participant],
    decision: str,
    immediate_protection: str = ImmediateProtection.NONE,
    reasons: str = "",
    actions: Sequence[Action] = (),
    access_for: Sequence[User] = (),
    missing_agency_reason: str = "",
    attendance: Mapping[int, str] | None = None,
) -> StrategyDiscussion:
    """Record a strategy discussion: who took part, whether each invited agency did, the decision and the actions
    each agency owns. A decision to enquire starts the section 47 enquiry on the same day."""
    referral = locked(referral)
    attendance = attendance or {}
    invitations = list(referral.strategy_invitations.filter(discussion__isnull=True).select_related("agency"))
    today = today_of(now)
    rules = Rules()
    check_role(rules, actor, "strategy_discussion_record")
    require_open_and_acted_on(rules, referral, "held_on")
    rules.not_in_future(held_on, "held_on", "The date of the discussion", today)
    rules.alive_on(held_on, referral.child, "held_on", "The date of the discussion")
    rules.not_before(held_on, referral.received_on, "held_on", "The date of the discussion", "the referral date")
    rules.check(decision in StrategyDecision.values, "decision", "Choose the decision of the discussion.")
    rules.check(
        immediate_protection in ImmediateProtection.values,
        "immediate_protection",
        "Choose whether immediate protection was taken.",
    )
    for invitation in invitations:
        rules.check(
            attendance.get(invitation.pk) in StrategyAttendance.values,
            f"attendance_{invitation.pk}",
            f"Say whether {invitation.agency} took part.",
        )
    if rules.check(len(participants) > 0, "participants", "Record who took part."):
        present = {p.agency_kind for p in participants} | {
            i.agency.kind for i in invitations if attendance.get(i.pk) == StrategyAttendance.ATTENDED
        }
        missing = [name for kind, name in REQUIRED_AGENCIES.items() if kind not in present]
        rules.check(
            not missing or bool(missing_agency_reason.strip()),
            "participants",
            "A strategy discussion needs someone from children's social care, the police and health. "
            f"Missing: {', '.join(missing)}. If it had to go ahead without them, say why.",
        )
    for i, p in enumerate(participants):
        rules.check(bool(p.name.strip()), f"participant_{i}_name", "Enter the name of each person who took part.")
        rules.check(
            p.agency_kind in ParticipantAgency.values,
            f"participant_{i}_agency",
            "Choose the agency of each person who took part.",
        )
    for i, a in enumerate(actions):
        rules.check(
            bool(a.action.strip()) and bool(a.owner.strip()),
            f"action_{i}_action",
            "Each action needs a description and an owner.",
        )
        rules.check(a.agency is not None, f"action_{i}_agency", "Choose the agency responsible for each action.")
        rules.not_before(a.due_on, held_on, f"action_{i}_due_on", "An action's due date", "the discussion")
    if decision in (StrategyDecision.S47_SINGLE, StrategyDecision.S47_JOINT):
        rules.check(
            not referral.s47_enquiries.filter(outcome="").exists(),
            "decision",
            "A section 47 enquiry is already open for this child.",
        )
    rules.raise_if_broken()

    discussion = StrategyDiscussion.objects.create(
        referral=referral,
        held_on=held_on,
        decision=decision,
        immediate_protection=immediate_protection,
        reasons=reasons.strip(),
        missing_agency_reason=missing_agency_reason.strip() if missing else "",
        recorded_by=actor,
    )
    StrategyParticipant.objects.bulk_create(
        StrategyParticipant(
            discussion=discussion,
            name=p.name.strip(),
            role=p.role.strip(),
            agency_kind=p.agency_kind,
            agency=p.agency,
            view=p.view.strip(),
        )
        for p in participants
    )
    StrategyAction.objects.bulk_create(
        StrategyAction(
            discussion=discussion, action=a.action.strip(), agency=a.agency, owner=a.owner.strip(), due_on=a.due_on
        )
        for a in actions
    )
    for invitation in invitations:
        invitation.discussion, invitation.attendance = discussion, attendance[invitation.pk]
    StrategyInvitation.objects.bulk_update(invitations, ["discussion", "attendance"])
    agencies = ", ".join(sorted({ParticipantAgency(p.agency_kind).label for p in participants}))
    invited = " ".join(f"{i.agency}: {i.get_attendance_display().lower()}." for i in invitations)
    event_record(
        child=referral.child,
        kind=EventKind.STRATEGY_DISCUSSION,
        occurred_on=held_on,
        subject=discussion,
        summary=f"Strategy discussion ({agencies}). Decision: {StrategyDecision(decision).label}."
        + (f" Invited agencies: {invited}" if invited else "")
        + (f" Went ahead without {', '.join(missing)}: {discussion.missing_agency_reason}" if missing else ""),
        actor=actor,
        now=now,
    )
    if discussion.starts_s47:
        enquiry = S47Enquiry.objects.create(
            referral=referral,
            strategy_discussion=discussion,
            started_on=held_on,
            joint_with_police=decision == StrategyDecision.S47_JOINT,
        )
        event_record(
            child=referral.child,
            kind=EventKind.S47_STARTED,
            occurred_on=held_on,
            subject=enquiry,
            summary="Section 47 enquiry started" + (" jointly with police." if enquiry.joint_with_police else "."),
            actor=actor,
            now=now,
        )
    meeting_access_give(
        actor=actor, child=referral.child, users=access_for, meeting=Meeting.STRATEGY_DISCUSSION, now=now
    )
    return discussion


@transaction.atomic
def strategy_action_done(*, actor: User, now: datetime, action: StrategyAction, done_on: date) -> StrategyAction:
    """Record that an action agreed at a strategy discussion was done."""
    action = locked(action)
    discussion = action.discussion
    referral = locked(discussion.referral)
    rules = Rules()
    check_role(rules, actor, "strategy_action_done")
    require_open_and_acted_on(rules, referral, "done_on")
    rules.check(action.done_on is None, "done_on", "This action has already been marked as done.")
    rules.not_in_future(done_on, "done_on", "The date the action was done", today_of(now))
    rules.not_before(done_on, discussion.held_on, "done_on", "The date the action was done", "the discussion")
    rules.raise_if_broken()
    action.done_on = done_on
    action.save(update_fields=["done_on"])
    event_record(
        child=referral.child,
        kind=EventKind.STRATEGY_ACTION_DONE,
        occurred_on=done_on,
        subject=action,
        summary=f"Strategy action done: {action.action}",
        actor=actor,
        now=now,
    )
    return action


@transaction.atomic
def s47_child_seen(*, actor: User, now: datetime, enquiry: S47Enquiry, seen_on: date, seen_alone: bool) -> S47Enquiry:
    enquiry = locked(enquiry)
    rules = Rules()
    check_role(rules, actor, "s47_child_seen")
    require_open_and_acted_on(rules, enquiry.referral, "seen_on")
    rules.check(
        not enquiry.outcome,
        "seen_on",
        "The enquiry's outcome is recorded: when the child was seen can no longer change.",
    )
    rules.not_in_future(seen_on, "seen_on", "The date the child was seen", today_of(now))
    rules.alive_on(seen_on, enquiry.referral.child, "seen_on", "The date the child was seen")
    rules.not_before(seen_on, enquiry.started_on, "seen_on", "The date the child was seen", "the enquiry's start")
    rules.raise_if_broken()
    enquiry.child_seen_on, enquiry.child_seen_alone = seen_on, seen_alone
    enquiry.save(update_fields=["child_seen_on", "child_seen_alone"])
    event_record(
        child=enquiry.referral.child,
        kind=EventKind.S47_CHILD_SEEN,
        occurred_on=seen_on,
        subject=enquiry,
        summary="Child seen" + (" alone." if seen_alone else ", not alone."),
        actor=actor,
        now=now,
    )
    return enquiry


@transaction.atomic
def s47_complete(*, actor: User, now: datetime, enquiry: S47Enquiry, outcome: str, completed_on: date) -> S47Enquiry:
    enquiry = locked(enquiry)
    rules = Rules()
    check_role(rules, actor, "s47_complete")
    rules.check(not enquiry.outcome, "outcome", "This enquiry's outcome has already been recorded.")
    rules.check(outcome in S47Outcome.values, "outcome", "Choose the outcome of the enquiry.")
    rules.check(
        enquiry.child_seen_on is not None or enquiry.referral.child.is_unborn,
        "outcome",
        "Record when the child was seen before recording the outcome of the enquiry.",
    )
    rules.not_in_future(completed_on, "completed_on", "The outcome date", today_of(now))
    rules.not_before(completed_on, enquiry.started_on, "completed_on", "The outcome date", "the enquiry's start")
    if enquiry.child_seen_on:
        rules.not_before(
            completed_on, enquiry.child_seen_on, "completed_on", "The outcome date", "the date the child was seen"
        )
    rules.raise_if_broken()
    enquiry.outcome, enquiry.completed_on = outcome, completed_on
    enquiry.save(update_fields=["outcome", "completed_on"])
    event_record(
        child=enquiry.referral.child,
        kind=EventKind.S47_COMPLETED,
        occurred_on=completed_on,
        subject=enquiry,
        summary=f"Enquiry outcome: {S47Outcome(outcome).label}.",
        actor=actor,
        now=now,
    )
    return enquiry


def _check_conference(
    rules: Rules,
    *,
    child: Person,
    held_on: date,
    chair: User,
    today: date,
    attendance: Sequence[Attendance],
    category: str,
    needs_category: bool,
    no_plan: bool,
) -> None:
    rules.not_in_future(held_on, "held_on", "The date of the conference", today)
    rules.alive_on(held_on, child, "held_on", "The date of the conference")
    _not_weekend(rules, held_on, "held_on")
    rules.check(
        chair.role == Role.CONFERENCE_CHAIR and chair.is_active,
        "chair",
        "The chair must be an independent conference chair.",
    )
    rules.check(any(a.attended for a in attendance), "attendance", "Record who attended the conference.")
    for i, a in enumerate(attendance):
        rules.check(
            a.agency_kind in ParticipantAgency.values and bool(a.name.strip()),
            f"attendance_{i}",
            "Give each invitee's name and agency.",
        )
    if needs_category:
        rules.check(category in CategoryOfAbuse.values, "category", "Choose the category of the plan.")
    if no_plan:
        rules.check(not category, "category", "A category goes only with a child protection plan.")


def _write_conference(
    *,
    actor: User,
    now: datetime,
    referral: Referral,
    kind: str,
    held_on: date,
    chair: User,
    family_attended: bool,
    child_views: str,
    decision: str,
    category: str,
    summary: str,
    attendance: Sequence[Attendance],
    s47: S47Enquiry | None = None,
    plan: CpPlan | None = None,
) -> Conference:
    conference = Conference.objects.create(
        referral=referral,
        kind=kind,
        s47=s47,
        plan=plan,
        held_on=held_on,
        chair=chair,
        family_attended=family_attended,
        child_views=child_views.strip(),
        decision=decision,
        category=category if decision in (ConferenceDecision.PLAN, ConferenceDecision.CONTINUE) else "",
        summary=summary.strip(),
    )
    ConferenceAttendance.objects.bulk_create(
        ConferenceAttendance(
            conference=conference,
            agency_kind=a.agency_kind,
            name=a.name.strip(),
            invited=a.invited,
            attended=a.attended,
            report_submitted=a.report_submitted,
        )
        for a in attendance
    )
    event_record(
        child=referral.child,
        kind=EventKind.CONFERENCE,
        occurred_on=held_on,
        subject=conference,
        summary=f"{conference.get_kind_display()} chaired by {chair.display_name}. "
        f"Decision: {ConferenceDecision(decision).label}.",
        actor=actor,
        now=now,
    )
    return conference


def _record_plan_decision(
    rules: Rules,
    *,
    actor: User,
    now: datetime,
    referral: Referral,
    kind: str,
    held_on: date,
    chair: User,
    family_attended: bool,
    child_views: str,
    decision: str,
    attendance: Sequence[Attendance],
    category: str,
    outline_plan: str,
    s47: S47Enquiry | None = None,
) -> Conference:
    """What an initial and a transfer-in conference share: the conference decides whether the child needs a plan, and
    a plan starts on the day. Adds its rules to the caller's and refuses them all together, or writes."""
    rules.check(
        decision in (ConferenceDecision.PLAN, ConferenceDecision.NO_PLAN),
        "decision",
        "Choose whether the child needs a child protection plan.",
    )
    _check_conference(
        rules,
        child=referral.child,
        held_on=held_on,
        chair=chair,
        today=today_of(now),
        attendance=attendance,
        category=category,
        needs_category=decision == ConferenceDecision.PLAN,
        no_plan=decision == ConferenceDecision.NO_PLAN,
    )
    plans = CpPlan.objects.filter(referral__child=referral.child)
    if decision == ConferenceDecision.PLAN:
        rules.check(
            not plans.filter(ended_on__isnull=True).exists(),
            "decision",
            "This child already has an open child protection plan.",
        )
        rules.check(
            not referral.cin_plans.filter(ended_on__isnull=True).exists(),
            "decision",
            "End the child in need plan first: it cannot run alongside a child protection plan.",
        )
        last_end = plans.aggregate(m=Max("ended_on"))["m"]
        if last_end:
            rules.check(
                held_on > last_end, "held_on", f"Plans cannot overlap: the last plan ended on {last_end:%-d %B %Y}."
            )
    rules.raise_if_broken()

    plan = None
    if decision == ConferenceDecision.PLAN:
        previous = plans.count()
        plan = CpPlan.objects.create(
            referral=referral,
            started_on=held_on,
            initial_category=category,
            latest_category=category,
            outline_plan=outline_plan.strip(),
        )
        event_record(
            child=referral.child,
            kind=EventKind.CP_PLAN_STARTED,
            occurred_on=held_on,
            subject=plan,
            summary=f"Child protection plan started: {CategoryOfAbuse(category).label}."
            + (f" This is plan number {previous + 1} for this child." if previous else ""),
            actor=actor,
            now=now,
        )
    return _write_conference(
        actor=actor,
        now=now,
        referral=referral,
        kind=kind,
        s47=s47,
        plan=plan,
        held_on=held_on,
        chair=chair,
        family_attended=family_attended,
        child_views=child_views,
        decision=decision,
        category=category,
        summary=outline_plan,
        attendance=attendance,
    )


@transaction.atomic
def initial_conference_record(
    *,
    actor: User,
    now: datetime,
    enquiry: S47Enquiry,
    held_on: date,
    chair: User,
    family_attended: bool,
    child_views: str,
    decision: str,
    attendance: Sequence[Attendance],
    category: str = "",
    outline_plan: str = "",
    access_for: Sequence[User] = (),
) -> Conference:
    """Record the initial conference. A decision for a plan starts the child protection plan on the same day."""
    enquiry = locked(enquiry)
    referral = locked(enquiry.referral)
    rules = Rules()
    check_role(rules, actor, "initial_conference_record")
    require_open_and_acted_on(rules, referral, "held_on")
    rules.check(
        enquiry.outcome == S47Outcome.CONFERENCE,
        "held_on",
        "An initial conference follows an enquiry whose outcome was to convene one.",
    )
    rules.check(
        not Conference.objects.filter(s47=enquiry).exists(),
        "held_on",
        "This enquiry already has an initial conference.",
    )
    rules.not_before(held_on, enquiry.started_on, "held_on", "The date of the conference", "the enquiry's start")
    conference = _record_plan_decision(
        rules,
        actor=actor,
        now=now,
        referral=referral,
        kind=ConferenceKind.INITIAL,
        s47=enquiry,
        held_on=held_on,
        chair=chair,
        family_attended=family_attended,
        child_views=child_views,
        decision=decision,
        attendance=attendance,
        category=category,
        outline_plan=outline_plan,
    )
    meeting_access_give(actor=actor, child=referral.child, users=access_for, meeting=Meeting.CONFERENCE, now=now)
    return conference


@transaction.atomic
def transfer_in_conference_record(
    *,
    actor: User,
    now: datetime,
    referral: Referral,
    held_on: date,
    chair: User,
    family_attended: bool,
    child_views: str,
    decision: str,
    attendance: Sequence[Attendance],
    category: str = "",
    outline_plan: str = "",
) -> Conference:
    """Record the transfer-in conference for a child on a plan in another local authority who now lives here
    (WT2023: held within 15 working days of that authority's notification, which is the referral). A decision for
    a plan starts the child protection plan here on the same day, without a section 47 enquiry in this authority."""
    referral = locked(referral)
    rules = Rules()
    check_role(rules, actor, "transfer_in_conference_record")
    require_open_and_acted_on(rules, referral, "held_on")
    rules.check(
        referral.source == ReferralSource.LA_EXTERNAL,
        "held_on",
        "A transfer-in conference follows a notification from another local authority: the referral's source is "
        f"'{ReferralSource.LA_EXTERNAL.label}'.",
    )
    rules.check(
        not referral.s47_enquiries.exists(),
        "held_on",
        "This case has a section 47 enquiry: its initial conference decides whether the child needs a plan.",
    )
    rules.check(not referral.conferences.exists(), "held_on", "This case already has a child protection conference.")
    rules.not_before(held_on, referral.received_on, "held_on", "The date of the conference", "the referral date")
    return _record_plan_decision(
        rules,
        actor=actor,
        now=now,
        referral=referral,
        kind=ConferenceKind.TRANSFER_IN,
        held_on=held_on,
        chair=chair,
        family_attended=family_attended,
        child_views=child_views,
        decision=decision,
        attendance=attendance,
        category=category,
        outline_plan=outline_plan,
    )


def _end_plan(*, actor: User, now: datetime, plan: CpPlan, ended_on: date, reason: str) -> None:
    plan.ended_on, plan.end_reason = ended_on, reason
    plan.save(update_fields=["ended_on", "end_reason"])
    event_record(
        child=plan.referral.child,
        kind=EventKind.CP_PLAN_ENDED,
        occurred_on=ended_on,
        subject=plan,
        summary=f"Child protection plan ended: {PlanEndReason(reason).label}.",
        actor=actor,
        now=now,
    )


@transaction.atomic
def review_conference_record(
    *,
    actor: User,
    now: datetime,
    plan: CpPlan,
    held_on: date,
    chair: User,
    family_attended: bool,
    child_views: str,
    decision: str,
    attendance: Sequence[Attendance],
    category: str = "",
    summary: str = "",
    access_for: Sequence[User] = (),
) -> Conference:
    """Record a review conference: continue the plan (its category may change) or end it on the day."""
    plan = locked(plan)
    rules = Rules()
    check_role(rules, actor, "review_conference_record")
    rules.check(plan.ended_on is None, "held_on", "This plan has ended.")
    rules.check(
        held_on > plan.started_on, "held_on", f"A review comes after the plan started ({plan.started_on:%-d %B %Y})."
    )
    last_review = plan.conferences.filter(kind=ConferenceKind.REVIEW).order_by("-held_on").first()
    if last_review:
        rules.check(
            held_on > last_review.held_on,
            "held_on",
            f"A review comes after the last review ({last_review.held_on:%-d %B %Y}).",
        )
    rules.check(
        decision in (ConferenceDecision.CONTINUE, ConferenceDecision.END),
        "decision",
        "Choose whether the plan continues or ends.",
    )
    _check_conference(
        rules,
        child=plan.referral.child,
        held_on=held_on,
        chair=chair,
        today=today_of(now),
        attendance=attendance,
        category=category,
        needs_category=decision == ConferenceDecision.CONTINUE,
        no_plan=decision == ConferenceDecision.END,
    )
    rules.raise_if_broken()

    conference = _write_conference(
        actor=actor,
        now=now,
        referral=plan.referral,
        kind=ConferenceKind.REVIEW,
        plan=plan,
        held_on=held_on,
        chair=chair,
        family_attended=family_attended,
        child_views=child_views,
        decision=decision,
        category=category,
        summary=summary,
        attendance=attendance,
    )
    if decision == ConferenceDecision.CONTINUE and category != plan.latest_category:
        plan.latest_category = category
        plan.save(update_fields=["latest_category"])
    if decision == ConferenceDecision.END:
        _end_plan(actor=actor, now=now, plan=plan, ended_on=held_on, reason=PlanEndReason.NO_LONGER_AT_RISK)
    meeting_access_give(actor=actor, child=plan.referral.child, users=access_for, meeting=Meeting.CONFERENCE, now=now)
    return conference


@transaction.atomic
def cp_plan_end(*, actor: User, now: datetime, plan: CpPlan, ended_on: date, reason: str) -> CpPlan:
    """End a plan outside a review: transfer to another authority, turning 18, death, leaving the UK."""
    plan = locked(plan)
    rules = Rules()
    check_role(rules, actor, "cp_plan_end")
    rules.check(plan.ended_on is None, "ended_on", "This plan has already ended.")
    rules.check(
        reason in PlanEndReason.values and reason != PlanEndReason.NO_LONGER_AT_RISK,
        "reason",
        "Choose why the plan is ending. A plan ends because the child is no longer at risk only at a "
        "review conference.",
    )
    rules.not_in_future(ended_on, "ended_on", "The end date", today_of(now))
    rules.alive_on(ended_on, plan.referral.child, "ended_on", "The end date")
    rules.not_before(ended_on, plan.started_on, "ended_on", "The end date", "the plan's start")
    rules.raise_if_broken()
    _end_plan(actor=actor, now=now, plan=plan, ended_on=ended_on, reason=reason)
    return plan


def _check_plan_meeting(rules: Rules, plan: CpPlan, on: date, today: date, field: str, label: str) -> None:
    rules.check(plan.ended_on is None, field, "This plan has ended.")
    rules.not_in_future(on, field, label, today)
    rules.alive_on(on, plan.referral.child, field, label)
    rules.not_before(on, plan.started_on, field, label, "the plan's start")


@transaction.atomic
def core_group_record(
    *, actor: User, now: datetime, plan: CpPlan, held_on: date, notes: str = "", access_for: Sequence[User] = ()
) -> CoreGroupMeeting:
    plan = locked(plan)
    rules = Rules()
    check_role(rules, actor, "core_group_record")
    _check_plan_meeting(rules, plan, held_on, today_of(now), "held_on", "The date of the meeting")
    rules.raise_if_broken()
    meeting = CoreGroupMeeting.objects.create(plan=plan, held_on=held_on, notes=notes.strip())
    event_record(
        child=plan.referral.child,
        kind=EventKind.CORE_GROUP,
        occurred_on=held_on,
        subject=meeting,
        summary="Core group meeting.",
        actor=actor,
        now=now,
    )
    meeting_access_give(actor=actor, child=plan.referral.child, users=access_for, meeting=Meeting.CORE_GROUP, now=now)
    return meeting


@transaction.atomic
def visit_record(
    *,
    actor: User,
    now: datetime,
    plan: CpPlan,
    visited_on: date,
    child_seen: bool,
    child_seen_alone: bool,
    notes: str = "",
) -> StatutoryVisit:
    plan = locked(plan)
    rules = Rules()
    check_role(rules, actor, "visit_record")
    _check_plan_meeting(rules, plan, visited_on, today_of(now), "visited_on", "The date of the visit")
    rules.check(child_seen or not child_seen_alone, "child_seen_alone", "A child seen alone must have been seen.")
    rules.raise_if_broken()
    visit = StatutoryVisit.objects.create(
        plan=plan, visited_on=visited_on, child_seen=child_seen, child_seen_alone=child_seen_alone, notes=notes.strip()
    )
    seen = "child seen alone" if child_seen_alone else ("child seen" if child_seen else "child not seen")
    event_record(
        child=plan.referral.child,
        kind=EventKind.VISIT,
        occurred_on=visited_on,
        subject=visit,
        summary=f"Statutory visit: {seen}.",
        actor=actor,
        now=now,
    )
    return visit
