"""Linking records about the same people: Splink on DuckDB (ADR 0010).

Every agency holds the same child under its own spelling, an old address, a nickname or a mistyped date of birth,
often without the NHS number. Splink learns, without labels (expectation maximisation), how much each kind of
agreement and disagreement says, and scores every pair that shares a blocking key.

- ``prepare`` normalises records in DuckDB SQL: names without accents, case or punctuation; each first name's
  formal forms from the offline ``nicknames`` package; the date of birth with its day and month swapped; the
  postcode and its outward code; the address as words, with the house number apart; a valid NHS number.
- ``settings`` is the model. One combined address comparison (postcode and street compared separately would count a
  household twice); first names with a nickname level; a day/month-swapped date of birth level; the NHS number a
  strong comparison and a blocking rule, not a hard key (it is mistyped too).
- ``dedupe`` trains, predicts and clusters a file of records. A pair whose first names or sexes disagree is held
  for a person to decide, not linked (``review_condition``).

Still to come (issue #6): linking agency records to the person index, the review queue, each field's contribution
to a pair's score (Splink's waterfall), matching at intake, and the same settings on Spark.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from nicknames import NickNamer
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
from splink.blocking_rule_library import CustomRule

COLUMNS = ["record_id", "first_name", "surname", "date_of_birth", "sex", "postcode", "address", "nhs_number", "source"]
THRESHOLD = 0.9  # a pair at or above this match probability is the same person (bench/linkage.py measures it)

# Address words written more than one way, in their long form.
ABBREVIATIONS = {
    "st": "street",
    "rd": "road",
    "ave": "avenue",
    "av": "avenue",
    "ln": "lane",
    "dr": "drive",
    "ct": "court",
    "cl": "close",
    "cres": "crescent",
    "gdns": "gardens",
    "gr": "grove",
    "pl": "place",
    "sq": "square",
    "tce": "terrace",
    "terr": "terrace",
    "pk": "park",
    "hse": "house",
}
_EXPAND = " ".join(f"WHEN '{short}' THEN '{long}'" for short, long in ABBREVIATIONS.items())


def _clean(column: str, keep: str = "a-z") -> str:
    """SQL: lower case, accents stripped, only `keep` characters; NULL when nothing is left."""
    return f"nullif(regexp_replace(lower(strip_accents(trim({column}))), '[^{keep}]', '', 'g'), '')"


# Built from constants; {source} is one of our own table names.
PREPARE_SQL = f"""
WITH cleaned AS (
    SELECT
        record_id,
        {_clean("first_name")} AS first_name,
        {_clean("surname")} AS surname,
        list_filter(
            string_split(regexp_replace(lower(strip_accents(coalesce(surname, ''))), '[^a-z]+', ' ', 'g'), ' '),
            lambda p: length(p) > 1
        ) AS surname_parts,
        try_strptime(date_of_birth, '%Y-%m-%d')::DATE AS dob,
        CASE upper(trim(sex)) WHEN 'M' THEN 'M' WHEN 'F' THEN 'F' END AS sex,
        nullif(upper(regexp_replace(coalesce(postcode, ''), '[^A-Za-z0-9]', '', 'g')), '') AS postcode,
        list_transform(
            list_filter(
                string_split(regexp_replace(lower(strip_accents(coalesce(address, ''))), '[^a-z0-9]+', ' ', 'g'), ' '),
                lambda w: w <> '' AND w <> 'flat'
            ),
            lambda w: CASE w {_EXPAND} ELSE w END
        ) AS address_words,
        CASE WHEN regexp_full_match(regexp_replace(coalesce(nhs_number, ''), '\\s', '', 'g'), '[0-9]{{10}}')
             THEN regexp_replace(nhs_number, '\\s', '', 'g') END AS nhs_number,
        source
    FROM {{source}}
)
SELECT
    record_id,
    cleaned.first_name,
    coalesce(names.variants, [cleaned.first_name]) AS first_name_variants,
    surname,
    CASE WHEN len(surname_parts) > 0 THEN surname_parts END AS surname_parts,
    strftime(dob, '%Y-%m-%d') AS date_of_birth,
    CASE WHEN day(dob) <= 12 AND day(dob) <> month(dob)
         THEN strftime(make_date(year(dob), day(dob), month(dob)), '%Y-%m-%d') END AS date_of_birth_swapped,
    sex,
    postcode,
    CASE WHEN length(postcode) >= 5 THEN left(postcode, length(postcode) - 3) ELSE postcode END AS postcode_outward,
    CASE WHEN len(address_words) > 0 THEN address_words END AS address_words,
    list_filter(address_words, lambda w: regexp_full_match(w, '[0-9]+[a-z]?'))[-1] AS house_number,
    nhs_number,
    source
