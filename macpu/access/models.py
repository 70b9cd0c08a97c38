"""Who may see what, and the proof of every look.

The audit trail is append-only: each row's hash covers the previous row's hash and the row's own content, so an
edited, deleted or reordered row breaks the chain (`macpu audit-verify`). On PostgreSQL triggers refuse UPDATE,
DELETE and TRUNCATE on both tables.

Access that lasts for a while (an invitation, a restriction's named person, a break-glass) is timed in real time,
against the database's clock: it is a security control, not a date in the child's story.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from macpu.people.models import Person


class AuditAction(models.TextChoices):
    VIEW = "view", "Viewed the record"
    LIST = "list", "Saw it in a work list"
    SEARCH = "search", "Found it in a search"
    EXPORT = "export", "Exported it in a file"
    CHANGE = "change", "Changed the record"
    GRANT = "grant", "Gave access"
    REVOKE = "revoke", "Ended access"
    RESTRICT = "restrict", "Restricted the record, or asked or agreed to lift it"
    BREAK_GLASS = "break_glass", "Opened it with emergency access (break-glass)"
    REVIEW = "review", "Reviewed emergency access"
    AUDIT_VIEW = "audit_view", "Looked at its access history"


class AuditEvent(models.Model):
    """One look at, or change of, children's records: who, as what, did what, from where, when and why."""

    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField()
    user_id = models.BigIntegerField(null=True)  # not a foreign key: the row outlives changes to the account
    username = models.CharField(max_length=150)
    agency = models.CharField(max_length=200)
    role = models.CharField(max_length=30)
    action = models.CharField(max_length=20, choices=AuditAction.choices)
    what = models.CharField(max_length=100)
    record_type = models.CharField(max_length=40, blank=True)
    record_id = models.BigIntegerField(null=True)
    source = models.CharField(max_length=100)
    reason = models.TextField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["user_id", "at"]), models.Index(fields=["at"])]

    def __str__(self) -> str:
        return f"{self.seq}: {self.username} {self.action} {self.what}"


class AuditSubject(models.Model):
    """A child whose record the event showed or changed, and the user's basis for seeing it."""

    event = models.ForeignKey(AuditEvent, on_delete=models.PROTECT, related_name="subjects")
    person_id = models.BigIntegerField()
    basis = models.CharField(max_length=300)

    class Meta:
        ordering = ["event_id", "person_id"]
        indexes = [models.Index(fields=["person_id", "event"])]

    def __str__(self) -> str:
        return f"{self.event_id}: {self.person_id}"


class Meeting(models.TextChoices):
    STRATEGY_DISCUSSION = "strategy", "Strategy discussion"
    CONFERENCE = "conference", "Child protection conference"
    CORE_GROUP = "core_group", "Core group"


class Invitation(models.Model):
    """A member of staff invited to a meeting about a child (or to the core group of their plan): they see the
    child's record from `starts_at` until `ends_at`, or until the invitation is withdrawn."""

    child = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="invitations")
    meeting = models.CharField(max_length=12, choices=Meeting.choices)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["user", "child", "ends_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="invitation_ends_after_start")
        ]

    def __str__(self) -> str:
        return f"{self.user} invited to {self.get_meeting_display()}"


class RestrictionKind(models.TextChoices):
    ADOPTION = "adoption", "Adoption"
    WITNESS_PROTECTION = "witness", "Witness protection"
    STAFF = "staff", "A member of staff or a relative of staff"
    HIGH_PROFILE = "high_profile", "High profile"


class Restriction(models.Model):
    """A restricted record: hidden from search, lists and counts for everyone but its named people. Lifting it
    needs two people: one asks, a different one agrees."""

    child = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=RestrictionKind.choices)
    reason = models.TextField()
    imposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    imposed_at = models.DateTimeField()
    lift_asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lift_asked_at = models.DateTimeField(null=True, blank=True)
    lift_reason = models.TextField(blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-imposed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["child"],
                condition=Q(lifted_at__isnull=True),
                name="one_restriction_in_force_per_child",
                violation_error_message="This record is already restricted.",
            ),
            models.CheckConstraint(
                condition=Q(lifted_at__isnull=True)
                | (Q(lift_asked_by__isnull=False) & ~Q(lifted_by=F("lift_asked_by"))),
                name="restriction_lifted_by_two_people",
                violation_error_message="Lifting a restriction needs two people: one asks, another agrees.",
            ),
        ]

    def __str__(self) -> str:
        return f"Restricted: {self.get_kind_display()}"


class RestrictionGrant(models.Model):
    """A person named on a restricted record, until the grant is ended; reviewed at least every 90 days."""

    restriction = models.ForeignKey(Restriction, on_delete=models.PROTECT, related_name="grants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="restriction_grants")
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField()
    review_by = models.DateField()
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["review_by"]
        constraints = [
            models.UniqueConstraint(
                fields=["restriction", "user"],
                condition=Q(ended_at__isnull=True),
                name="one_grant_per_person_per_restriction",
                violation_error_message="This person is already named on the record.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} named until review on {self.review_by}"


class BreakGlassReason(models.TextChoices):
    IMMEDIATE_RISK = "immediate_risk", "A child may be at immediate risk of significant harm"
    OUT_OF_HOURS = "out_of_hours", "Out-of-hours emergency duty"
    COVER = "cover", "Covering for an absent colleague"
    AGENCY_REQUEST = "agency_request", "Urgent request from another agency"
    COURT = "court", "Court or legal deadline"


class BreakGlass(models.Model):
    """Emergency access to a record without a relationship: a reason, a second factor, a limited time, an alert
    to the privacy officer, who reviews it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="break_glass")
    child = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=20, choices=BreakGlassReason.choices)
    explanation = models.TextField()
    started_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["user", "child", "ends_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("started_at")), name="break_glass_ends_after_start"),
            models.CheckConstraint(
                condition=Q(reviewed_at__isnull=True) | ~Q(reviewed_by=F("user")),
                name="break_glass_reviewed_by_another",
                violation_error_message="Someone else reviews a break-glass use.",
            ),
        ]

    def __str__(self) -> str:
        return f"Break-glass by {self.user} ({self.get_reason_display()})"
