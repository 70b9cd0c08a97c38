"""Agencies, teams, staff accounts and roles, and the local authority's own settings."""

from datetime import time

import pyotp
from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models


def new_totp_secret() -> str:
    """A new random authenticator app secret (160 bits, base32, as RFC 4226 recommends)."""
    return pyotp.random_base32(32)


class AgencyKind(models.TextChoices):
    SOCIAL_CARE = "social_care", "Children's social care"
    POLICE = "police", "Police"
    HEALTH = "health", "Health"
    EDUCATION = "education", "Education"
    PROBATION = "probation", "Probation"
    HOUSING = "housing", "Housing"
    OTHER = "other", "Other"


class Agency(models.Model):
    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=AgencyKind.choices)
    manager = models.ForeignKey(
        "User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The named manager late information requests to this agency are escalated to.",
    )

    class Meta:
        verbose_name_plural = "agencies"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(max_length=200)
    front_door = models.BooleanField(
        "Works the unit's front door",
        default=False,
        help_text="Members on duty see the children whose contacts and referrals are at the front door.",
    )

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["agency", "name"], name="team_name_unique_in_agency")]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    SOCIAL_WORKER = "social_worker", "Social worker"
    TEAM_MANAGER = "team_manager", "Team manager"
    CONFERENCE_CHAIR = "conference_chair", "Conference chair"
    POLICE_OFFICER = "police_officer", "Unit police officer"
    HEALTH_PRACTITIONER = "health_practitioner", "Unit health practitioner"
    EDUCATION_LEAD = "education_lead", "Unit education lead"
    PARTNER_PRACTITIONER = "partner_practitioner", "Partner agency practitioner"
    PERFORMANCE_ANALYST = "performance_analyst", "Performance analyst"
    ANALYST = "analyst", "Analyst"
    ADMINISTRATOR = "administrator", "Administrator"
    PRIVACY_OFFICER = "privacy_officer", "Privacy officer"


# The unit's own staff, who work cases (with a relationship to the child, macpu.access.selectors).
UNIT_ROLES = frozenset(
    {
        Role.SOCIAL_WORKER,
        Role.TEAM_MANAGER,
        Role.CONFERENCE_CHAIR,
        Role.POLICE_OFFICER,
        Role.HEALTH_PRACTITIONER,
        Role.EDUCATION_LEAD,
    }
)


