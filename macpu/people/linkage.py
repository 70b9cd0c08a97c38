"""Linking records about the same people: Splink on DuckDB (ADR 0010).

Every agency holds the same child under its own spelling, an old address, a nickname or a mistyped date of birth,
often without the NHS number. Splink learns, without labels (expectation maximisation), how much each kind of
agreement and disagreement says, and scores every pair that shares a blocking key.

- ``prepare`` normalises records in DuckDB SQL: names without accents, case or punctuation; each first name's
  formal forms from the offline ``nicknames`` package; the date of birth with its day and month swapped; the
  postcode, its outward code and its first two characters; the address as distinct words, with the house number
  (the last number: a flat's comes before it) and the street (the word after it) apart; a valid NHS number; the
  two initials in order (a blocking key that a swap of names leaves alone).
- ``settings`` is the model. One combined address comparison (postcode and street compared separately would count a
  household twice); first names with a nickname level; first name and surname swapped, also with a typo or with
  one of them lost; a day/month-swapped date of birth level; the NHS number a strong comparison and a blocking
  rule, not a hard key (it is mistyped too).
- ``train`` estimates the model without labels; ``predict`` scores the pairs the blocking rules find; ``cluster``
  joins records into people; ``dedupe`` does all three for a file of records. A pair whose first names or sexes
  disagree is held for a person to decide, not linked (``review_condition``).

bench/linkage.py measures the model against FEBRL4 and synthetic agency records, and times it at 1,000,000 and
5,000,000 records (the figures go in issue #6's closing note). Most of the time is in the blocking joins and in
joining each pair's two records back together, so the levels' SQL avoids list_intersect and edit distances on
every pair.

The person index is linked with this model by macpu.people.batch, new details at intake are scored with its
trained weights by macpu.people.matching, and macpu.people.spark runs it on Spark.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from nicknames import NickNamer
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
from splink.blocking_rule_library import CustomRule
from splink.clustering import cluster_pairwise_predictions_at_threshold

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
    CASE WHEN len(names.variants) > 1 THEN names.variants END AS first_name_variants,
    surname,
    CASE WHEN len(surname_parts) > 1 THEN surname_parts END AS surname_parts,
    strftime(dob, '%Y-%m-%d') AS date_of_birth,
    CASE WHEN day(dob) <= 12 AND day(dob) <> month(dob)
         THEN strftime(make_date(year(dob), day(dob), month(dob)), '%Y-%m-%d') END AS date_of_birth_swapped,
    sex,
    postcode,
    CASE WHEN length(postcode) >= 5 THEN left(postcode, length(postcode) - 3) ELSE postcode END AS postcode_outward,
    left(postcode, 2) AS postcode_area,
    least(left(cleaned.first_name, 1), left(surname, 1)) || greatest(left(cleaned.first_name, 1), left(surname, 1))
        AS initials,
    CASE WHEN len(address_words) > 0 THEN list_distinct(address_words) END AS address_words,
    list_filter(address_words, lambda w: regexp_full_match(w, '[0-9]+[a-z]?'))[-1] AS house_number,
    nullif(regexp_extract(array_to_string(address_words, ' '), '.*(^| )[0-9]+[a-z]? ([a-z]+)', 2), '') AS street,
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


class _Level(cll.CustomLevel):
    """A level whose SQL is DuckDB's, translated by Splink (sqlglot) for another backend such as Spark, with the
    Jaro-Winkler function given that backend's own name (sqlglot does not know Splink's) and hamming (used only on
    strings of one width, where it is the edit distance) that backend's levenshtein."""

    def create_sql(self, sql_dialect: Any) -> str:
        sql = super().create_sql(sql_dialect)
        if sql_dialect.sql_dialect_str != "duckdb":
            sql = re.sub(
                r"(?i)jarowinkler_similarity|jaro_winkler_similarity", sql_dialect.jaro_winkler_function_name, sql
            )
            sql = re.sub(r"(?i)\bhamming\(", f"{sql_dialect.levenshtein_function_name}(", sql)
        return sql


def _level(sql: str, label: str | None = None) -> cll.CustomLevel:
    return _Level(sql, label, base_dialect_str="duckdb")


def _shared(column: str) -> str:
    """SQL: how many of the l record's (distinct) list items the r record has too. Much faster in DuckDB than
    len(list_intersect(...)), which builds a hash set for every pair."""
    return f"array_length(list_filter({column}_l, lambda w: list_contains({column}_r, w)))"


