"""Contacts, referrals and front-door decisions.

A referral opens a children in need episode for one child (the census CINdetails): it carries the episode's
source, primary need, the front-door decision, and its closure. Siblings referred together each get their own.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from macpu.agencies.models import Agency, Team
from macpu.core.codes import PrimaryNeed, ReasonForClosure, ReferralSource
from macpu.people.models import Household, Person


class Urgency(models.TextChoices):
    IMMEDIATE = "immediate", "Immediate: a child may be at risk of significant harm now"
    SAME_DAY = "same_day", "Same day"
    ROUTINE = "routine", "Routine"


class ContactOutcome(models.TextChoices):
    NO_FURTHER_ACTION = "nfa", "No further action"
    ADVICE = "advice", "Advice or signposting"
    EARLY_HELP = "early_help", "Early help"
    REFERRAL = "referral", "Referral to children's social care"


class Contact(models.Model):
    received_on = models.DateField()
    children = models.ManyToManyField(Person, related_name="contacts")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, null=True, blank=True, related_name="contacts")
    referrer_name = models.CharField(max_length=200)
    referrer_role = models.CharField("Referrer's role or relationship to the child", max_length=200, blank=True)
    referrer_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    referral_source = models.CharField(max_length=2, choices=ReferralSource.choices)
    concern = models.TextField("The concern, in the referrer's words")
    urgency = models.CharField(max_length=10, choices=Urgency.choices)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="contacts")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=12, choices=ContactOutcome.choices, blank=True)
    outcome_reasons = models.TextField(blank=True)
    decided_on = models.DateField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The closed loop: the referrer told the outcome, in the words of intake.services.referrer_message.
    referrer_told_at = models.DateTimeField(null=True, blank=True)
    referrer_told_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    referrer_message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(outcome="") & Q(decided_on__isnull=True))
                | (~Q(outcome="") & Q(decided_on__gte=F("received_on"))),
                name="contact_outcome_with_date",
                violation_error_message="A contact's outcome and decision date go together, on or after receipt.",
            ),
        ]

    def __str__(self) -> str:
        return f"Contact received {self.received_on:%-d %B %Y}"


class ReferralDecision(models.TextChoices):
    NO_FURTHER_ACTION = "nfa", "No further action"
    ASSESSMENT = "assessment", "Child and family assessment"
    STRATEGY_DISCUSSION = "strategy", "Strategy discussion"


class Referral(models.Model):
    child = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="referrals")
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, null=True, blank=True, related_name="referrals")
    received_on = models.DateField()
    source = models.CharField(max_length=2, choices=ReferralSource.choices)
    primary_need = models.CharField(max_length=2, choices=PrimaryNeed.choices, default=PrimaryNeed.NOT_STATED)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="referrals")
    allocated_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="caseload"
    )
    decision = models.CharField(max_length=12, choices=ReferralDecision.choices, blank=True)
    decision_reasons = models.TextField(blank=True)
    decided_on = models.DateField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_on = models.DateField(null=True, blank=True)
    closure_reason = models.CharField(max_length=3, choices=ReasonForClosure.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_on", "-id"]
        indexes = [models.Index(fields=["team", "closed_on"]), models.Index(fields=["allocated_worker", "closed_on"])]
        constraints = [
            models.UniqueConstraint(
                fields=["child"],
                condition=Q(closed_on__isnull=True),
                name="one_open_episode_per_child",
                violation_error_message="This child already has an open episode.",
            ),
            models.CheckConstraint(
                condition=(Q(closed_on__isnull=True) & Q(closure_reason=""))
                | (Q(closed_on__isnull=False) & ~Q(closure_reason="")),
                name="closure_date_and_reason_together",
                violation_error_message="A closure date and a closure reason go together.",
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("received_on")),
                name="closure_after_referral",
                violation_error_message="An episode closes on or after its referral date.",
            ),
            models.CheckConstraint(
                condition=(Q(decision="") & Q(decided_on__isnull=True))
                | (~Q(decision="") & Q(decided_on__gte=F("received_on"))),
                name="referral_decision_with_date",
                violation_error_message="A referral decision and its date go together, on or after receipt.",
            ),
        ]

    def __str__(self) -> str:
        return f"Referral received {self.received_on:%-d %B %Y}"

    @property
    def is_open(self) -> bool:
        return self.closed_on is None

    @property
    def is_nfa(self) -> bool:
        return self.decision == ReferralDecision.NO_FURTHER_ACTION
