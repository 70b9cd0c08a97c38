"""Reads of a child's case: where they are on the pathway, every statutory clock, and work lists.

Clocks are computed on read from the records (macpu.timescales), never stored, so a change of local settings
or a corrected date is reflected everywhere at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from macpu.access import audit
from macpu.agencies.models import Role, User
from macpu.agencies.selectors import local_policy, working_day_calendar
from macpu.chronology.models import Event
from macpu.intake.models import Contact, Referral, ReferralDecision
from macpu.intake.selectors import visible_contacts
from macpu.people.models import Household, Person, Relationship
from macpu.people.selectors import visible_people
from macpu.protection.models import Conference, ConferenceKind, CpPlan, S47Enquiry, S47Outcome, StrategyInvitation
from macpu.timescales import clocks as c
from macpu.timescales.clocks import Clock, ClockStatus, LocalPolicy

OPEN_STATUSES = (ClockStatus.DUE, ClockStatus.DUE_SOON, ClockStatus.OVERDUE)
STRATEGY_ACTION = "strategy_action"


def _referrals() -> object:
    return Referral.objects.select_related("team", "allocated_worker", "decided_by").prefetch_related(
        "assessments__factors",
        "cin_plans",
        Prefetch("strategy_discussions__s47", queryset=S47Enquiry.objects.select_related("initial_conference")),
        "strategy_discussions__participants",
        "strategy_discussions__actions__agency",
        Prefetch("strategy_invitations", queryset=StrategyInvitation.objects.select_related("agency", "request")),
        Prefetch("cp_plans", queryset=CpPlan.objects.prefetch_related("core_groups", "visits", "conferences")),
        Prefetch("conferences", queryset=Conference.objects.select_related("chair").prefetch_related("attendance")),
    )


def plans_with_previous_plans(plans: QuerySet[CpPlan]) -> QuerySet[CpPlan]:
    """Each plan annotated with ``previous_plans``: the child's plans that started before it (census
    NumberOfPreviousCPP, Annex A list 7)."""
    earlier = (
        CpPlan.objects.filter(referral__child=OuterRef("referral__child"), started_on__lt=OuterRef("started_on"))
        .order_by()
        .values("referral__child")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return plans.annotate(previous_plans=Coalesce(Subquery(earlier, output_field=IntegerField()), 0))


def referral_clocks(referral: Referral, *, today: date, policy: LocalPolicy | None = None) -> list[Clock]:
    """Every statutory clock of one episode, in pathway order. Uses prefetched relations where present.
    Pass the local `policy` when computing many episodes' clocks, to read it once."""
    kw = {"calendar": working_day_calendar(), "policy": policy or local_policy(), "today": today}
    clocks = [c.referral_decision(referral.received_on, referral.decided_on, subject_id=referral.pk, **kw)]
    if referral.decision == ReferralDecision.NO_FURTHER_ACTION:
        return clocks
    if referral.decision:
        assessments = list(referral.assessments.all())
        authorised = [a.authorised_on for a in assessments if a.authorised_on]
        if referral.is_open or authorised:
            clocks.append(
                c.assessment(
                    referral.received_on, min(authorised) if authorised else None, subject_id=referral.pk, **kw
                )
            )
    discussions = sorted(referral.strategy_discussions.all(), key=lambda d: d.held_on)
    if referral.decision == ReferralDecision.STRATEGY_DISCUSSION and referral.decided_on:
        held_on = discussions[0].held_on if discussions else None
        if referral.is_open or held_on:
            clocks.append(c.strategy_discussion(referral.decided_on, held_on, subject_id=referral.pk, **kw))
    for discussion in discussions:
        enquiry = getattr(discussion, "s47", None)
        if enquiry is None:
            continue
        conference = getattr(enquiry, "initial_conference", None)
        if enquiry.conference_not_required:
            continue
        clocks.append(
            c.initial_conference(
                discussion.held_on, conference.held_on if conference else None, subject_id=enquiry.pk, **kw
            )
        )
    for plan in sorted(referral.cp_plans.all(), key=lambda p: p.started_on):
        core_groups = sorted(m.held_on for m in plan.core_groups.all())
        if plan.ended_on is None or core_groups:
            clocks.append(
                c.first_core_group(plan.started_on, core_groups[0] if core_groups else None, subject_id=plan.pk, **kw)
            )
        reviews = [conf.held_on for conf in plan.conferences.all() if conf.kind == ConferenceKind.REVIEW]
        clocks += c.review_conferences(plan.started_on, reviews, plan_ended_on=plan.ended_on, subject_id=plan.pk, **kw)
        if plan.ended_on is None:
            seen = [v.visited_on for v in plan.visits.all() if v.child_seen]
            clocks.append(c.statutory_visit(max(seen, default=plan.started_on), subject_id=plan.pk, **kw))
    return clocks


def strategy_action_clocks(referral: Referral, *, today: date, policy: LocalPolicy | None = None) -> dict[int, Clock]:
    """Each action agreed at the episode's strategy discussions as a clock, by the action's id: due by its due
    date, met on the day it was done, with the statutory clocks' statuses. Uses prefetched relations."""
    calendar, policy = working_day_calendar(), policy or local_policy()
    return {
        action.pk: Clock(
            key=STRATEGY_ACTION,
            label=f"Strategy action: {action.action} ({action.owner})",
            started_on=discussion.held_on,
            due_on=action.due_on,
            met_on=action.done_on,
            status=c.clock_status(action.due_on, action.done_on, today, calendar, policy),
            subject_id=action.pk,
        )
        for discussion in referral.strategy_discussions.all()
        for action in discussion.actions.all()
    }


