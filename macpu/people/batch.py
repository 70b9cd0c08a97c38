"""Batch linkage of every agency record and every person in the index (issue #6), the part that runs Splink.

`index_frame` reads the records into one frame: agency records as "a:<pk>", people in the index as "p:<pk>" (their
address from their most recent household; people merged into another, and unborn children, are left out: an unborn
child's only details are the family's surname and address, which every brother or sister shares). `score` trains
the model on the frame (macpu.people.linkage), scores every pair the blocking rules find, clusters them, and says
which pairs a practitioner should decide and why: each comparison's level and match weight (Splink's waterfall).

What to do with the result (links, the review queue, the LinkageRun) is `services.records_link`'s.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from macpu.people import linkage
from macpu.people.models import AgencyRecord, Household, Person

REVIEW_FLOOR = 0.5  # as services.REVIEW_FLOOR: pairs from here up to the threshold are uncertain
INDEX_SOURCE = "index"


def person_key(pk: int) -> str:
    return f"p:{pk}"


def record_key(pk: int) -> str:
    return f"a:{pk}"


def pk_of(key: str) -> int:
    return int(key[2:])


def is_person(key: str) -> bool:
    return key.startswith("p:")


def pair_key(one: str, other: str) -> str:
    """The two records' keys in a fixed order, so a pair has one key whichever side it was found from."""
    return "|".join(sorted((one, other)))


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def index_frame() -> pd.DataFrame:
    """Every agency record and every person in the index (not merged into another), as linkage.COLUMNS."""
    rows: list[dict[str, Any]] = []
    for pk, first, surname, born, sex, postcode, address, nhs, agency in AgencyRecord.objects.values_list(
        "pk", "first_name", "surname", "date_of_birth", "sex", "postcode", "address", "nhs_number", "agency__name"
    ).iterator(chunk_size=5000):
        rows.append(
            {
                "record_id": record_key(pk),
                "first_name": _text(first),
                "surname": _text(surname),
                "date_of_birth": born.isoformat() if born else None,
                "sex": _text(sex),
                "postcode": _text(postcode),
                "address": _text(address),
                "nhs_number": _text(nhs),
                "source": agency,
            }
        )
    homes: dict[int, tuple[Any, int, str, str]] = {}
    members = Household.members.through.objects.values_list(
        "person_id", "household__created_at", "household_id", "household__address", "household__postcode"
    )
    for person_id, created_at, household_id, address, postcode in members.iterator(chunk_size=5000):
        newest = homes.get(person_id)
        if newest is None or (created_at, household_id) > newest[:2]:
            homes[person_id] = (created_at, household_id, address, postcode)
    for pk, first, family, born, sex, nhs in (
        Person.objects.filter(merged_into__isnull=True)
        .exclude(date_of_birth__isnull=True, expected_date_of_birth__isnull=False)  # unborn: no record is theirs yet
        .values_list("pk", "given_name", "family_name", "date_of_birth", "sex", "nhs_number")
        .iterator(chunk_size=5000)
    ):
        home = homes.get(pk)
        rows.append(
            {
                "record_id": person_key(pk),
                "first_name": _text(first),
                "surname": _text(family),
                "date_of_birth": born.isoformat() if born else None,
                "sex": _text(sex),
                "postcode": _text(home[3]) if home else None,
                "address": _text(home[2]) if home else None,
                "nhs_number": _text(nhs),
                "source": INDEX_SOURCE,
            }
        )
    return pd.DataFrame(rows, columns=linkage.COLUMNS)


@dataclass(frozen=True)
class Comparison:
    field: str  # the comparison's output column: first_name, surname, date_of_birth, sex, address, nhs_number
    label: str  # Splink's label for the level the pair fell in
    weight: float  # the level's match weight (0 where either record lacks the item)
    null: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"field": self.field, "label": self.label, "weight": round(self.weight, 4), "null": self.null}


@dataclass(frozen=True)
class ScoredPair:
    left: str
    right: str
    match_probability: float
    match_weight: float
    comparisons: list[Comparison]
    held: bool  # linkage.review_condition: first names or sexes disagree

    @property
    def key(self) -> str:
        return pair_key(self.left, self.right)


@dataclass
class Scored:
    """What Splink made of the frame."""

    clusters: dict[str, str]  # record key -> cluster id
    pairs: int  # pairs scored
    candidates: list[ScoredPair]  # pairs that may need a practitioner (see `score`)
    model: dict[str, Any]  # linker.misc.save_model_to_json()
    prior_weight: float
    threshold: float
    extra: dict[str, ScoredPair] = field(default_factory=dict)  # people in one cluster, scored apart


def probability(weight: float) -> float:
    return 1.0 / (1.0 + 2.0 ** (-weight)) if weight > -1000 else 0.0


def weight_of(probability_: float) -> float:
    return math.log2(probability_ / (1 - probability_))