FROM cleaned LEFT JOIN names ON names.first_name = cleaned.first_name
"""  # noqa: S608  # nosec B608 - constants and our own table names


@functools.cache
def _nicknamer() -> NickNamer:
    return NickNamer()


def name_variants(names: Iterable[str]) -> pd.DataFrame:
    """Each first name with its formal forms (Bill: bill, william, robert, ...), so that two records share a
    variant when one has a nickname of the other's name, or both have nicknames of the same name."""
    nicknamer = _nicknamer()
    rows = [(n, sorted({n} | nicknamer.canonicals_of(n))) for n in names if n]
    return pd.DataFrame(rows, columns=["first_name", "variants"])


def prepare(con: Any, source: str, into: str = "prepared") -> None:
    """Make table `into` from table `source` (COLUMNS, all text) on the DuckDB connection `con`."""
    first = con.sql(f"SELECT DISTINCT {_clean('first_name')} AS n FROM {source}").fetchall()  # noqa: S608  # nosec B608
    con.register("names", name_variants(n for (n,) in first))
    con.execute(f"CREATE OR REPLACE TABLE {into} AS " + PREPARE_SQL.replace("{source}", source))  # noqa: S608
    con.unregister("names")


def _address() -> cl.CustomComparison:
    """One comparison for where a person lives: the postcode and the address words together."""
    nothing = "(postcode_{s} IS NULL AND address_words_{s} IS NULL)"
    return cl.CustomComparison(
        output_column_name="address",
        comparison_levels=[
            cll.CustomLevel(f"{nothing.format(s='l')} OR {nothing.format(s='r')}").configure(is_null_level=True),
            cll.CustomLevel(
                "postcode_l = postcode_r AND house_number_l = house_number_r", "Same postcode and house number"
            ),
            cll.CustomLevel("len(list_intersect(address_words_l, address_words_r)) >= 3", "Same address, 3+ words"),
            cll.CustomLevel("postcode_l = postcode_r", "Same postcode"),
            cll.CustomLevel("len(list_intersect(address_words_l, address_words_r)) >= 2", "Address shares 2 words"),
            cll.CustomLevel("postcode_outward_l = postcode_outward_r", "Same postcode district"),
            cll.ElseLevel(),
        ],
    )


def swapped_names() -> cll.CustomLevel:
    """First name and surname the other way round (common where a form's order is not the person's own). Its m is
    fixed: where swaps are rare, EM drives it towards zero, below what Splink can hold (1e-300), and stops."""
    return cll.CustomLevel(
        "first_name_l = surname_r AND surname_l = first_name_r", "First name and surname swapped"
    ).configure(m_probability=0.002, fix_m_probability=True)


def _first_name() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="first_name",
        comparison_levels=[
            cll.NullLevel("first_name"),
            cll.ExactMatchLevel("first_name"),
            cll.CustomLevel(
                "len(list_intersect(first_name_variants_l, first_name_variants_r)) > 0", "Nickname of the same name"
            ),
            swapped_names(),
            cll.JaroWinklerLevel("first_name", 0.92),
            cll.JaroWinklerLevel("first_name", 0.8),
            cll.ElseLevel(),
        ],
    )


def _surname() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="surname",
        comparison_levels=[
            cll.NullLevel("surname"),
            cll.ExactMatchLevel("surname"),
            swapped_names(),
            cll.JaroWinklerLevel("surname", 0.92),
            cll.CustomLevel("len(list_intersect(surname_parts_l, surname_parts_r)) > 0", "Part of a double surname"),
            cll.JaroWinklerLevel("surname", 0.8),
            cll.ElseLevel(),
        ],
    )


def _date_of_birth() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="date_of_birth",
        comparison_levels=[
            cll.NullLevel("date_of_birth"),
            cll.ExactMatchLevel("date_of_birth"),
            cll.CustomLevel("date_of_birth_l = date_of_birth_swapped_r", "Day and month swapped"),
            cll.LevenshteinLevel("date_of_birth", 1),
            cll.CustomLevel("left(date_of_birth_l, 4) = left(date_of_birth_r, 4)", "Same year"),
            cll.ElseLevel(),
        ],
    )


BLOCKING_RULES = [
    block_on("nhs_number"),
    block_on("surname", "date_of_birth"),
    block_on("first_name", "date_of_birth"),
    block_on("postcode", "date_of_birth"),
    CustomRule("l.date_of_birth = r.date_of_birth_swapped AND l.surname = r.surname"),
    block_on("first_name", "surname"),
    block_on("first_name", "postcode"),
    block_on("surname", "postcode"),
    block_on("house_number", "date_of_birth"),
    block_on("first_name", "house_number"),
    CustomRule("l.first_name = r.surname AND l.surname = r.first_name"),
]