def _overlap(column: str, alone: str) -> str:
    """SQL: the two records' `column` lists share an item, where a record without a list (NULL: it would hold one
    item) stands for its `alone` value. Lists of one are left NULL, which keeps the pairs small to join."""
    return (
        f"CASE WHEN {column}_l IS NULL THEN list_contains({column}_r, {alone}_l) "
        f"WHEN {column}_r IS NULL THEN list_contains({column}_l, {alone}_r) ELSE {_shared(column)} > 0 END"
    )


def _address() -> cl.CustomComparison:
    """One comparison for where a person lives: the postcode and the address words together. A mistyped postcode
    with the same house and street is nearly as strong as the same postcode; address words in common count for
    more with the same street than without it (three words such as "place", a town and a county are common to
    strangers: FEBRL4's false matches were such pairs)."""
    nothing = "(postcode_{s} IS NULL AND address_words_{s} IS NULL)"
    words = _shared("address_words")
    return cl.CustomComparison(
        output_column_name="address",
        comparison_levels=[
            _level(f"{nothing.format(s='l')} OR {nothing.format(s='r')}").configure(is_null_level=True),
            _level(
                f"postcode_l = postcode_r AND house_number_l = house_number_r AND {words} >= 3",
                "Same postcode, house number and street",
            ),
            _level("postcode_l = postcode_r AND house_number_l = house_number_r", "Same postcode and house number"),
            _level(f"postcode_l = postcode_r AND {words} >= 3", "Same postcode and street"),
            _level("house_number_l = house_number_r AND street_l = street_r", "Same house number and street"),
            _level(f"street_l = street_r AND {words} >= 3", "Same street, 3+ words"),
            _level(f"{words} >= 3", "Same address, 3+ words"),
            _level("postcode_l = postcode_r", "Same postcode"),
            _level(f"{words} >= 2", "Address shares 2 words"),
            _level("postcode_outward_l = postcode_outward_r", "Same postcode district"),
            cll.ElseLevel(),
        ],
    )


def swapped_names() -> cll.CustomLevel:
    """First name and surname the other way round (common where a form's order is not the person's own), each
    within Jaro-Winkler 0.9 of the other record's, so that a typo as well does not hide the swap. Its m is fixed:
    where swaps are rare, EM drives it towards zero, below what Splink can hold (1e-300), and stops."""
    crossed = "jaro_winkler_similarity({a}_l, {b}_r) >= 0.9"
    return _level(
        # The initials first (swapped names keep them; the column is made once per record), then the first letters
        # crossed: they rule out almost every pair before the slower similarity is computed, twice.
        "initials_l = initials_r AND left(first_name_l, 1) = left(surname_r, 1) AND "
        "left(surname_l, 1) = left(first_name_r, 1) AND "
        f"{crossed.format(a='first_name', b='surname')} AND {crossed.format(a='surname', b='first_name')}",
        "First name and surname swapped",
    ).configure(m_probability=0.002, fix_m_probability=True)


def _first_name() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="first_name",
        comparison_levels=[
            cll.NullLevel("first_name"),
            cll.ExactMatchLevel("first_name"),
            _level(_overlap("first_name_variants", "first_name"), "Nickname of the same name"),
            swapped_names(),
            cll.JaroWinklerLevel("first_name", 0.92),
            cll.JaroWinklerLevel("first_name", 0.8),
            # One record's first name is the other's surname, the other name lost or replaced. Only here, not in
            # the surname comparison as well, so that one agreement counts once; m fixed as for swapped_names.
            _level(
                "first_name_l = surname_r OR surname_l = first_name_r", "First name is the other's surname"
            ).configure(m_probability=0.002, fix_m_probability=True),
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
            _level(_overlap("surname_parts", "surname"), "Part of a double surname"),
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
            _level("date_of_birth_l = date_of_birth_swapped_r", "Day and month swapped"),
            # Dates of one width: an edit distance of 1 is one digit wrong, which DuckDB's hamming finds ten times
            # faster than levenshtein (_Level gives other backends levenshtein).
            _level("hamming(date_of_birth_l, date_of_birth_r) <= 1", "One digit wrong"),
            _level("left(date_of_birth_l, 4) = left(date_of_birth_r, 4)", "Same year"),
            cll.ElseLevel(),
        ],
    )