class _Levels:
    """Which level of each comparison a pair fell in, from the match weight the prediction kept (Splink 5 keeps
    no gamma columns without the matching columns): the level whose trained weight it is, exactly as
    linkage.review_condition reads it; the null level when the weight is 0 and nothing else weighs 0."""

    def __init__(self, linker: Any) -> None:
        self.levels: dict[str, list[tuple[float | None, str, bool]]] = {}
        for comparison in linker._settings_obj.comparisons:  # noqa: SLF001 - the trained model
            self.levels[comparison.output_column_name] = [
                (None if level.is_null_level else level._match_weight, level.label_for_charts, level.is_null_level)  # noqa: SLF001
                for level in comparison.comparison_levels
            ]

    @property
    def fields(self) -> list[str]:
        return list(self.levels)

    def comparison(self, field_: str, weight: float) -> Comparison:
        levels = self.levels[field_]
        exact = [(w, label) for w, label, null in levels if w is not None and w == weight]
        if weight == 0 and not exact:
            return Comparison(field_, next((label for _, label, null in levels if null), "Not known"), 0.0, True)
        if exact:
            return Comparison(field_, exact[0][1], weight)
        closest = min((lv for lv in levels if lv[0] is not None), key=lambda lv: abs(float(lv[0]) - weight))  # type: ignore[arg-type]
        return Comparison(field_, closest[1], weight)


def _scored(row: Any, levels: _Levels, held_fields: set[str]) -> ScoredPair:
    comparisons = [levels.comparison(f, float(getattr(row, f"mw_{f}"))) for f in levels.fields]
    held = any(c.field in held_fields and c.label == levels.levels[c.field][-1][1] for c in comparisons)
    return ScoredPair(
        left=row.record_id_l,
        right=row.record_id_r,
        match_probability=float(row.match_probability),
        match_weight=float(row.match_weight),
        comparisons=comparisons,
        held=held,
    )


def score(frame: pd.DataFrame, *, threshold: float = linkage.THRESHOLD, floor: float = REVIEW_FLOOR) -> Scored:
    """Train, score and cluster. The candidates are the pairs that may need a practitioner: every pair from `floor`
    up, except two agency records linked with certainty (at or above the threshold, and not held by
    linkage.review_condition). The service decides which of them to queue."""
    linker = linkage.linker_for(frame)
    linkage.train(linker)
    predictions = linker.inference.predict(warning_mode="never")
    linked = linkage.cluster(linker, predictions, threshold)
    con = linker._db_api.duckdb_con  # noqa: SLF001 - the DuckDB connection the tables live on
    model = linker.misc.save_model_to_json()
    prior = float(model["probability_two_random_records_match"])
    prior_weight = weight_of(prior)
    levels = _Levels(linker)
    held_fields = set(linkage.HELD_FOR_REVIEW)
    mw = ", ".join(f"mw_{f}" for f in levels.fields)
    table = predictions.physical_name
    rows = con.sql(
        f"""
        SELECT record_id_l, record_id_r, match_probability, match_weight, {mw}
        FROM {table}
        WHERE match_probability >= {floor}
          AND NOT (record_id_l LIKE 'a:%' AND record_id_r LIKE 'a:%' AND match_probability >= {threshold}
                   AND NOT ({linkage.review_condition(linker)}))
        """  # noqa: S608  # nosec B608 - our own table and column names, and numbers
    ).df()
    candidates = [_scored(row, levels, held_fields) for row in rows.itertuples(index=False)]
    clusters = dict(zip(linked.clusters["record_id"], linked.clusters["cluster_id"].astype(str), strict=True))
    scored = Scored(
        clusters=clusters,
        pairs=linked.pairs,
        candidates=candidates,
        model=model,
        prior_weight=prior_weight,
        threshold=threshold,
    )
    scored.extra = _people_scored_apart(linker, con, scored, levels, held_fields)
    return scored


def _people_scored_apart(linker: Any, con: Any, scored: Scored, levels: _Levels, held: set[str]) -> dict[str, Any]:
    """Two people in the index in one cluster whose own pair the blocking rules did not find (they were joined
    through agency records): score that pair directly, so the practitioner sees why."""
    found = {c.key for c in scored.candidates}
    people: dict[str, list[str]] = {}
    for key, cluster_id in scored.clusters.items():
        if is_person(key):
            people.setdefault(cluster_id, []).append(key)
    wanted = [
        (a, b)
        for members in people.values()
        if len(members) > 1
        for i, a in enumerate(sorted(members))
        for b in sorted(members)[i + 1 :]
        if pair_key(a, b) not in found
    ]
    extra: dict[str, ScoredPair] = {}
    if not wanted:
        return extra
    keys = sorted({k for pair in wanted for k in pair})
    result = con.execute("SELECT * FROM prepared WHERE record_id IN (SELECT unnest(?))", [keys])
    names = [d[0] for d in result.description]
    records = {row[0]: dict(zip(names, row, strict=True)) for row in result.fetchall()}
    for a, b in wanted:
        frame = linker.inference.score_pairs([records[a]], [records[b]]).as_pandas_dataframe()
        for row in frame.itertuples(index=False):
            pair = _scored(row, levels, held)
            extra[pair.key] = pair
    return extra
