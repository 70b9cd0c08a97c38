"""People, households and relationships: the person index the whole pathway hangs from."""

from django.conf import settings
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


class RecordImport(models.Model):
    """One agency extract loaded into the agency records (macpu.people.records): where it came from, who loaded it,
    and the report of every row that was not kept."""

    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="record_imports")
    system = models.CharField("Source system", max_length=100, help_text="The agency's own system, like Niche.")
    extracted_at = models.DateTimeField("When the agency took the extract")
    file_name = models.CharField(max_length=255, blank=True)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField()
    rows_read = models.PositiveIntegerField(default=0)
    rows_loaded = models.PositiveIntegerField(default=0, help_text="New records and updated records together.")
    rows_updated = models.PositiveIntegerField(default=0, help_text="Of the rows loaded, those that updated a record.")
    rejected = models.JSONField(
        default=list,
        blank=True,
        help_text='Every problem in the rows not kept: {"row": n, "field": ..., "message": ...}',
    )

    class Meta:
        ordering = ["-imported_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rows_loaded__lte=models.F("rows_read")) & Q(rows_updated__lte=models.F("rows_loaded")),
                name="record_import_counts_add_up",
            )
        ]

    def __str__(self) -> str:
        return f"{self.agency} {self.system} extract of {self.extracted_at:%Y-%m-%d %H:%M}"


class AgencyRecord(models.Model):
    """One agency's record of one person, as its system holds it, with where and when it came from. `person` is
    the person in the index it is linked to: set by linkage, never by the import."""

    # Not indexed on its own: the unique constraint's index starts with it.
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="agency_records", db_index=False
    )
    system = models.CharField("Source system", max_length=100)
    record_id = models.CharField("The record's id in the agency's system", max_length=100)
    extracted_at = models.DateTimeField("When the agency took the extract it came from")
    record_import = models.ForeignKey(RecordImport, on_delete=models.PROTECT, related_name="records")
    first_name = models.CharField(max_length=100, blank=True)
    surname = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    postcode = models.CharField(max_length=8, blank=True)
    address = models.CharField(max_length=300, blank=True)
    nhs_number = models.CharField(
        "NHS number",
        max_length=10,
        blank=True,
        validators=[RegexValidator(r"^\d{10}$", "An NHS number is 10 digits.")],
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="agency_records")

    class Meta:
        ordering = ["agency", "system", "record_id"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "system", "record_id"], name="agency_record_once"),
            models.CheckConstraint(
                condition=~Q(first_name="", surname=""),
                name="agency_record_has_a_name",
                violation_error_message="An agency record needs a first name or a surname.",
            ),
            models.CheckConstraint(condition=Q(sex__in=Sex.values), name="agency_record_sex_code"),
        ]
        indexes = [
            models.Index(fields=["nhs_number"], name="agency_record_nhs_number"),
            models.Index(fields=["surname", "date_of_birth"], name="agency_record_surname_dob"),
            models.Index(fields=["postcode"], name="agency_record_postcode"),
        ]

    def __str__(self) -> str:
        return f"{self.agency} {self.system} {self.record_id}"


class LinkageRun(models.Model):
    """One batch linkage of the agency records and the person index (macpu.people.linkage): the model Splink
    trained, which matching at intake scores new details with, and what the run linked."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    threshold = models.FloatField(help_text="Pairs at or above this match probability are the same person.")
    model = models.JSONField(help_text="Splink's trained model: its settings with every level's m and u.")
    records = models.PositiveIntegerField(default=0, help_text="Agency records and people in the index linked.")
    pairs = models.PositiveIntegerField(default=0, help_text="Pairs scored.")

    class Meta:
        ordering = ["-started_at"]
        get_latest_by = "started_at"

    def __str__(self) -> str:
        return f"Linkage of {self.started_at:%Y-%m-%d %H:%M}"
