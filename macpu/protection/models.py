"""Strategy discussions, section 47 enquiries, conferences, child protection plans, core groups and visits."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from macpu.agencies.models import Agency
from macpu.core.codes import CategoryOfAbuse
from macpu.intake.models import Referral
from macpu.mash.models import InformationRequest


class ParticipantAgency(models.TextChoices):
    SOCIAL_CARE = "social_care", "Children's social care"
    POLICE = "police", "Police"
    HEALTH = "health", "Health"
    EDUCATION = "education", "Education"
    REFERRER = "referrer", "The referrer"
    OTHER = "other", "Other agency"


class StrategyDecision(models.TextChoices):
    S47_SINGLE = "s47_single", "Section 47 enquiry by children's social care"
    S47_JOINT = "s47_joint", "Section 47 enquiry jointly with police"
    NO_S47 = "no_s47", "No section 47 enquiry"


class ImmediateProtection(models.TextChoices):
    NONE = "none", "None"
    POLICE_PROTECTION = "police_protection", "Police protection (section 46)"
    EMERGENCY_PROTECTION_ORDER = "epo", "Emergency protection order (section 44)"


class StrategyDiscussion(models.Model):
    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="strategy_discussions")
    held_on = models.DateField()
    decision = models.CharField(max_length=12, choices=StrategyDecision.choices)
    immediate_protection = models.CharField(
        max_length=20, choices=ImmediateProtection.choices, default=ImmediateProtection.NONE
    )
    reasons = models.TextField(blank=True)
    missing_agency_reason = models.TextField(
        "Why it went ahead without children's social care, the police or health", blank=True
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"Strategy discussion on {self.held_on:%-d %B %Y}"

    @property
    def starts_s47(self) -> bool:
        return self.decision in (StrategyDecision.S47_SINGLE, StrategyDecision.S47_JOINT)


class StrategyParticipant(models.Model):
    discussion = models.ForeignKey(StrategyDiscussion, on_delete=models.CASCADE, related_name="participants")
    name = models.CharField(max_length=200)
    role = models.CharField(max_length=200, blank=True)
    agency_kind = models.CharField(max_length=20, choices=ParticipantAgency.choices)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    view = models.TextField("Their agency's view, in their words", blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.get_agency_kind_display()})"


class StrategyAttendance(models.TextChoices):
    ATTENDED = "attended", "Took part"
    INFORMATION_ONLY = "information_only", "Sent information but did not take part"
    ABSENT = "absent", "Did not take part"


class StrategyInvitation(models.Model):
    """A named agency invited to a strategy discussion that is still to be held; when the discussion is recorded,
    whether it took part. Its information comes through the contact's information request to that agency."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="strategy_invitations")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="strategy_invitations")
    meeting_at = models.DateTimeField("When the discussion will be held")
    request = models.ForeignKey(
        InformationRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="strategy_invitations"
    )
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    invited_at = models.DateTimeField()
    discussion = models.ForeignKey(
        StrategyDiscussion, on_delete=models.PROTECT, null=True, blank=True, related_name="invitations"
    )
    attendance = models.CharField(max_length=16, choices=StrategyAttendance.choices, blank=True)

    class Meta:
        ordering = ["meeting_at", "agency__name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["referral", "agency"],
                condition=Q(discussion__isnull=True),
                name="one_open_strategy_invitation_per_agency",
            ),
            models.CheckConstraint(
                condition=Q(discussion__isnull=True, attendance="") | Q(discussion__isnull=False) & ~Q(attendance=""),
                name="strategy_attendance_once_held",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency} invited to a strategy discussion"

    @property
    def held(self) -> bool:
        return self.discussion_id is not None


class StrategyAction(models.Model):
    discussion = models.ForeignKey(StrategyDiscussion, on_delete=models.CASCADE, related_name="actions")
    action = models.TextField()
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    owner = models.CharField(max_length=200)
    due_on = models.DateField()
    done_on = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return self.action


class S47Outcome(models.TextChoices):
    NOT_SUBSTANTIATED = "not_substantiated", "Concerns not substantiated"
    SUBSTANTIATED_NO_CONFERENCE = "no_conference", "Concerns substantiated, but no conference needed"
    CONFERENCE = "conference", "Child likely to suffer significant harm: convene a conference"


class S47Enquiry(models.Model):
    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="s47_enquiries")
    strategy_discussion = models.OneToOneField(StrategyDiscussion, on_delete=models.PROTECT, related_name="s47")
    started_on = models.DateField()
    joint_with_police = models.BooleanField(default=False)
    child_seen_on = models.DateField(null=True, blank=True)
    child_seen_alone = models.BooleanField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=S47Outcome.choices, blank=True)
    completed_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "section 47 enquiry"
        verbose_name_plural = "section 47 enquiries"
        ordering = ["-started_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(outcome="") & Q(completed_on__isnull=True))
                | (~Q(outcome="") & Q(completed_on__gte=F("started_on"))),
                name="s47_outcome_with_date",
                violation_error_message="An enquiry's outcome and its date go together, on or after its start.",
            ),
        ]

    def __str__(self) -> str:
        return f"Section 47 enquiry started {self.started_on:%-d %B %Y}"

    @property
    def conference_not_required(self) -> bool:
        return self.outcome in (S47Outcome.NOT_SUBSTANTIATED, S47Outcome.SUBSTANTIATED_NO_CONFERENCE)


