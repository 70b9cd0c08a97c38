"""Writes for assessments, child in need plans and closing an episode."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from django.db import transaction
from django.db.models import Max

from macpu.agencies.models import User
from macpu.casework.models import Assessment, AssessmentFactorRecord, AssessmentOutcome, CinPlan
from macpu.chronology.models import EventKind
from macpu.chronology.services import event_record
from macpu.core.codes import AssessmentFactor, PrimaryNeed, ReasonForClosure
from macpu.core.services import Rules, check_role, locked, today_of
from macpu.intake.models import Referral
from macpu.intake.services import require_open_and_acted_on

S47_CONFERENCE = "conference"  # protection.models.S47Outcome.CONFERENCE: casework sits below protection


@transaction.atomic
def assessment_start(*, actor: User, now: datetime, referral: Referral, started_on: date) -> Assessment:
    referral = locked(referral)
    rules = Rules()
    check_role(rules, actor, "assessment_start")
    require_open_and_acted_on(rules, referral, "started_on")
    rules.not_in_future(started_on, "started_on", "The start date", today_of(now))
    rules.alive_on(started_on, referral.child, "started_on", "The start date")
    rules.not_before(started_on, referral.received_on, "started_on", "The start date", "the referral date")
    rules.check(
        not referral.assessments.filter(authorised_on__isnull=True).exists(),
        "started_on",
        "An assessment is already in progress for this child.",
    )
    rules.raise_if_broken()
    assessment = Assessment.objects.create(referral=referral, started_on=started_on)
    event_record(
        child=referral.child,
        kind=EventKind.ASSESSMENT_STARTED,
        occurred_on=started_on,
        subject=assessment,
        summary="Child and family assessment started.",
        actor=actor,
        now=now,
    )
    return assessment


@transaction.atomic
def assessment_complete(
    *,
    actor: User,
    now: datetime,
    assessment: Assessment,
    authorised_on: date,
    factors: Sequence[str],
    outcome: str,
    primary_need: str,
    summary: str = "",
) -> Assessment:
    assessment = locked(assessment)
    rules = Rules()
    check_role(rules, actor, "assessment_complete")
    rules.check(assessment.authorised_on is None, "authorised_on", "This assessment has already been authorised.")
    rules.not_in_future(authorised_on, "authorised_on", "The authorisation date", today_of(now))
    rules.not_before(
        authorised_on, assessment.started_on, "authorised_on", "The authorisation date", "the assessment's start date"
    )
    rules.check(len(factors) > 0, "factors", "Choose the factors identified, or 'No factors identified'.")
    rules.check(all(f in AssessmentFactor.values for f in factors), "factors", "Choose factors from the list.")
    rules.check(
        AssessmentFactor.NO_FACTORS not in factors or len(factors) == 1,
        "factors",
        "'No factors identified' cannot be chosen with other factors.",
    )
    rules.check(outcome in AssessmentOutcome.values, "outcome", "Choose the outcome of the assessment.")
    rules.check(primary_need in PrimaryNeed.values, "primary_need", "Choose the child's primary need.")
    rules.raise_if_broken()

    assessment.authorised_on, assessment.outcome, assessment.summary = authorised_on, outcome, summary.strip()
    assessment.save(update_fields=["authorised_on", "outcome", "summary"])
    AssessmentFactorRecord.objects.bulk_create(AssessmentFactorRecord(assessment=assessment, code=f) for f in factors)
    referral = assessment.referral
    referral.primary_need = primary_need
    referral.save(update_fields=["primary_need"])
    event_record(
        child=referral.child,
        kind=EventKind.ASSESSMENT_COMPLETED,
        occurred_on=authorised_on,
        subject=assessment,
        summary=f"Assessment authorised. Outcome: {AssessmentOutcome(outcome).label}.",
        actor=actor,
        now=now,
    )
    return assessment


@transaction.atomic
def cin_plan_start(*, actor: User, now: datetime, referral: Referral, started_on: date) -> CinPlan:
    referral = locked(referral)
    rules = Rules()
    check_role(rules, actor, "cin_plan_start")
    require_open_and_acted_on(rules, referral, "started_on")
    rules.not_in_future(started_on, "started_on", "The start date", today_of(now))
    rules.alive_on(started_on, referral.child, "started_on", "The start date")
    rules.not_before(started_on, referral.received_on, "started_on", "The start date", "the referral date")
    rules.check(
        not referral.cp_plans.filter(ended_on__isnull=True).exists(),
        "started_on",
        "A child in need plan cannot start while the child has a child protection plan.",
    )
    rules.check(
        not referral.cin_plans.filter(ended_on__isnull=True).exists(),
        "started_on",
        "This child already has an open child in need plan.",
    )
    last_end = referral.cin_plans.aggregate(m=Max("ended_on"))["m"]
    if last_end:
        rules.not_before(started_on, last_end, "started_on", "The start date", "the end of the last plan")
    rules.raise_if_broken()
    plan = CinPlan.objects.create(referral=referral, started_on=started_on)
    event_record(
        child=referral.child,
        kind=EventKind.CIN_PLAN_STARTED,
        occurred_on=started_on,
        subject=plan,
        summary="Child in need plan started.",
        actor=actor,
        now=now,
    )
    return plan


@transaction.atomic
def cin_plan_end(*, actor: User, now: datetime, plan: CinPlan, ended_on: date) -> CinPlan:
    plan = locked(plan)
    rules = Rules()
    check_role(rules, actor, "cin_plan_end")
    rules.check(plan.ended_on is None, "ended_on", "This plan has already ended.")
    rules.not_in_future(ended_on, "ended_on", "The end date", today_of(now))
    rules.alive_on(ended_on, plan.referral.child, "ended_on", "The end date")
    rules.not_before(ended_on, plan.started_on, "ended_on", "The end date", "the plan's start")
    rules.raise_if_broken()
    plan.ended_on = ended_on
    plan.save(update_fields=["ended_on"])
    event_record(
        child=plan.referral.child,
        kind=EventKind.CIN_PLAN_ENDED,
        occurred_on=ended_on,
        subject=plan,
        summary="Child in need plan ended.",
        actor=actor,
        now=now,
    )
    return plan


@transaction.atomic
def episode_close(*, actor: User, now: datetime, referral: Referral, closed_on: date, reason: str) -> Referral:
    """Close the episode with its reason. Everything in it must be finished first."""
    referral = locked(referral)
    rules = Rules()
    check_role(rules, actor, "episode_close")
    rules.check(referral.is_open, "closed_on", "This case is already closed.")
    rules.check(reason in ReasonForClosure.values, "reason", "Choose the reason for closing the case.")
    rules.check(
        reason not in (ReasonForClosure.ASSESSMENT_NFA, ReasonForClosure.ASSESSMENT_EARLY_HELP)
        or not (referral.s47_enquiries.exists() or referral.cp_plans.exists()),
        "reason",
        "A case that had a section 47 enquiry cannot close as closed after assessment: choose another reason.",
    )
    rules.not_in_future(closed_on, "closed_on", "The closure date", today_of(now))
    rules.not_before(closed_on, referral.received_on, "closed_on", "The closure date", "the referral date")
    rules.check(
        not referral.assessments.filter(authorised_on__isnull=True).exists(),
        "closed_on",
        "Authorise the assessment in progress before closing the case.",
    )
    rules.check(
        not referral.cin_plans.filter(ended_on__isnull=True).exists(),
        "closed_on",
        "End the child in need plan before closing the case.",
    )
    rules.check(
        not referral.cp_plans.filter(ended_on__isnull=True).exists(),
        "closed_on",
        "End the child protection plan before closing the case.",
    )
    rules.check(
        not referral.s47_enquiries.filter(outcome="").exists(),
        "closed_on",
        "Record the outcome of the section 47 enquiry before closing the case.",
    )
    rules.check(
        not referral.s47_enquiries.filter(outcome=S47_CONFERENCE, initial_conference__isnull=True).exists(),
        "closed_on",
        "Record the initial conference the enquiry convened before closing the case.",
    )
    last_dates = [
        d
        for d in (
            referral.assessments.aggregate(m=Max("authorised_on"))["m"],
            referral.cin_plans.aggregate(m=Max("ended_on"))["m"],
            referral.cp_plans.aggregate(m=Max("ended_on"))["m"],
        )
        if d
    ]
    if last_dates:
        rules.not_before(closed_on, max(last_dates), "closed_on", "The closure date", "the last recorded work")
    if reason in (ReasonForClosure.ASSESSMENT_NFA, ReasonForClosure.ASSESSMENT_EARLY_HELP):
        rules.check(referral.assessments.exists(), "reason", "This reason needs an assessment on the case.")
    if reason == ReasonForClosure.DIED:
        rules.check(
            referral.child.date_of_death is not None,
            "reason",
            "Record the child's date of death before closing the case for this reason.",
        )
    rules.raise_if_broken()
    referral.closed_on, referral.closure_reason = closed_on, reason
    referral.save(update_fields=["closed_on", "closure_reason"])
    event_record(
        child=referral.child,
        kind=EventKind.EPISODE_CLOSED,
        occurred_on=closed_on,
        subject=referral,
        summary=f"Case closed: {ReasonForClosure(reason).label}.",
        actor=actor,
        now=now,
    )
    return referral
