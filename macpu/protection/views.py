"""The child's pages and work lists, and the child protection steps: strategy discussions, section 47 enquiries,
conferences, core groups, visits and ending a plan.

The child pages live here rather than in people because they show the case (stage, clocks), which sits above
the person index. Reads go through the selectors, which take the user; form pages use `ChildFormView`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from macpu.agencies.models import User
from macpu.agencies.selectors import conference_chairs
from macpu.core.services import SOCIAL_CARE, may_record
from macpu.intake.forms import rows_rename
from macpu.intake.models import Referral
from macpu.intake.views import ChildFormView
from macpu.people.models import Person
from macpu.people.selectors import NotADate, SearchResults, merged_person_get, merges_into, person_search_results
from macpu.protection import forms as f
from macpu.protection import services
from macpu.protection.models import ConferenceKind, CpPlan, S47Enquiry, S47Outcome, StrategyAction, StrategyInvitation
from macpu.protection.selectors import ChildCase, child_case, pathway_stage, strategy_action_clocks, work_items
from macpu.timescales.clocks import Clock, ClockStatus

CONTACT_DECISION = "contact_decision"
SEARCH_LIMIT = 50  # children shown on one search page


# --- work lists -------------------------------------------------------------------------------------------------


def _work_page(request: HttpRequest, scope: str) -> HttpResponse:
    items = work_items(user=request.user, scope=scope, today=timezone.localdate())  # type: ignore[arg-type]
    rows = [
        {
            "item": item,
            "url": reverse("contact-detail", args=[item.clock.subject_id])
            if item.clock.key == CONTACT_DECISION
            else reverse("child-detail", args=[item.child.pk]),
        }
        for item in items
    ]
    return render(request, "work/work_list.html", {"rows": rows, "scope": scope})


def my_work(request: HttpRequest) -> HttpResponse:
    return _work_page(request, "mine")


def team_work(request: HttpRequest) -> HttpResponse:
    return _work_page(request, "team")


# --- finding a child ------------------------------------------------------------------------------------------


def child_search(request: HttpRequest) -> HttpResponse:
    """Find a child. The search is sent by POST, so names and dates of birth stay out of addresses, browser
    history and server logs; a GET shows the empty form."""
    query = request.POST.get("q", "").strip() if request.method == "POST" else ""
    not_a_date = ""
    try:
        found = person_search_results(user=request.user, query=query, limit=SEARCH_LIMIT)  # type: ignore[arg-type]
    except NotADate as error:
        found, not_a_date = SearchResults([]), error.text
    children = found.children
    open_referrals = {
        r.child_id: r
        for r in Referral.objects.filter(child__in=[c.pk for c in children], closed_on__isnull=True).prefetch_related(
            "cp_plans", "cin_plans", "assessments", "strategy_discussions__s47__initial_conference"
        )
    }
    results = [{"child": c, "stage": pathway_stage(open_referrals.get(c.pk))} for c in children]
    return render(
        request,
        "people/child_search.html",
        {
            "query": query,
            "results": results,
            "more": found.more,
            "limit": SEARCH_LIMIT,
            "not_a_date": not_a_date,
            "searched": bool(query),
        },
    )


# --- the child's page -----------------------------------------------------------------------------------------


def _enquiries(referral: Referral | None) -> list[S47Enquiry]:
    if referral is None:
        return []
    discussions = referral.strategy_discussions.all()
    return [e for e in (getattr(d, "s47", None) for d in discussions) if e is not None]


def next_steps(case: ChildCase, user: User) -> list[tuple[str, str]]:
    """The actions the page offers, as (label, url): only the steps the case's current state allows and the
    user's role may record (a police officer sees the child's page but no recording buttons)."""
    referral = case.current
    if referral is None or not referral.is_open:
        return []
    steps: list[tuple[str, str]] = []

    def add(label: str, name: str, pk: int, step: str) -> None:
        if may_record(user, step):
            steps.append((label, reverse(name, args=[pk])))

    if not referral.decision:
        add("Decide referral", "referral-decide", referral.pk, "referral_decide")
    add("Allocate", "referral-allocate", referral.pk, "referral_allocate")
    if not referral.decision:
        return steps

    assessments = list(referral.assessments.all())
    assessing = next((a for a in assessments if a.authorised_on is None), None)
    if assessing:
        add("Complete assessment", "assessment-complete", assessing.pk, "assessment_complete")
    elif not assessments:
        add("Start assessment", "assessment-start", referral.pk, "assessment_start")

    cin_plan = next((p for p in referral.cin_plans.all() if p.ended_on is None), None)
    cp_plan = case.open_plan
    if cin_plan:
        add("End child in need plan", "cin-plan-end", cin_plan.pk, "cin_plan_end")
    elif cp_plan is None:
        add("Start child in need plan", "cin-plan-start", referral.pk, "cin_plan_start")

    enquiries = _enquiries(referral)
    open_enquiry = next((e for e in enquiries if not e.outcome), None)
    awaiting_icpc = next(
        (e for e in enquiries if e.outcome == S47Outcome.CONFERENCE and getattr(e, "initial_conference", None) is None),
        None,
    )
    if open_enquiry:
        add("Record child seen", "s47-seen", open_enquiry.pk, "s47_child_seen")
        add("Record enquiry outcome", "s47-outcome", open_enquiry.pk, "s47_complete")
    else:
        add("Invite agencies to a strategy discussion", "strategy-invite", referral.pk, "strategy_invite")
        add("Record strategy discussion", "strategy-create", referral.pk, "strategy_discussion_record")
    if awaiting_icpc:
        add("Record initial conference", "conference-initial", awaiting_icpc.pk, "initial_conference_record")
    if cp_plan:
        add("Record core group", "core-group-create", cp_plan.pk, "core_group_record")
        add("Record visit", "visit-create", cp_plan.pk, "visit_record")
        add("Record review conference", "conference-review", cp_plan.pk, "review_conference_record")
        add("End plan", "plan-end", cp_plan.pk, "cp_plan_end")
    if not (assessing or cin_plan or cp_plan or open_enquiry or awaiting_icpc):
        add("Close case", "episode-close", referral.pk, "episode_close")
    return steps


def open_clocks_first(clocks: list[Clock]) -> list[Clock]:
    """The page's order: open clocks (overdue, due soon, due) soonest due first, then met ones in pathway order.

    Only the page sorts: the selector's pathway order is what the API gives.
    """
    rank = {status: i for i, status in enumerate((ClockStatus.OVERDUE, ClockStatus.DUE_SOON, ClockStatus.DUE))}
    return sorted(clocks, key=lambda c: (0, rank[c.status], c.due_on) if c.status in rank else (1, 0, date.min))


def _invitation_rows(invitations: list[StrategyInvitation], now: datetime) -> list[dict[str, Any]]:
    """Each invited agency with its information request, and whether that request is late (mash/status.html)."""
    return [
        {
            "invitation": i,
            "r": i.request,
            "late": i.request is not None and (i.request.answered_at or now) > i.request.due_at,
        }
        for i in invitations
    ]


def _discussion_rows(referral: Referral | None, user: User, today: date) -> list[dict[str, Any]]:
    """Each strategy discussion with the agencies invited to it and its actions: each action's status as a clock,
    and a link to mark it done when it is not yet done, the case is open and the user's role may record it."""
    if referral is None:
        return []
    clocks = strategy_action_clocks(referral, today=today)
    may_mark = referral.is_open and may_record(user, "strategy_action_done")
    invitations = referral.strategy_invitations.all()
    now = timezone.now()
    return [
        {
            "discussion": discussion,
            "invitations": _invitation_rows([i for i in invitations if i.discussion_id == discussion.pk], now),
            "actions": [
                {
                    "action": action,
                    "clock": clocks[action.pk],
                    "done_url": reverse("strategy-action-done", args=[action.pk])
                    if may_mark and action.done_on is None
                    else "",
                }
                for action in discussion.actions.all()
            ],
        }
        for discussion in sorted(referral.strategy_discussions.all(), key=lambda d: d.held_on)
    ]