def pathway_stage(referral: Referral | None) -> str:
    """Where the child is on the pathway, in plain English."""
    if referral is None:
        return "No open case"
    if not referral.is_open:
        return "Case closed"
    if not referral.decision:
        return "Referral awaiting decision"
    if any(p.ended_on is None for p in referral.cp_plans.all()):
        return "Child protection plan"
    enquiries = [getattr(d, "s47", None) for d in referral.strategy_discussions.all()]
    for enquiry in enquiries:
        if enquiry is not None and not enquiry.outcome:
            return "Section 47 enquiry"
        if (
            enquiry is not None
            and enquiry.outcome == S47Outcome.CONFERENCE
            and not hasattr(enquiry, "initial_conference")
        ):
            return "Awaiting initial child protection conference"
    if any(p.ended_on is None for p in referral.cin_plans.all()):
        return "Child in need plan"
    if any(a.authorised_on is None for a in referral.assessments.all()):
        return "Child and family assessment"
    if referral.decision == ReferralDecision.STRATEGY_DISCUSSION and not enquiries:
        return "Strategy discussion needed"
    return "Open case"


@dataclass
class ChildCase:
    child: Person
    households: list[Household]
    relationships: list[Relationship]
    referrals: list[Referral]
    contacts: list[Contact]
    current: Referral | None
    stage: str
    clocks: list[Clock]
    events: list[Event] = field(default_factory=list)

    @property
    def open_plan(self) -> CpPlan | None:
        if self.current is None:
            return None
        return next((p for p in self.current.cp_plans.all() if p.ended_on is None), None)


def child_case(*, user: User, child_id: int, today: date) -> ChildCase | None:
    """The child's whole case for someone allowed to see it; None if not (indistinguishable from absent)."""
    child = visible_people(user).filter(pk=child_id).prefetch_related("disabilities").first()
    if child is None:
        return None
    audit.seen([child])
    referrals = list(_referrals().filter(child=child).order_by("-received_on", "-id"))  # type: ignore[attr-defined]
    current = next((r for r in referrals if r.is_open), referrals[0] if referrals else None)
    return ChildCase(
        child=child,
        households=list(child.households.prefetch_related("members")),
        relationships=list(Relationship.objects.filter(person=child).select_related("relative")),
        referrals=referrals,
        contacts=list(Contact.objects.filter(children=child).select_related("team").order_by("-received_on")),
        current=current,
        stage=pathway_stage(current if current and current.is_open else None),
        clocks=referral_clocks(current, today=today) if current else [],
        events=list(Event.objects.filter(child=child).select_related("actor")),
    )


@dataclass(frozen=True)
class WorkItem:
    child: Person
    clock: Clock
    worker: User | None


def _work_referrals(user: User, scope: str) -> Q:
    if scope == "team":
        return Q(team=user.team) if user.team_id else Q(pk__in=[])
    mine = Q(allocated_worker=user)
    if user.role == Role.TEAM_MANAGER and user.team_id:
        mine |= Q(team=user.team, decision="")
    if user.role == Role.CONFERENCE_CHAIR:
        mine |= Q(s47_enquiries__outcome=S47Outcome.CONFERENCE) | Q(cp_plans__ended_on__isnull=True)
    return mine


def work_items(*, user: User, scope: str, today: date) -> list[WorkItem]:
    """Every clock due or overdue on the open cases in scope ('mine' or 'team'), soonest first, with the strategy
    discussions' actions not yet done (key "strategy_action", subject_id the action's id)."""
    people = visible_people(user)
    referrals = (
        _referrals()  # type: ignore[attr-defined]
        .filter(_work_referrals(user, scope), closed_on__isnull=True, child__in=people)
        .select_related("child")
        .distinct()
    )
    items = []
    policy = local_policy()
    for referral in referrals:
        actions = strategy_action_clocks(referral, today=today, policy=policy).values()
        for clock in [*referral_clocks(referral, today=today, policy=policy), *actions]:
            if clock.status in OPEN_STATUSES:
                if user.role == Role.CONFERENCE_CHAIR and scope == "mine" and "conference" not in clock.key:
                    continue
                items.append(WorkItem(child=referral.child, clock=clock, worker=referral.allocated_worker))
    if scope == "team" or user.role == Role.TEAM_MANAGER:
        kw = {"calendar": working_day_calendar(), "policy": policy, "today": today}
        contacts = visible_contacts(user).filter(team=user.team, outcome="")
        for contact in contacts.prefetch_related(Prefetch("children", queryset=people)):
            clock = c.contact_decision(contact.received_on, None, subject_id=contact.pk, **kw)
            for child in contact.children.all():
                items.append(WorkItem(child=child, clock=clock, worker=None))
    items.sort(key=lambda i: (i.clock.due_on, i.child.family_name, i.child.given_name))
    audit.seen([i.child for i in items], "list")
    return items