def settings() -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="record_id",
        comparisons=[
            _first_name(),
            _surname(),
            _date_of_birth(),
            cl.ExactMatch("sex"),
            _address(),
            cl.ExactMatch("nhs_number"),
        ],
        blocking_rules_to_generate_predictions=BLOCKING_RULES,
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=True,  # each comparison's match weight: review_condition reads them
    )


def train(linker: Linker) -> None:
    """Unsupervised: the prior from near-certain rules, u from random pairs, m by expectation maximisation."""
    linker.training.estimate_probability_two_random_records_match(
        [block_on("nhs_number"), block_on("first_name", "surname", "date_of_birth")], recall=0.8
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=5e6, seed=1)
    # Two sessions, each estimating what the other's blocking leaves out. Not blocked on the address: pairs that
    # share one are mostly families, whom EM would learn as matches.
    for rule in (block_on("first_name", "surname"), block_on("date_of_birth")):
        linker.training.estimate_parameters_using_expectation_maximisation(rule, max_pairs=2e6)


@dataclass(frozen=True)
class Linked:
    """Each record's cluster (the person it belongs to) and its best match probability with any other record."""

    clusters: pd.DataFrame  # record_id, cluster_id, best_match_probability
    pairs: int  # pairs scored


def linker_for(frame: pd.DataFrame, db_api: Any = None) -> Linker:
    """A Linker over `frame` (COLUMNS as text), its records prepared."""
    db_api = db_api or DuckDBAPI()
    con = db_api.duckdb_con
    con.register("records", frame[COLUMNS].astype(object).where(frame[COLUMNS].notna(), None))
    prepare(con, "records")
    con.unregister("records")
    return Linker(db_api.register("prepared"), settings(), log_level=logging.WARNING)


def dedupe(frame: pd.DataFrame, *, threshold: float = THRESHOLD, hold_for_review: bool = True) -> Linked:
    """Train on `frame`, score its pairs, and cluster at `threshold`; with `hold_for_review`, pairs that need a
    person's decision (HELD_FOR_REVIEW) are not linked."""
    linker = linker_for(frame)
    train(linker)
    predictions = linker.inference.predict(threshold_match_probability=0.01, warning_mode="never")
    return cluster(linker, predictions, threshold, hold_for_review=hold_for_review)


# A pair whose first names or sexes disagree is never linked without a person deciding: twins and siblings are the
# commonest false matches, and their surname, date of birth and address all agree.
HELD_FOR_REVIEW = ("first_name", "sex")


def review_condition(linker: Linker) -> str:
    """SQL on a prediction: true when a comparison in HELD_FOR_REVIEW fell in its last level (they disagree). The
    prediction keeps each comparison's match weight, which is the level's trained weight exactly."""
    held = []
    for comparison in linker._settings_obj.comparisons:  # noqa: SLF001 - the trained model
        weight = comparison.comparison_levels[-1]._match_weight  # noqa: SLF001
        if comparison.output_column_name in HELD_FOR_REVIEW and weight is not None:
            held.append(f"mw_{comparison.output_column_name} = cast({weight} as float8)")
    return " OR ".join(held) or "false"


def cluster(linker: Linker, predictions: Any, threshold: float, *, hold_for_review: bool = True) -> Linked:
    """Cluster the pairs at or above `threshold`, leaving out those that need review unless told not to."""
    con = linker._db_api.duckdb_con  # noqa: SLF001 - the DuckDB connection the tables live on
    held = f"WHERE NOT ({review_condition(linker)})" if hold_for_review else ""
    edges = linker._db_api.register(  # noqa: SLF001
        con.sql(f"SELECT * FROM {predictions.physical_name} {held}"),  # noqa: S608  # nosec B608
        table_name="linkable_pairs",
    )
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(edges, threshold_match_probability=threshold)
    result = con.sql(
        f"""
        WITH ends AS (
            SELECT record_id_l AS record_id, match_probability FROM {predictions.physical_name}
            UNION ALL
            SELECT record_id_r, match_probability FROM {predictions.physical_name}
        )
        SELECT c.record_id, c.cluster_id, coalesce(max(e.match_probability), 0) AS best_match_probability
        FROM {clusters.physical_name} c LEFT JOIN ends e USING (record_id)
        GROUP BY c.record_id, c.cluster_id
        """  # noqa: S608  # nosec B608 - our own table names
    ).df()
    pairs = con.sql(f"SELECT count(*) FROM {predictions.physical_name}").fetchall()[0][0]  # noqa: S608  # nosec B608
    return Linked(clusters=result, pairs=pairs)
