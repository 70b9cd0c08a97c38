"""Published statistics (docs/adr/0013): the Department for Education's children in need figures for England and
every local authority, as `macpu import-published-stats` last loaded them.

Only the latest import is kept: a new import replaces the previous one in the same transaction. A figure the
Department suppressed or did not publish is stored as no value with its reason (c, u, x or z), never as zero.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

ENGLAND = "england"  # the area code this module gives the national rows (LAs use DfE's 3-digit old_la_code)


class Missing(models.TextChoices):
    """Why a published figure has no value: the Department's own letters."""

    NONE = "", "Published"
    SUPPRESSED = "c", "Suppressed"
    LOW_RELIABILITY = "u", "Low reliability"
    NOT_AVAILABLE = "x", "Not available"
    NOT_APPLICABLE = "z", "Not applicable"


class PublishedImport(models.Model):
    """One load of the published files: who loaded them, when, from where, and the files' fingerprint."""

    imported_at = models.DateTimeField()
    imported_by = models.CharField(max_length=150)
    source = models.CharField(max_length=500)
    digest = models.CharField(max_length=64, help_text="SHA-256 over the files read, to skip an unchanged re-import")
    attribution = models.TextField()

    class Meta:
        ordering = ["-imported_at"]

    def __str__(self) -> str:
        return f"Published statistics imported {self.imported_at:%d %B %Y %H:%M} by {self.imported_by}"


FIGURES = ("s47", "icpc", "cpp_start", "cpp_at31", "referrals", "rereferrals")


def _figure(label: str) -> models.IntegerField:
    return models.IntegerField(label, null=True, blank=True)


def _reason() -> models.CharField:
    return models.CharField(max_length=1, choices=Missing.choices, blank=True, default="")


class AreaYear(models.Model):
    """England's or one local authority's published counts for one CIN year (1 April Y-1 to 31 March Y).

    National counts are rounded to the nearest 10 by the Department; local authority counts are exact."""

    source = models.ForeignKey(PublishedImport, on_delete=models.CASCADE, related_name="area_years")
    area_code = models.CharField(max_length=16)  # "england" or the 3-digit DfE code
    gss_code = models.CharField(max_length=9, blank=True)
    name = models.CharField(max_length=200)
    year = models.PositiveSmallIntegerField("CIN year (ending 31 March)")
    s47 = _figure("Section 47 enquiries starting in the year")
    s47_missing = _reason()
    icpc = _figure("Initial child protection conferences")
    icpc_missing = _reason()
    cpp_start = _figure("Child protection plans starting in the year")
    cpp_start_missing = _reason()
    cpp_at31 = _figure("Child protection plans at 31 March")
    cpp_at31_missing = _reason()
    referrals = _figure("Referrals")
    referrals_missing = _reason()
    rereferrals = _figure("Re-referrals within 12 months")
    rereferrals_missing = _reason()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "area_code", "year"], name="analytics_area_year_once"),
            *(
                models.CheckConstraint(
                    condition=(Q(**{f"{f}__isnull": False, f"{f}_missing": ""}) & Q(**{f"{f}__gte": 0}))
                    | (Q(**{f"{f}__isnull": True}) & ~Q(**{f"{f}_missing": ""})),
                    name=f"analytics_area_year_{f}_value_or_reason",
                )
                for f in FIGURES
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.year}"


class Basis(models.TextChoices):
    PUBLISHED = "published", "As published at the time"
    CURRENT = "current", "Current ONS estimates"


class Population(models.Model):
    """Children aged 0 to 17 in an area, the denominator of a CIN year's rates (the mid-year before the year ends).

    "published": recovered from the rates DfE published in its 2023 edition (count / rate x 10,000), which used the
    estimates of the time; "current": the ONS series revised after Census 2021."""

    source = models.ForeignKey(PublishedImport, on_delete=models.CASCADE, related_name="populations")
    area_code = models.CharField(max_length=16)
    year = models.PositiveSmallIntegerField("CIN year the population is the denominator for")
    basis = models.CharField(max_length=10, choices=Basis.choices)
    children = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "area_code", "year", "basis"], name="analytics_population_once"),
            models.CheckConstraint(condition=Q(children__gt=0), name="analytics_population_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.area_code} {self.year} {self.basis}: {self.children}"


class NeighbourModel(models.TextChoices):
    APRIL_2021 = "2021", "April 2021 model"
    MODEL_2025 = "2025", "2025 model"


class Neighbour(models.Model):
    """One of a local authority's 10 statistical neighbours in a DfE model, nearest first."""

    source = models.ForeignKey(PublishedImport, on_delete=models.CASCADE, related_name="neighbours")
    model = models.CharField(max_length=4, choices=NeighbourModel.choices)
    area_code = models.CharField(max_length=3)
    area_name = models.CharField(max_length=200)
    rank = models.PositiveSmallIntegerField()
    neighbour_code = models.CharField(max_length=3)
    closeness = models.CharField(max_length=40)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "model", "area_code", "rank"], name="analytics_neighbour_once"),
            models.CheckConstraint(condition=Q(rank__gte=1, rank__lte=10), name="analytics_neighbour_rank_1_to_10"),
        ]

    def __str__(self) -> str:
        return f"{self.model} {self.area_code} #{self.rank}: {self.neighbour_code}"