def _record_links(child: Person, user: User) -> list[tuple[str, str]]:
    """Changes to the child's own record that the user's role may make: details, birth, death."""
    alive = not child.is_unborn and not child.date_of_death
    links = [
        ("Change the child's details", "child-details-change", "person_details_correct", True),
        ("Record the birth", "child-birth", "person_birth_record", child.is_unborn),
        ("Record the child's death", "child-death", "person_death_record", alive),
    ]
    found = [
        (label, reverse(name, args=[child.pk]))
        for label, name, step, offered in links
        if offered and may_record(user, step)
    ]
    if user.role in SOCIAL_CARE:
        found.append(("Who can see this record, and its access history", reverse("child-access", args=[child.pk])))
    return found


def child_detail(request: HttpRequest, pk: int) -> HttpResponse:
    today = timezone.localdate()
    case = child_case(user=request.user, child_id=pk, today=today)  # type: ignore[arg-type]
    if case is None:
        merged = merged_person_get(user=request.user, person_id=pk)  # type: ignore[arg-type]
        if merged is not None:  # a record merged into one the user may see says where it went
            return render(request, "people/merged.html", {"merged": merged})
        raise Http404("Page not found")
    referral = case.current
    plans = sorted(referral.cp_plans.all(), key=lambda p: p.started_on) if referral else []
    conferences = sorted(referral.conferences.all(), key=lambda c: c.held_on) if referral else []
    return render(
        request,
        "protection/child_detail.html",
        {
            "case": case,
            "child": case.child,
            "referral": referral,
            "clocks": open_clocks_first(case.clocks),
            "actions": next_steps(case, request.user),  # type: ignore[arg-type]
            "assessments": sorted(referral.assessments.all(), key=lambda a: a.started_on) if referral else [],
            "cin_plans": sorted(referral.cin_plans.all(), key=lambda p: p.started_on) if referral else [],
            "discussions": _discussion_rows(referral, request.user, today),  # type: ignore[arg-type]
            "arranged": _invitation_rows(
                [i for i in referral.strategy_invitations.all() if i.discussion_id is None] if referral else [],
                timezone.now(),
            ),
            "enquiries": _enquiries(referral),
            "conferences": conferences,
            "plans": [
                {
                    "plan": p,
                    "reviews": [c for c in conferences if c.plan_id == p.pk and c.kind == ConferenceKind.REVIEW],
                }
                for p in plans
            ],
            "previous": [r for r in case.referrals if r != referral],
            "households": case.households,
            "record_links": _record_links(case.child, request.user),  # type: ignore[arg-type]
            "merges": merges_into(user=request.user, person=case.child),  # type: ignore[arg-type]
        },
    )