# Between them they find 99.7% of the true pairs in 1,000,000 synthetic records, from 4.3 million pairs. Each rule
# skips the pairs that rules before it found, at a cost per pair for every rule before it: so the rules that find
# the most pairs come first. First name with house number (8 million pairs for 0.04% of the true pairs) is left
# out; postcode is kept only with the initials, which leaves out most of a household or block of flats (postcode
# with house number: 2.6 million pairs; postcode with the initials: 0.6 million). The last two find true pairs
# whose names have a typo and whose date of birth and postcode are wrong too (16 linked in FEBRL4), by the first
# three letters of both names with the street or the postcode area: 0.5 and 0.6 million pairs, nearly all found
# by the rules before them.
BLOCKING_RULES = [
    block_on("first_name", "surname"),
    block_on("surname", "postcode"),
    block_on("postcode_area", "date_of_birth"),
    block_on("house_number", "date_of_birth"),
    block_on("first_name", "date_of_birth"),
    block_on("surname", "date_of_birth"),
    block_on("postcode", "initials"),
    block_on("first_name", "postcode"),
    block_on("nhs_number"),
    CustomRule("l.date_of_birth = r.date_of_birth_swapped AND l.surname = r.surname"),
    CustomRule("l.first_name = r.surname AND l.surname = r.first_name"),
    block_on("left(first_name, 3)", "left(surname, 3)", "street"),
    block_on("left(first_name, 3)", "left(surname, 3)", "postcode_area"),
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


EM_RULES = [block_on("first_name", "surname"), block_on("date_of_birth")]


def train(linker: Linker) -> None:
    """Unsupervised: the prior from near-certain rules, u from random pairs, m by expectation maximisation, then the
    prior again from the trained m (``_recall_of_exact_rule``): guessing that the near-certain rules find 80% of
    the true pairs put the prior at half the truth on FEBRL4, where many true pairs have a corrupted name or date."""
    linker.training.estimate_probability_two_random_records_match(
        [block_on("nhs_number"), block_on("first_name", "surname", "date_of_birth")], recall=0.8
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=5e6, seed=1)
    # Two sessions, each estimating what the other's blocking leaves out. Not blocked on the address: pairs that
    # share one are mostly families, whom EM would learn as matches.
    for rule in EM_RULES:
        linker.training.estimate_parameters_using_expectation_maximisation(rule, max_pairs=2e6)
    # The prior again, now that the model says what share of true pairs agree exactly on all three.
    linker.training.estimate_probability_two_random_records_match(EXACT_RULE, recall=_recall_of_exact_rule(linker))


# Pairs that agree exactly on first name, surname and date of birth: nearly all the same person.
EXACT_RULE = [block_on("first_name", "surname", "date_of_birth")]


def _recall_of_exact_rule(linker: Linker) -> float:
    """The share of true pairs that EXACT_RULE finds, from the trained model: for each of its columns, the chance
    that both records hold it times the exact-match level's m (Fellegi-Sunter's independence, as the model)."""
    table = next(iter(linker._input_tables_dict.values())).physical_name  # noqa: SLF001
    columns = ("first_name", "surname", "date_of_birth")
    present = linker.misc.query_sql(
        "SELECT "  # noqa: S608  # nosec B608 - our own column and table names
        + ", ".join(f"avg(CASE WHEN {c} IS NULL THEN 0.0 ELSE 1.0 END) AS {c}" for c in columns)
        + f" FROM {table}",
        output_type="pandas",
    ).iloc[0]
    recall = 1.0
    for comparison in linker._settings_obj.comparisons:  # noqa: SLF001
        if comparison.output_column_name in columns:
            exact = next(level for level in comparison.comparison_levels if not level.is_null_level)
            recall *= float(present[comparison.output_column_name]) ** 2 * (exact._m_probability or 0)  # noqa: SLF001
    return min(max(recall, 0.05), 1.0)


@dataclass(frozen=True)
class Linked:
    """Each record's cluster (the person it belongs to) and its best match probability with any other record."""

    clusters: pd.DataFrame  # record_id, cluster_id, best_match_probability
    pairs: int  # pairs scored


# DuckDB's memory for linking n records: it spills to disk past this, instead of taking 80% of the machine.
# (1 GB made DuckDB spill at 1,000,000 records and predict took half as long again; 1.5 GB did not.)
MEMORY_FLOOR = 1500 * 1024**2
MEMORY_PER_RECORD = 1000  # bytes: 5,000,000 records in 4.7 GB (bench/linkage.py)


def linker_for(frame: pd.DataFrame, db_api: Any = None) -> Linker:
    """A Linker over `frame` (COLUMNS as text), its records prepared. A DuckDBAPI made here has its memory limited
    (MEMORY_FLOOR, MEMORY_PER_RECORD); one passed in is used as it is."""
    if db_api is None:
        db_api = DuckDBAPI()
        limit = max(MEMORY_FLOOR, MEMORY_PER_RECORD * len(frame)) // 1024**2
        db_api.duckdb_con.execute(f"SET memory_limit = '{limit}MB'")
    con = db_api.duckdb_con
    con.register("records", frame[COLUMNS].astype(object).where(frame[COLUMNS].notna(), None))
    prepare(con, "records")
    con.unregister("records")
    return Linker(db_api.register("prepared"), settings(), log_level=logging.WARNING)


# Pairs scored below this match probability are not kept. Clusters need only pairs at THRESHOLD and above; the
# review queue takes uncertain pairs from 0.5 (services.REVIEW_FLOOR), and each record's best match probability is
# reported down to this floor (below it, 0).
PREDICT_FLOOR = 0.01


def predict(linker: Linker, floor: float = PREDICT_FLOOR) -> Any:
    """Score every pair the blocking rules find, keeping those at or above `floor` (a SplinkDataFrame)."""
    return linker.inference.predict(threshold_match_probability=floor, warning_mode="never")


def dedupe(frame: pd.DataFrame, *, threshold: float = THRESHOLD, hold_for_review: bool = True) -> Linked:
    """Train on `frame`, score its pairs, and cluster at `threshold`; with `hold_for_review`, pairs that need a
    person's decision (HELD_FOR_REVIEW) are not linked."""
    linker = linker_for(frame)
    train(linker)
    return cluster(linker, predict(linker), threshold, hold_for_review=hold_for_review)


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
            held.append(f"mw_{comparison.output_column_name} = cast({weight} as double)")
    return " OR ".join(held) or "false"


def cluster(linker: Linker, predictions: Any, threshold: float, *, hold_for_review: bool = True) -> Linked:
    """Cluster the pairs at or above `threshold`, leaving out those that need review unless told not to.

    Splink's connected components run on whole-number stand-ins for the record ids and on the linking pairs alone:
    the linker's own clustering joins every record's prepared columns back on, which `Linked` does not need, and
    text ids are slower to join (together over a second of the three at 1,000,000 records). A cluster's id is one
    of its records' record_id."""
    db_api = linker._db_api  # noqa: SLF001 - the database the tables live on
    con = db_api.duckdb_con
    records = next(iter(linker._input_tables_dict.values())).physical_name  # noqa: SLF001
    scored = predictions.physical_name
    held = f"AND NOT ({review_condition(linker)})" if hold_for_review else ""
    # Our own table names, and numbers.
    con.execute(
        "CREATE OR REPLACE TEMP TABLE __macpu_ids AS "  # noqa: S608  # nosec B608
        f"SELECT record_id, (row_number() OVER ())::INTEGER AS n FROM {records}"
    )
    edges = db_api.register(
        con.sql(
            f"""
            SELECT l.n AS n_l, r.n AS n_r
            FROM {scored} p
            JOIN __macpu_ids l ON l.record_id = p.record_id_l
            JOIN __macpu_ids r ON r.record_id = p.record_id_r
            WHERE p.match_probability >= {float(threshold)!r} {held}
            """  # noqa: S608  # nosec B608
        ),
        table_name="__macpu_linking_pairs",
    )
    nodes = db_api.register(con.sql("SELECT n FROM __macpu_ids"), table_name="__macpu_nodes")
    clusters = cluster_pairwise_predictions_at_threshold(nodes, edges, db_api, node_id_column_name="n")
    result = (
        con.sql(
            f"""
            WITH ends AS (
                SELECT record_id_l AS record_id, match_probability FROM {scored}
                UNION ALL
                SELECT record_id_r, match_probability FROM {scored}
            ),
            best AS (SELECT record_id, max(match_probability) AS best_match_probability FROM ends GROUP BY record_id)
            SELECT i.record_id, r.record_id AS cluster_id,
                   coalesce(b.best_match_probability, 0) AS best_match_probability
            FROM __macpu_ids i
            JOIN {clusters.physical_name} c ON c.n = i.n
            JOIN __macpu_ids r ON r.n = c.cluster_id
            LEFT JOIN best b ON b.record_id = i.record_id
            """  # noqa: S608  # nosec B608
        )
        .arrow()
        .read_all()
        .to_pandas()
    )
    pairs = con.sql(f"SELECT count(*) FROM {scored}").fetchall()[0][0]  # noqa: S608  # nosec B608
    clusters.drop_table_from_database_and_remove_from_cache()
    for table in (edges, nodes):
        table.drop_table_from_database_and_remove_from_cache(force_non_splink_table=True)
    con.execute("DROP TABLE __macpu_ids")
    return Linked(clusters=result, pairs=pairs)
