"""Information requests to agencies ("checks") and what each agency answers, item by item.

Every item carries its lawful basis and a disclosure marker (domain.md, "Information sharing"); the selectors in
macpu.mash.selectors enforce the marker wherever an item is shown.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from macpu.agencies.models import Agency, Role
from macpu.intake.models import Contact
from macpu.people.models import Person


class Rag(models.TextChoices):
    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"


class ItemKind(models.TextChoices):
    DOMESTIC_ABUSE = "domestic_abuse", "Domestic abuse incident"
    CRIME = "crime", "Crime, arrest or charge"
    MISSING = "missing", "Missing episode"
    AE_ATTENDANCE = "ae_attendance", "A&E attendance"
    MISSED_APPOINTMENTS = "missed_appointments", "Missed health appointments"
    HEALTH = "health", "Health condition or treatment"
    MENTAL_HEALTH = "mental_health", "Mental health"
    SCHOOL_ATTENDANCE = "school_attendance", "School attendance"
    EXCLUSION = "exclusion", "School exclusion"
    PROBATION = "probation", "Known to probation"
    HOUSING = "housing", "Housing"
    OTHER = "other", "Other"


class LawfulBasis(models.TextChoices):
    PUBLIC_TASK = (
        "public_task",
        "Public task (UK GDPR 6(1)(e)), with safeguarding (9(2)(g), DPA 2018 Schedule 1 paragraph 18)",
    )
    LAW_ENFORCEMENT = "law_enforcement", "Law enforcement (DPA 2018 Part 3)"
    S47 = "s47", "Duty to help a section 47 enquiry (Children Act 1989 s47)"
    S11 = "s11", "Duty to safeguard children (Children Act 2004 s11)"


class Disclosure(models.TextChoices):
    FAMILY = "family", "May be shared with the family"
    NOT_FAMILY = "not_family", "Not to be shared with the family"
    RESTRICTED = "restricted", "Restricted to named roles"


class InformationRequest(models.Model):
    """The unit asks one agency what it knows about named people in a contact's household."""

    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="information_requests")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="information_requests")
    people = models.ManyToManyField(Person, related_name="+")
    question = models.TextField("What the unit needs to know")
    rag = models.CharField("Rating", max_length=5, choices=Rag.choices)
    rag_rationale = models.TextField("Why this rating")
    sent_at = models.DateTimeField()
    due_at = models.DateTimeField()
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    escalated_at = models.DateTimeField(null=True, blank=True)
    escalated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["due_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["contact", "agency"], name="one_request_per_agency_per_contact"),
            models.CheckConstraint(condition=Q(due_at__gt=models.F("sent_at")), name="request_due_after_sent"),
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True, answered_by__isnull=True)
                | Q(answered_at__isnull=False, answered_by__isnull=False),
                name="request_answered_at_and_by_together",
            ),
        ]

    def __str__(self) -> str:
        return f"Request to {self.agency}"


class RagChange(models.Model):
    """A rating changed after the request was sent: why, by whom, and what it did to the deadline."""

    request = models.ForeignKey(InformationRequest, on_delete=models.CASCADE, related_name="rag_changes")
    rag_before = models.CharField(max_length=5, choices=Rag.choices)
    rag_after = models.CharField(max_length=5, choices=Rag.choices)
    due_before = models.DateTimeField()
    due_after = models.DateTimeField()
    reason = models.TextField()
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["changed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_rag_before_display()} to {self.get_rag_after_display()}"


class InformationItem(models.Model):
    """One thing an agency holds about one person; or, with `nothing_known`, that it holds nothing."""

    request = models.ForeignKey(InformationRequest, on_delete=models.CASCADE, related_name="items")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    nothing_known = models.BooleanField(default=False)
    occurred_on = models.DateField(null=True, blank=True)
    kind = models.CharField(max_length=24, choices=ItemKind.choices, blank=True)
    summary = models.TextField(blank=True)
    source_reference = models.CharField("Reference in the agency's own system", max_length=100, blank=True)
    lawful_basis = models.CharField(max_length=20, choices=LawfulBasis.choices, blank=True)
    disclosure = models.CharField(max_length=12, choices=Disclosure.choices, blank=True)
    disclosure_reason = models.TextField("Why it may not be shared with the family", blank=True)
    restricted_to = models.JSONField("Roles who may see it", default=list, blank=True)

    class Meta:
        ordering = [models.F("occurred_on").asc(nulls_first=True), "pk"]  # "nothing known" first, on every database
        constraints = [
            models.CheckConstraint(
                condition=Q(nothing_known=True, kind="", summary="", disclosure="")
                | Q(nothing_known=False, occurred_on__isnull=False)
                & ~Q(kind="")
                & ~Q(summary="")
                & ~Q(lawful_basis="")
                & ~Q(disclosure=""),
                name="item_is_nothing_known_or_complete",
            ),
            models.CheckConstraint(
                condition=~Q(disclosure="not_family") | ~Q(disclosure_reason=""),
                name="item_not_for_family_has_a_reason",
            ),
        ]

    def __str__(self) -> str:
        return "Nothing known" if self.nothing_known else self.get_kind_display()

    @property
    def restricted_labels(self) -> list[str]:
        return [Role(r).label for r in self.restricted_to]


class AgencyView(models.Model):
    """One agency's view of the unit's decision on a contact, and whether it disagrees."""

    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="agency_views")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    view = models.TextField("The agency's view, in its own words")
    disagrees = models.BooleanField(default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["recorded_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["contact", "agency"], name="one_view_per_agency_per_contact")]

    def __str__(self) -> str:
        return f"{self.agency}'s view"


# The steps of resolving a professional difference, in order, and the local setting (a LocalAuthority field) that
# gives each its working days.
ESCALATION_STEPS = [
    ("The practitioners talk it through", "practitioners_days"),
    ("Their managers", "managers_days"),
    ("Senior managers", "senior_managers_days"),
    ("The safeguarding partners", "partners_days"),
]


class StepOutcome(models.TextChoices):
    RESOLVED = "resolved", "Resolved at this step"
    ESCALATED = "escalated", "Not resolved: escalated to the next step"


class EscalationStep(models.Model):
    """One step of resolving a professional difference (ESCALATION_STEPS)."""

    view = models.ForeignKey(AgencyView, on_delete=models.PROTECT, related_name="steps")
    number = models.PositiveSmallIntegerField()
    label = models.CharField(max_length=200)
    opened_on = models.DateField()
    due_on = models.DateField()
    outcome = models.CharField(max_length=10, choices=StepOutcome.choices, blank=True)
    notes = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["view", "number"]
        constraints = [models.UniqueConstraint(fields=["view", "number"], name="one_escalation_step_per_number")]

    def __str__(self) -> str:
        return self.label