# --- child protection steps -----------------------------------------------------------------------------------


class StrategyInviteView(ChildFormView):
    model = Referral
    child_path = "child"
    form_class = f.StrategyInviteForm
    service = staticmethod(services.strategy_invite)
    subject_arg = "referral"
    title = "Invite agencies to a strategy discussion"
    submit_text = "Send the invitations"
    success_message = "Agencies invited to the strategy discussion"

    def service_kwargs(self, form: f.StrategyInviteForm) -> dict[str, Any]:
        return form.service_kwargs()

    def rename_error(self, key: str) -> str:
        return "meeting_on" if key == "meeting_at" else key


class StrategyCreateView(ChildFormView):
    model = Referral
    child_path = "child"
    form_class = f.StrategyDiscussionForm
    service = staticmethod(services.strategy_discussion_record)
    subject_arg = "referral"
    title = "Record a strategy discussion"
    submit_text = "Save strategy discussion"
    success_message = "Strategy discussion recorded"
    template_name = "protection/strategy_form.html"

    rows: dict[str, list[int]]

    def get_form_kwargs(self) -> dict[str, Any]:
        invitations = self.subject.strategy_invitations.filter(discussion__isnull=True).select_related("agency")
        return {"actor": self.request.user, "invitations": invitations}

    def service_kwargs(self, form: f.StrategyDiscussionForm) -> dict[str, Any]:
        self.rows = form.rows()
        return form.service_kwargs()

    def rename_error(self, key: str) -> str:
        """A missing agency is shown beside the first of the social care, police and health rows left empty."""
        if key == "participants":
            empty = [i for i in range(len(f.PRE_LABELLED)) if i not in self.rows["participant"]]
            return f"participant_{empty[0] if empty else 0}_name"
        return rows_rename(self.rows)(key)


