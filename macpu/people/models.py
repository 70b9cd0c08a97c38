"""People, households and relationships: the person index the whole pathway hangs from."""

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from macpu.core.codes import Disability, Ethnicity, Sex

LA_CHILD_ID_PREFIX = "MAC"


class Person(models.Model):
    given_name = models.CharField("First name", max_length=100)
    family_name = models.CharField("Last name", max_length=100)
    known_as = models.CharField("Also known as", max_length=100, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    expected_date_of_birth = models.DateField("Expected date of birth (unborn child)", null=True, blank=True)
    date_of_death = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    ethnicity = models.CharField(max_length=4, choices=Ethnicity.choices, blank=True)
    upn = models.CharField(
        "Unique pupil number",
        max_length=13,
        blank=True,
        validators=[
            RegexValidator(
                r"^[A-Z]\d{11}[0-9A-Z]$", "A unique pupil number is a letter, 11 digits and a digit or letter."
            )
        ],
    )
    nhs_number = models.CharField(
        "NHS number",
        max_length=10,
        blank=True,
        validators=[RegexValidator(r"^\d{10}$", "An NHS number is 10 digits.")],
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["family_name", "given_name"]
        indexes = [
            models.Index(fields=["family_name", "given_name"]),
            models.Index(fields=["date_of_birth"]),
            models.Index(fields=["nhs_number"]),
            models.Index(fields=["upn"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(date_of_birth__isnull=True) | Q(expected_date_of_birth__isnull=True),
                name="person_born_or_expected_not_both",
                violation_error_message="A person has a date of birth or an expected date of birth, not both.",
            ),
            models.CheckConstraint(
                condition=Q(date_of_death__isnull=True)
                | Q(date_of_birth__isnull=True)
                | Q(date_of_death__gte=models.F("date_of_birth")),
                name="person_death_after_birth",
                violation_error_message="The date of death must be on or after the date of birth.",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def is_unborn(self) -> bool:
        return self.date_of_birth is None and self.expected_date_of_birth is not None

    @property
    def la_child_id(self) -> str:
        """The local authority's identifier for the child (census LAchildID: at most 20 letters and digits)."""
        return f"{LA_CHILD_ID_PREFIX}{self.pk:07d}"


class PersonDisability(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="disabilities")
    code = models.CharField(max_length=4, choices=Disability.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "code"], name="person_disability_once")]

    def __str__(self) -> str:
        return self.get_code_display()


class Household(models.Model):
    address = models.CharField(max_length=300)
    postcode = models.CharField(max_length=10, blank=True)
    members = models.ManyToManyField(Person, related_name="households", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.address} {self.postcode}".strip()


class RelationshipKind(models.TextChoices):
    PARENT = "parent", "Parent"
    STEP_PARENT = "step_parent", "Step-parent"
    PARTNER_OF_PARENT = "partner_of_parent", "Parent's partner"
    CARER = "carer", "Carer"
    SIBLING = "sibling", "Brother or sister"
    HALF_SIBLING = "half_sibling", "Half-brother or half-sister"
    GRANDPARENT = "grandparent", "Grandparent"
    OTHER_RELATIVE = "other_relative", "Other relative"
    OTHER = "other", "Other"


class Relationship(models.Model):
    """``relative`` is ``person``'s <kind>: e.g. person=child, relative=mother, kind=parent."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="relationships")
    relative = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=RelationshipKind.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "relative"], name="relationship_once"),
            models.CheckConstraint(condition=~Q(person=models.F("relative")), name="relationship_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.relative} ({self.get_kind_display()} of {self.person})"