class PlanEndReason(models.TextChoices):
    NO_LONGER_AT_RISK = "no_longer_at_risk", "No longer at risk of significant harm"
    TRANSFERRED = "transferred", "Transferred to another local authority"
    TURNED_18 = "turned_18", "Turned 18"
    DIED = "died", "Died"
    LEFT_UK = "left_uk", "Left the UK"
    OTHER = "other", "Other"


class CpPlan(models.Model):
    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="cp_plans")
    started_on = models.DateField()
    initial_category = models.CharField(max_length=3, choices=CategoryOfAbuse.choices)
    latest_category = models.CharField(max_length=3, choices=CategoryOfAbuse.choices)
    outline_plan = models.TextField(blank=True)
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=20, choices=PlanEndReason.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "child protection plan"
        ordering = ["-started_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["referral"],
                condition=Q(ended_on__isnull=True),
                name="one_open_cp_plan_per_episode",
                violation_error_message="This child already has an open child protection plan.",
            ),
            models.CheckConstraint(
                condition=(Q(ended_on__isnull=True) & Q(end_reason=""))
                | (Q(ended_on__gte=F("started_on")) & ~Q(end_reason="")),
                name="cp_plan_end_date_and_reason",
                violation_error_message="A plan's end date and reason go together, on or after its start.",
            ),
        ]

    def __str__(self) -> str:
        return f"Child protection plan from {self.started_on:%-d %B %Y}"


class ConferenceKind(models.TextChoices):
    INITIAL = "initial", "Initial child protection conference"
    REVIEW = "review", "Review child protection conference"
    # A child on a plan in another local authority moves here: WT2023, held within 15 working days of the
    # notification. It can start a plan here without a section 47 enquiry in this authority.
    TRANSFER_IN = "transfer_in", "Transfer-in child protection conference"


class ConferenceDecision(models.TextChoices):
    PLAN = "plan", "Child protection plan needed"
    NO_PLAN = "no_plan", "No child protection plan"
    CONTINUE = "continue", "Continue the plan"
    END = "end", "End the plan"


class Conference(models.Model):
    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="conferences")
    kind = models.CharField(max_length=12, choices=ConferenceKind.choices)
    s47 = models.OneToOneField(
        S47Enquiry, on_delete=models.PROTECT, null=True, blank=True, related_name="initial_conference"
    )
    plan = models.ForeignKey(CpPlan, on_delete=models.PROTECT, null=True, blank=True, related_name="conferences")
    held_on = models.DateField()
    chair = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="chaired_conferences")
    family_attended = models.BooleanField()
    child_views = models.TextField("The child's views", blank=True)
    decision = models.CharField(max_length=10, choices=ConferenceDecision.choices)
    category = models.CharField(max_length=3, choices=CategoryOfAbuse.choices, blank=True)
    summary = models.TextField("Outline plan or summary", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["referral"],
                condition=Q(kind="transfer_in"),
                name="one_transfer_in_conference_per_episode",
                violation_error_message="An episode has one transfer-in conference.",
            ),
            models.CheckConstraint(
                condition=Q(held_on__iso_week_day__lte=5),
                name="conference_not_at_weekend",
                violation_error_message="A conference cannot be held at a weekend.",
            ),
            models.CheckConstraint(
                condition=(Q(kind="initial") & Q(s47__isnull=False) & Q(decision__in=["plan", "no_plan"]))
                | (Q(kind="transfer_in") & Q(s47__isnull=True) & Q(decision__in=["plan", "no_plan"]))
                | (Q(kind="review") & Q(plan__isnull=False) & Q(decision__in=["continue", "end"])),
                name="conference_kind_fits",
                violation_error_message="An initial conference follows an enquiry; a transfer-in conference follows "
                "another authority's notification, without an enquiry here; a review conference reviews a plan.",
            ),
            models.CheckConstraint(
                condition=Q(decision__in=["no_plan", "end"]) | ~Q(category=""),
                name="conference_plan_has_category",
                violation_error_message="A conference that sets or continues a plan gives its category.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.held_on:%-d %B %Y}"


class ConferenceAttendance(models.Model):
    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="attendance")
    agency_kind = models.CharField(max_length=20, choices=ParticipantAgency.choices)
    name = models.CharField(max_length=200)
    invited = models.BooleanField(default=True)
    attended = models.BooleanField()
    report_submitted = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.name} ({self.get_agency_kind_display()})"


class CoreGroupMeeting(models.Model):
    plan = models.ForeignKey(CpPlan, on_delete=models.PROTECT, related_name="core_groups")
    held_on = models.DateField()
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"Core group meeting on {self.held_on:%-d %B %Y}"


class StatutoryVisit(models.Model):
    plan = models.ForeignKey(CpPlan, on_delete=models.PROTECT, related_name="visits")
    visited_on = models.DateField()
    child_seen = models.BooleanField()
    child_seen_alone = models.BooleanField()
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-visited_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(child_seen=True) | Q(child_seen_alone=False),
                name="visit_seen_alone_needs_seen",
                violation_error_message="A child seen alone must have been seen.",
            ),
        ]

    def __str__(self) -> str:
        return f"Visit on {self.visited_on:%-d %B %Y}"
