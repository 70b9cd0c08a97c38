"""Agency records and people in the index, for tests of batch linkage and review: synthetic records with realistic
corruptions (macpu.people.synthetic) loaded as AgencyRecords, and one person in the index for some true people."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from macpu.agencies.models import Agency, AgencyKind
from macpu.people.models import (
    AgencyRecord,
    Household,
    LinkageRun,
    Person,
    RecordImport,
    ReviewKind,
    ReviewPair,
    ReviewReason,
)
from macpu.people.synthetic import agency_records
from tests.factories import aware

EXTRACTED = aware(2026, 3, 2, 9)
KINDS = {
    "police": AgencyKind.POLICE,
    "health": AgencyKind.HEALTH,
    "school": AgencyKind.EDUCATION,
    "social_care": AgencyKind.SOCIAL_CARE,
}


@dataclass
class Loaded:
    frame: pd.DataFrame  # the synthetic records, with person_id (the truth)
    records: dict[str, AgencyRecord]  # synthetic record_id -> its AgencyRecord
    index: dict[int, Person]  # true person id -> the person in the index made from one of their records

    def truth(self, record: AgencyRecord) -> int:
        return int(self.frame.loc[self.frame["record_id"] == record.record_id, "person_id"].iloc[0])


def agency(source: str) -> Agency:
    agency, _ = Agency.objects.get_or_create(name=f"Demo {source.replace('_', ' ')}", kind=KINDS.get(source, "other"))
    return agency


def record_import(source: str, actor) -> RecordImport:
    return RecordImport.objects.create(
        agency=agency(source),
        system=f"{source} system",
        extracted_at=EXTRACTED,
        imported_by=actor,
        imported_at=EXTRACTED + dt.timedelta(hours=1),
        rows_read=0,
    )


def _date(value) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) else None


def load(n: int, *, seed: int, actor, every: int = 2) -> Loaded:
    """`n` synthetic agency records. For every `every`-th true person with two or more records and a full name, one
    record (social care's if there is one) becomes the person in the index, with its address as their household;
    the rest are loaded as agency records, unlinked."""
    frame = agency_records(n, seed=seed)
    counts = frame["person_id"].value_counts()
    named = frame.dropna(subset=["first_name", "surname"])
    named = named.assign(care=named["source"] != "social_care").sort_values(["person_id", "care", "record_id"])
    chosen = named.groupby("person_id").head(1)
    chosen = chosen[chosen["person_id"].map(counts) >= 2]
    chosen = chosen[chosen["person_id"].rank(method="dense").astype(int) % every == 0]
    index: dict[int, Person] = {}
    for row in chosen.itertuples(index=False):
        person = Person.objects.create(
            given_name=row.first_name,
            family_name=row.surname,
            date_of_birth=_date(row.date_of_birth),
            sex=row.sex or "U",
            nhs_number=row.nhs_number or "",
        )
        if row.address or row.postcode:
            household = Household.objects.create(address=row.address or "", postcode=row.postcode or "")
            household.members.add(person)
        index[int(row.person_id)] = person
    kept = frame[~frame["record_id"].isin(set(chosen["record_id"]))]
    imports = {source: record_import(source, actor) for source in kept["source"].unique()}
    made = AgencyRecord.objects.bulk_create(
        AgencyRecord(
            agency=imports[row.source].agency,
            system=imports[row.source].system,
            record_id=row.record_id,
            extracted_at=EXTRACTED,
            record_import=imports[row.source],
            first_name=row.first_name or "",
            surname=row.surname or "",
            date_of_birth=_date(row.date_of_birth),
            sex=row.sex or "U",
            postcode=(row.postcode or "")[:8],
            address=row.address or "",
            nhs_number=row.nhs_number or "",
        )
        for row in kept.itertuples(index=False)
    )
    records = {r.record_id: r for r in AgencyRecord.objects.filter(pk__in=[r.pk for r in made])}
    return Loaded(frame=kept.reset_index(drop=True), records=records, index=index)


COMPARISONS = [
    {"field": "first_name", "label": "Nickname of the same name", "weight": 6.06, "null": False},
    {"field": "surname", "label": "Exact match on surname", "weight": 6.23, "null": False},
    {"field": "date_of_birth", "label": "Day and month swapped", "weight": 6.42, "null": False},
    {"field": "sex", "label": "Exact match on sex", "weight": 1.02, "null": False},
    {"field": "address", "label": "All other comparisons", "weight": -3.14, "null": False},
    {"field": "nhs_number", "label": "nhs_number is NULL", "weight": 0.0, "null": True},
]
PRIOR_WEIGHT = -15.6  # with COMPARISONS: a total of 1.0, a probability of 2/3


def linkage_run(now=EXTRACTED) -> LinkageRun:
    return LinkageRun.objects.create(started_at=now, finished_at=now, threshold=0.9, model={"comparisons": []})


def agency_record(actor, *, source: str = "police", record_id: str = "N-1", **details) -> AgencyRecord:
    values = {"first_name": "Ava", "surname": "Sample", "date_of_birth": dt.date(2023, 2, 3), "sex": "F"}
    values.update(details)
    imported = record_import(source, actor)
    return AgencyRecord.objects.create(
        agency=imported.agency,
        system=imported.system,
        record_id=record_id,
        extracted_at=EXTRACTED,
        record_import=imported,
        **values,
    )


def review_pair(person: Person, *, record=None, other_person=None, other_record=None, probability=2 / 3, **extra):
    kind = (
        ReviewKind.PERSON_PERSON
        if other_person
        else ReviewKind.RECORD_RECORD
        if other_record
        else ReviewKind.RECORD_PERSON
    )
    sides = [f"p:{person.pk}"] if kind != ReviewKind.RECORD_RECORD else [f"a:{other_record.pk}"]
    sides.append(f"p:{other_person.pk}" if other_person else f"a:{record.pk}")
    return ReviewPair.objects.create(
        key="|".join(sorted(sides)),
        kind=kind,
        reason=extra.pop("reason", ReviewReason.UNCERTAIN),
        run=extra.pop("run", None) or linkage_run(),
        person=person,
        other_person=other_person,
        record=record,
        other_record=other_record,
        match_probability=probability,
        match_weight=1.0,
        prior_weight=PRIOR_WEIGHT,
        comparisons=COMPARISONS,
        queued_at=EXTRACTED,
        **extra,
    )