class User(AbstractUser):
    """A member of staff. Agency, team and role are set by an administrator, never by the user."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="staff")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, null=True, blank=True, related_name="members")
    role = models.CharField(max_length=30, choices=Role.choices, blank=True)
    job_title = models.CharField(max_length=200, blank=True)
    # Signing in (macpu.agencies.second_factor and macpu.agencies.signin; docs/adr/0005-sign-in-second-factor.md)
    totp_secret = models.CharField("Authenticator app secret", max_length=64, default=new_totp_secret, editable=False)
    totp_last_step = models.BigIntegerField(
        null=True, blank=True, editable=False, help_text="The last 30-second step whose code was used: never again."
    )
    failed_sign_ins = models.PositiveSmallIntegerField(default=0, editable=False)
    last_failed_sign_in = models.DateTimeField(null=True, blank=True, editable=False)
    locked_until = models.DateTimeField(null=True, blank=True, editable=False)
    session_epoch = models.PositiveIntegerField(
        default=0, editable=False, help_text="Raised to end every session of this user at once."
    )

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    def __str__(self) -> str:
        return self.display_name


STEP_DAYS = [MinValueValidator(1), MaxValueValidator(30)]
RAG_HOURS = [MinValueValidator(1), MaxValueValidator(240)]


class LocalAuthority(models.Model):
    """The one local authority this installation serves, with its local choices (domain.md: 'local')."""

    name = models.CharField(max_length=200)
    code = models.CharField(
        "Local authority code",
        max_length=3,
        validators=[RegexValidator(r"^\d{3}$", "Enter the 3-digit Department for Education code.")],
    )
    visit_frequency_working_days = models.PositiveSmallIntegerField(
        "Statutory visits: working days between visits",
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    contact_decision_working_days = models.PositiveSmallIntegerField(
        "Contacts: working days to decide", default=1, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    strategy_discussion_working_days = models.PositiveSmallIntegerField(
        "Strategy discussions: working days from the decision to hold one",
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
    )
    due_soon_working_days = models.PositiveSmallIntegerField(
        "Show as due soon this many working days before",
        default=2,
        validators=[MinValueValidator(0), MaxValueValidator(20)],
    )
    start_day_counts = models.BooleanField(
        "Count the start day as day 1 (as the Department for Education does)", default=True
    )
    # Information requests to agencies (macpu.mash): when the working day runs, and each rating's deadline.
    working_day_starts = models.TimeField("Working hours start", default=time(9))
    working_day_ends = models.TimeField("Working hours end", default=time(17))
    red_hours = models.PositiveSmallIntegerField("Red: hours to answer", default=4, validators=RAG_HOURS)
    red_working_hours = models.BooleanField("Red: count working hours only", default=True)
    amber_hours = models.PositiveSmallIntegerField("Amber: hours to answer", default=24, validators=RAG_HOURS)
    amber_working_hours = models.BooleanField("Amber: count working hours only", default=True)
    green_hours = models.PositiveSmallIntegerField("Green: hours to answer", default=72, validators=RAG_HOURS)
    green_working_hours = models.BooleanField("Green: count working hours only", default=False)
    # Resolving a professional difference between agencies (macpu.mash): working days each step has to resolve it.
    practitioners_days = models.PositiveSmallIntegerField(
        "Professional differences: working days for the practitioners", default=1, validators=STEP_DAYS
    )
    managers_days = models.PositiveSmallIntegerField(
        "Professional differences: working days for their managers", default=2, validators=STEP_DAYS
    )
    senior_managers_days = models.PositiveSmallIntegerField(
        "Professional differences: working days for senior managers", default=5, validators=STEP_DAYS
    )
    partners_days = models.PositiveSmallIntegerField(
        "Professional differences: working days for the safeguarding partners", default=10, validators=STEP_DAYS
    )
    # Analytics (macpu.analytics): counts from 1 up to one less than this are not shown, so no child can be singled out.
    small_cell_threshold = models.PositiveSmallIntegerField(
        "Analytics: hide counts smaller than",
        default=5,
        validators=[MinValueValidator(2), MaxValueValidator(50)],
    )

    class Meta:
        verbose_name_plural = "local authority"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(visit_frequency_working_days__gte=1), name="visit_frequency_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(contact_decision_working_days__gte=1), name="contact_decision_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(strategy_discussion_working_days__gte=1), name="strategy_discussion_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(working_day_ends__gt=models.F("working_day_starts")),
                name="working_day_order",
                violation_error_message="Working hours must end after they start.",
            ),
            models.CheckConstraint(
                condition=models.Q(red_hours__gte=1, amber_hours__gte=1, green_hours__gte=1), name="rag_hours_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SecurityKey(models.Model):
    """A WebAuthn credential (a security key, or a passkey on a device) a member of staff signs in with.

    macpu.agencies.security_keys registers and checks them; docs/adr/0007-security-keys.md says why.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="security_keys")
    name = models.CharField(max_length=100, help_text="The user's own name for it, to tell their keys apart.")
    credential_id = models.CharField(max_length=1400, unique=True, help_text="base64url, as the browser sends it.")
    public_key = models.BinaryField(help_text="The credential's public key (COSE), from the registration.")
    sign_count = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="security_key_name_unique_for_user")]

    def __str__(self) -> str:
        return self.name


class ApiKey(models.Model):
    """A partner system's key to the API, issued by an administrator for one account (docs/adr/0008-api-keys.md).

    The system acts as that account: the same scope filter, the same audit trail. Only the key's SHA-256 digest is
    kept; the key itself is shown once, when it is issued (macpu.agencies.api_keys).
    """

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="api_keys")
    name = models.CharField(max_length=100, help_text="The system that holds it, like 'Police records system'.")
    prefix = models.CharField(max_length=12, unique=True, help_text="The key's first characters, to tell keys apart.")
    digest = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the key, hex.")
    issued_by = models.CharField(max_length=150, help_text="Who issued it (a username, or 'command line').")
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["issued_at", "pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
