"""Child and family assessments and child in need plans. Episode closure lives on the referral (intake)."""

from django.db import models
from django.db.models import F, Q

from macpu.core.codes import AssessmentFactor
from macpu.intake.models import Referral


class AssessmentOutcome(models.TextChoices):
    NO_FURTHER_ACTION = "nfa", "No further action"
    EARLY_HELP = "early_help", "Early help"
    CHILD_IN_NEED_PLAN = "cin_plan", "Child in need plan"
    STRATEGY_DISCUSSION = "strategy", "Strategy discussion"
    CONTINUE_PROTECTION = "protection", "Continue under child protection"


class Assessment(models.Model):
    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="assessments")
    started_on = models.DateField()
    authorised_on = models.DateField("Authorised (completed) on", null=True, blank=True)
    outcome = models.CharField(max_length=12, choices=AssessmentOutcome.choices, blank=True)
    summary = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(authorised_on__isnull=True) | Q(authorised_on__gte=F("started_on")),
                name="assessment_authorised_after_start",
                violation_error_message="An assessment is authorised on or after the day it started.",
            ),
            models.CheckConstraint(
                condition=(Q(authorised_on__isnull=True) & Q(outcome=""))
                | (Q(authorised_on__isnull=False) & ~Q(outcome="")),
                name="assessment_outcome_with_authorisation",
                violation_error_message="An assessment's outcome and its authorisation date go together.",
            ),
        ]

    def __str__(self) -> str:
        return f"Assessment started {self.started_on:%-d %B %Y}"


class AssessmentFactorRecord(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="factors")
    code = models.CharField(max_length=3, choices=AssessmentFactor.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assessment", "code"], name="assessment_factor_once")]

    def __str__(self) -> str:
        return self.get_code_display()


class CinPlan(models.Model):
    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="cin_plans")
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="cin_plan_ends_after_start",
                violation_error_message="A child in need plan ends on or after the day it started.",
            ),
            models.UniqueConstraint(
                fields=["referral"],
                condition=Q(ended_on__isnull=True),
                name="one_open_cin_plan_per_episode",
                violation_error_message="This child already has an open child in need plan.",
            ),
        ]

    def __str__(self) -> str:
        return f"Child in need plan from {self.started_on:%-d %B %Y}"