class StrategyActionDoneView(ChildFormView):
    model = StrategyAction
    child_path = "discussion__referral__child"
    form_class = f.StrategyActionDoneForm
    service = staticmethod(services.strategy_action_done)
    subject_arg = "action"
    title = "Mark an action as done"
    submit_text = "Mark as done"
    success_message = "Action marked as done"

    def get_context(self) -> dict[str, Any]:
        action = self.subject
        return {"intro": f"{action.action} ({action.owner}), due by {action.due_on:%-d %B %Y}."}


class S47SeenView(ChildFormView):
    model = S47Enquiry
    form_class = f.S47SeenForm
    service = staticmethod(services.s47_child_seen)
    subject_arg = "enquiry"
    title = "Record when the child was seen"
    success_message = "Child seen recorded"


class S47OutcomeView(ChildFormView):
    model = S47Enquiry
    form_class = f.S47OutcomeForm
    service = staticmethod(services.s47_complete)
    subject_arg = "enquiry"
    title = "Record the outcome of the section 47 enquiry"
    submit_text = "Save outcome"
    success_message = "Enquiry outcome recorded"


class ConferenceView(ChildFormView):
    template_name = "protection/conference_form.html"
    submit_text = "Save conference"

    def get_form_kwargs(self) -> dict[str, Any]:
        return {"chairs": conference_chairs(), "actor": self.request.user}

    kinds: list[str]

    def service_kwargs(self, form: f.ConferenceForm) -> dict[str, Any]:
        self.kinds = form.attending_kinds()
        return form.service_kwargs()

    def rename_error(self, key: str) -> str:
        """The service's `attendance_2` is the third agency row filled in."""
        index = key.removeprefix("attendance_")
        if index.isdigit() and int(index) < len(self.kinds):
            return f"attendance_{self.kinds[int(index)]}_name"
        return key


class InitialConferenceView(ConferenceView):
    model = S47Enquiry
    form_class = f.InitialConferenceForm
    service = staticmethod(services.initial_conference_record)
    subject_arg = "enquiry"
    title = "Record the initial child protection conference"
    success_message = "Initial conference recorded"


class ReviewConferenceView(ConferenceView):
    model = CpPlan
    form_class = f.ReviewConferenceForm
    service = staticmethod(services.review_conference_record)
    subject_arg = "plan"
    title = "Record a review conference"
    success_message = "Review conference recorded"


class CoreGroupCreateView(ChildFormView):
    model = CpPlan
    form_class = f.CoreGroupForm
    service = staticmethod(services.core_group_record)
    subject_arg = "plan"
    title = "Record a core group meeting"
    success_message = "Core group meeting recorded"

    def get_form_kwargs(self) -> dict[str, Any]:
        return {"actor": self.request.user}


class VisitCreateView(ChildFormView):
    model = CpPlan
    form_class = f.VisitForm
    service = staticmethod(services.visit_record)
    subject_arg = "plan"
    title = "Record a statutory visit"
    success_message = "Visit recorded"


class PlanEndView(ChildFormView):
    model = CpPlan
    form_class = f.PlanEndForm
    service = staticmethod(services.cp_plan_end)
    subject_arg = "plan"
    title = "End the child protection plan"
    submit_text = "End plan"
    success_message = "Child protection plan ended"
