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
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_people",
        help_text="Set when this record was merged into another person's (people_merge); cleared by unmerging.",
    )

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
    linked_by_run = models.ForeignKey(
        "LinkageRun",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The batch linkage that set `person`, when linkage set it.",
    )
    link_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The practitioner who confirmed the link: batch linkage never changes a confirmed link.",
    )
    link_confirmed_at = models.DateTimeField(null=True, blank=True)

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
            models.CheckConstraint(
                condition=Q(link_confirmed_by__isnull=True) | Q(person__isnull=False, link_confirmed_at__isnull=False),
                name="agency_record_confirmed_link_has_a_person",
            ),
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
    linked = models.PositiveIntegerField(default=0, help_text="Agency records the run linked to a person.")
    held_for_review = models.PositiveIntegerField(default=0, help_text="Pairs waiting for a practitioner after it.")

    class Meta:
        ordering = ["-started_at"]
        get_latest_by = "started_at"

    def __str__(self) -> str:
        return f"Linkage of {self.started_at:%Y-%m-%d %H:%M}"


class ReviewKind(models.TextChoices):
    RECORD_PERSON = "record_person", "An agency record and a person in the index"
    RECORD_RECORD = "record_record", "An agency record and another agency's record of a person in the index"
    PERSON_PERSON = "person_person", "Two people in the index who may be one person"


class ReviewReason(models.TextChoices):
    UNCERTAIN = "uncertain", "The match is uncertain"
    DISAGREE = "disagree", "Most details agree but the first names or sexes differ: twins and siblings look like this"
    DUPLICATE = "duplicate", "Two people in the index look like the same person"


class ReviewDecision(models.TextChoices):
    PENDING = "", "Waiting for a decision"
    SAME = "same", "The same person"
    DIFFERENT = "different", "Different people"


class ReviewPair(models.Model):
    """A pair of records batch linkage could not decide on, for a practitioner to decide: its score and each
    field's contribution to it (Splink's waterfall), and the decision. `person` is the person in the index the pair
    is about: the scope filter reads it (and `other_person`, for two people in the index)."""

    key = models.CharField(max_length=60, unique=True, help_text='The two records, like "a:12|p:5".')
    kind = models.CharField(max_length=20, choices=ReviewKind.choices)
    reason = models.CharField(max_length=20, choices=ReviewReason.choices)
    run = models.ForeignKey(LinkageRun, on_delete=models.PROTECT, related_name="review_pairs")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    other_person = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    record = models.ForeignKey(AgencyRecord, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    other_record = models.ForeignKey(AgencyRecord, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    match_probability = models.FloatField()
    match_weight = models.FloatField()
    prior_weight = models.FloatField(help_text="The match weight of two records picked at random.")
    comparisons = models.JSONField(
        default=list, help_text='Each comparison: {"field": ..., "label": Splink\'s level, "weight": match weight}.'
    )
    queued_at = models.DateTimeField()
    decision = models.CharField(max_length=10, choices=ReviewDecision.choices, blank=True, default="")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["queued_at", "pk"]
        indexes = [models.Index(fields=["decision", "queued_at"], name="review_pair_waiting")]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind=ReviewKind.RECORD_PERSON, record__isnull=False, other_record__isnull=True)
                    & Q(other_person__isnull=True)
                )
                | Q(kind=ReviewKind.RECORD_RECORD, record__isnull=False, other_record__isnull=False, other_person=None)
                | Q(kind=ReviewKind.PERSON_PERSON, record=None, other_record=None, other_person__isnull=False),
                name="review_pair_sides_fit_its_kind",
            ),
            models.CheckConstraint(
                condition=Q(decision="", decided_by=None, decided_at=None)
                | (~Q(decision="") & Q(decided_by__isnull=False, decided_at__isnull=False)),
                name="review_pair_decided_by_someone",
            ),
            models.CheckConstraint(
                condition=Q(match_probability__gte=0, match_probability__lte=1), name="review_pair_probability"
            ),
        ]

    def __str__(self) -> str:
        return f"Possible match {self.key}"


class PersonMerge(models.Model):
    """One person's record merged into another's: exactly which rows moved, so that unmerging moves those back.
    `moved` lists them: {"model": app_label.model_name, "pk": ..., "field": the foreign key's name}."""

    kept = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    merged = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    pair = models.ForeignKey(ReviewPair, on_delete=models.PROTECT, null=True, blank=True, related_name="merges")
    merged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    merged_at = models.DateTimeField()
    reason = models.TextField(blank=True)
    moved = models.JSONField(default=list)
    unmerged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    unmerged_at = models.DateTimeField(null=True, blank=True)
    unmerge_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-merged_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(kept=models.F("merged")), name="person_merge_two_people"),
            models.UniqueConstraint(
                fields=["merged"], condition=Q(unmerged_at__isnull=True), name="person_merged_once_at_a_time"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.merged_id} merged into {self.kept_id}"


class MatchKey(models.Model):
    """A blocking key of a person in the index or an agency record, for matching at intake (macpu.people.matching):
    a 64-bit hash of a normalised value pair like surname and date of birth. Rebuilt by `macpu rebuild-match-keys`;
    kept up to date by the services that create and change people and agency records."""

    key = models.BigIntegerField()
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, null=True, blank=True, related_name="+", db_index=False
    )
    agency_record = models.ForeignKey(
        AgencyRecord, on_delete=models.CASCADE, null=True, blank=True, related_name="+", db_index=False
    )

    class Meta:
        indexes = [
            # Covering: the look-up reads the index alone.
            models.Index(fields=["key", "person", "agency_record"], name="match_key_lookup"),
            models.Index(fields=["person"], name="match_key_person", condition=Q(person__isnull=False)),
            models.Index(
                fields=["agency_record"], name="match_key_agency_record", condition=Q(agency_record__isnull=False)
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=True, agency_record__isnull=False)
                | Q(person__isnull=False, agency_record__isnull=True),
                name="match_key_of_a_person_or_an_agency_record",
            )
        ]

    def __str__(self) -> str:
        owner = f"person {self.person_id}" if self.person_id else f"agency record {self.agency_record_id}"
        return f"{self.key} of {owner}"
