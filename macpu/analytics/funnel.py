# ruff: noqa: S608 - every SQL string here is built from this module's own fixed fragments and integers, never input
"""The unit's own records as aggregates: the funnel from contact to plan, and measures followed per enquiry.

How it runs (bench/unit_funnel.py times it over a million referrals): ``load`` reads only the columns the measures and
the chosen breakdown need, once, as CSV the database builds itself in one value per table (SQLite's group_concat of
printf, PostgreSQL's string_agg of format), so that no Python object is made per row; pyarrow parses it (dates become
whole days since 1970) and an in-memory DuckDB reads the Arrow tables in place. ``funnel`` and ``measures`` are then
SQL in DuckDB, with window functions for "the next one for the same child". Working days come from macpu.timescales:
each day's due date for each clock is worked out once by ``WorkingDayCalendar.add_working_days`` (cached) and joined
in. Only counts leave this module: no name, id or date of a child.

The funnel counts each step by its own date (a contact by the day it was received, a plan by the day it started),
per period, broken down by what is known of the referral behind it and the child. A contact about two children
counts twice, once per child, as a referral does.

Each measure follows its own records forward from the day they started (a cohort), rather than dividing this year's
plans by this year's enquiries; a record counts only once it can be judged (the 12 months have passed, the enquiry
has finished, the clock is met or overdue). ``MEASURES`` defines each one.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
from django.db import connection as default_connection
from django.db import transaction

from macpu.analytics.charts import BarValue, bar_chart
from macpu.analytics.stats import complementary, newcombe, rate_suppressed, suppress_column, suppressed, wilson
from macpu.core.codes import Ethnicity, ReferralSource, Sex
from macpu.timescales.calendar import WorkingDayCalendar
from macpu.timescales.clocks import (
    ASSESSMENT_WORKING_DAYS,
    FIRST_CORE_GROUP_WORKING_DAYS,
    INITIAL_CONFERENCE_WORKING_DAYS,
    REFERRAL_DECISION_WORKING_DAYS,
    LocalPolicy,
)

EPOCH = dt.date(1970, 1, 1)

STAGES: dict[str, str] = {
    "contacts": "Contacts",
    "referrals": "Referrals",
    "strategy": "Strategy discussions",
    "s47": "Section 47 enquiries",
    "icpc": "Initial child protection conferences",
    "plans": "Child protection plans started",
}

PERIODS: dict[str, str] = {"year": "Year (April to March)", "quarter": "Quarter", "month": "Month"}

BREAKDOWNS: dict[str, str] = {
    "none": "No breakdown",
    "source": "Who referred",
    "rag": "Rating of the information requests",
    "team": "Team",
    "decided_by": "Who made the front-door decision",
    "age": "Child's age",
    "sex": "Child's sex",
    "ethnicity": "Child's ethnicity",
    "disability": "Child's disability",
}


@dataclass(frozen=True)
class Measure:
    key: str
    title: str  # what the share is of
    events: str  # what is counted in it
    total: str  # what it is out of
    definition: str  # the precise rule, shown on the page and in the user guide
    higher_is_better: bool | None = None


MEASURES: dict[str, Measure] = {
    m.key: m
    for m in [
        Measure(
            "s47_plan",
            "Section 47 enquiries leading to a plan",
            "Led to a plan",
            "Enquiries finished",
            "Of the section 47 enquiries that started in the period and have finished (the enquiry found no "
            "conference was needed, or its initial conference has been held), the share whose initial conference "
            "decided the child needed a child protection plan.",
        ),
        Measure(
            "repeat_s47",
            "Repeat section 47 enquiry within 12 months",
            "Another enquiry within 12 months",
            "Enquiries followed for 12 months",
            "Of the section 47 enquiries that started in the period at least 12 months ago, the share where another "
            "enquiry about the same child started after it and on or before the same date 12 months later.",
            higher_is_better=False,
        ),
        Measure(
            "re_referral",
            "Re-referral within 12 months",
            "Referred again within 12 months",
            "Referrals followed for 12 months",
            "Of the referrals received in the period at least 12 months ago, the share where another referral about "
            "the same child was received after it and on or before the same date 12 months later.",
            higher_is_better=False,
        ),
        Measure(
            "plan_short",
            "Plans ending within 3 months",
            "Ended within 3 months",
            "Plans followed for 3 months",
            "Of the child protection plans that started in the period at least 3 months ago, the share that ended "
            "on or before the same date 3 months after they started.",
            higher_is_better=False,
        ),
        Measure(
            "plan_repeat",
            "Second or later plans",
            "Child had an earlier plan",
            "Plans started",
            "Of the child protection plans that started in the period, the share for a child who had an earlier plan "
            "recorded in macpu (plans before the unit's records began are not known).",
            higher_is_better=False,
        ),
        Measure(
            "t_contact",
            "Contacts decided on time",
            "Decided on time",
            "Contacts due",
            "Of the contacts received in the period (one per child named) that were decided or are overdue, the "
            "share decided within the local number of working days.",
            higher_is_better=True,
        ),
        Measure(
            "t_referral",
            "Referrals decided within 1 working day",
            "Decided on time",
            "Referrals due",
            "Of the referrals received in the period that were decided or are overdue, the share decided within 1 "
            "working day of receipt.",
            higher_is_better=True,
        ),
        Measure(
            "t_strategy",
            "Strategy discussions held on time",
            "Held on time",
            "Strategy discussions due",
            "Each decision that a strategy discussion is needed (at the referral decision, or when an assessment "
            "ends with one) starts a clock of the local number of working days; of those started in the period "
            "that were met or are overdue, the share where a strategy discussion was held on time.",
            higher_is_better=True,
        ),
        Measure(
            "t_assessment",
            "Assessments authorised within 45 working days",
            "Authorised on time",
            "Assessments due",
            "Of the assessments whose clock started in the period (the referral date for a referral's first "
            "assessment, otherwise the assessment's start) that were authorised or are overdue, the share authorised "
            "within 45 working days.",
            higher_is_better=True,
        ),
        Measure(
            "t_icpc",
            "Initial conferences within 15 working days",
            "Held on time",
            "Conferences due",
            "Of the section 47 enquiries needing an initial conference whose strategy discussion was in the period, "
            "and whose conference was held or is overdue, the share held within 15 working days of that discussion.",
            higher_is_better=True,
        ),
        Measure(
            "t_core_group",
            "First core groups within 10 working days",
            "Held on time",
            "Core groups due",
            "Of the plans that started in the period whose first core group was held or is overdue, the share held "
            "within 10 working days of the initial conference.",
            higher_is_better=True,
        ),
        Measure(
            "t_first_review",
            "First review conferences within 3 months",
            "Held on time",
            "Reviews due",
            "Of the plans that started in the period whose first review was held, or is overdue with the plan still "
            "open, the share reviewed on or before the same date 3 months after the initial conference.",
            higher_is_better=True,
        ),
        Measure(
            "t_later_review",
            "Later review conferences within 6 months",
            "Held on time",
            "Reviews due",
            "Of the review conferences held in the period whose next review was held, or is overdue with the plan "
            "still open, the share where the next review was on or before the same date 6 months later.",
            higher_is_better=True,
        ),
    ]
}

AGE_BANDS = {
    "unborn": "Unborn",
    "0": "Under 1",
    "1": "1 to 4",
    "5": "5 to 9",
    "10": "10 to 15",
    "16": "16 and over",
    "unknown": "Not recorded",
}
RAG_LABELS = {"red": "Red", "amber": "Amber", "green": "Green", "none": "No information request"}
DISABILITY_LABELS = {"yes": "Disabled", "no": "Not disabled", "unknown": "Not recorded"}


# --- reading the records ----------------------------------------------------------------------------------------


_INT, _DATE, _TEXT = "INTEGER", "DATE", "VARCHAR"
_CHILD_DETAILS = {"age", "sex", "ethnicity", "disability"}


@dataclass(frozen=True)
class _Query:
    sql: str
    types: dict[str, str]  # each column's name and type, in the query's order (dates become days since 1970)


def _days(expression: str, vendor: str) -> str:
    """SQL for a date as whole days since 1 January 1970 (NULL stays NULL) on PostgreSQL: shorter to send than the
    date. SQLite sends the ISO text it holds as it is (working out the day number there costs more than pyarrow's
    parsing the text), and ``_arrow`` turns it into days."""
    if vendor == "postgresql":
        return f"({expression} - DATE '1970-01-01')"
    return expression


def _contacts_counted(wanted: set[str], vendor: str) -> bool:
    """Whether contact-children are read already counted per day, decision day and breakdown (PostgreSQL groups a
    million rows faster than it can send them; SQLite sorts to group, which is slower than sending). The child's own
    details need each child, so they are read one row per contact-child."""
    return vendor == "postgresql" and not wanted & _CHILD_DETAILS


def _queries(wanted: set[str], vendor: str) -> dict[str, _Query]:
    """Only the columns the measures and the wanted breakdowns need: every value read costs time at a million rows."""

    def _query(table: str, columns: list[tuple[str, str, str]], rest: str = "") -> _Query:
        """SELECT the (expression, name, type) columns FROM table, then the rest (joins, WHERE, GROUP BY)."""
        selected = ", ".join(_days(e, vendor) if t == _DATE else e for e, _, t in columns)
        return _Query(f"SELECT {selected} FROM {table} {rest}", {n: t for _, n, t in columns})  # nosec B608

    extra: list[tuple[str, str, str]] = []  # a referral's and a contact's own columns for a breakdown
    for breakdown, name, kind in (
        ("source", "source", _TEXT),
        ("team", "team", _INT),
        ("decided_by", "decided_by", _INT),
    ):
        if breakdown in wanted:
            extra.append((f"{name}_id" if kind == _INT else name, name, kind))
    details = wanted & _CHILD_DETAILS
    counted = _contacts_counted(wanted, vendor)
    contact_extra = [("c.referral_source" if n == "source" else f"c.{e}", n, t) for e, n, t in extra]
    contact_rest = "JOIN intake_contact_children cc ON cc.contact_id = c.id"
    rag = "MIN(CASE rag WHEN 'red' THEN 1 WHEN 'amber' THEN 2 ELSE 3 END)"
    if "rag" in wanted:
        extra.append(("contact_id", "contact", _INT))
        if counted:
            contact_extra.append(("r.rag", "rag_code", _INT))
            per_contact = f"SELECT contact_id, {rag} AS rag FROM mash_informationrequest GROUP BY contact_id"  # nosec B608
            contact_rest += f" LEFT JOIN ({per_contact}) r ON r.contact_id = c.id"
        else:
            contact_extra.append(("c.id", "contact", _INT))
    if details:
        contact_extra.append(("cc.person_id", "person", _INT))
    if counted:  # one row per day, decision day and group, with how many contact-children
        contact_rest += " GROUP BY " + ", ".join(str(i) for i in range(1, len(contact_extra) + 3))
        contact_extra.append(("COUNT(*)", "n", _INT))
    person = [("id", "person", _INT), ("merged_into_id", "merged", _INT)]
    if "age" in details:
        person += [("date_of_birth", "dob", _DATE), ("expected_date_of_birth", "edob", _DATE)]
    person += [(n, n, _TEXT) for n in ("sex", "ethnicity") if n in details]
    queries = {
        "contact_child": _query(
            "intake_contact c",
            [("c.received_on", "received", _DATE), ("c.decided_on", "decided", _DATE), *contact_extra],
            contact_rest,
        ),
        "referral": _query(
            "intake_referral",
            [("id", "id", _INT), ("child_id", "person", _INT), ("received_on", "received", _DATE),
             ("decided_on", "decided", _DATE), ("decision", "decision", _TEXT), *extra],
        ),
        "asmt": _query(
            "casework_assessment",
            [("id", "id", _INT), ("referral_id", "referral", _INT), ("started_on", "started", _DATE),
             ("authorised_on", "authorised", _DATE)],
        ),
        # Assessments ending with a strategy discussion needed, apart: a million outcomes read for these few.
        "asmt_strategy": _query(
            "casework_assessment", [("referral_id", "referral", _INT), ("authorised_on", "authorised", _DATE)],
            "WHERE outcome = 'strategy' AND authorised_on IS NOT NULL",
        ),
        # Merged records: only those merged into another unless the child's own details are wanted.
        "person": _query("people_person", person, "" if details else "WHERE merged_into_id IS NOT NULL"),
        "s47": _query(
            "protection_s47enquiry",
            [("id", "id", _INT), ("referral_id", "referral", _INT), ("strategy_discussion_id", "sd", _INT),
             ("started_on", "started", _DATE), ("outcome", "outcome", _TEXT)],
        ),
        "sd": _query(
            "protection_strategydiscussion",
            [("id", "id", _INT), ("referral_id", "referral", _INT), ("held_on", "held", _DATE)],
        ),
        "conf": _query(
            "protection_conference",
            [("id", "id", _INT), ("referral_id", "referral", _INT), ("kind", "kind", _TEXT), ("s47_id", "s47", _INT),
             ("plan_id", "plan", _INT), ("held_on", "held", _DATE), ("decision", "decision", _TEXT)],
        ),
        "plan": _query(
            "protection_cpplan",
            [("id", "id", _INT), ("referral_id", "referral", _INT), ("started_on", "started", _DATE),
             ("ended_on", "ended", _DATE)],
        ),
        "cg": _query(
            "protection_coregroupmeeting", [("plan_id", "plan", _INT), ("MIN(held_on)", "first_held", _DATE)],
            "GROUP BY plan_id",
        ),
    }  # fmt: skip
    if "rag" in wanted:
        queries["contact_rag"] = _query(
            "mash_informationrequest",
            [("contact_id", "contact", _INT), (rag, "rag", _INT)],
            "GROUP BY contact_id",
        )  # fmt: skip
    if "disability" in wanted:
        queries["disability"] = _query(
            "people_persondisability",
            [("person_id", "person", _INT), ("MAX(CASE WHEN code = 'NONE' THEN 0 ELSE 1 END)", "disabled", _INT)],
            "GROUP BY person_id",
        )
    return queries


_ARROW = {_INT: pa.int32(), _DATE: pa.int32(), _TEXT: pa.string()}


def _csv(cursor: Any, vendor: str, sql: str, columns: int) -> bytes:
    """A query's rows as CSV, built by the database itself as one value (SQLite's group_concat of printf, PostgreSQL's
    string_agg of format), so that no Python object is made per row or value: that is the slow part of reading a
    million rows. (PostgreSQL's COPY sends a message per row, and taking them in cost the client as much as the
    query.) NULL becomes an empty field. Every text read is a code, with no comma, quote or line break."""
    names = ", ".join(f"c{i}" for i in range(columns))
    row = ",".join(["%s"] * columns)
    if vendor == "postgresql":
        cursor.execute(f"SELECT string_agg(format('{row}', {names}), chr(10)) FROM ({sql}) AS q({names})")  # nosec B608
    else:
        cursor.execute(f"WITH q({names}) AS ({sql}) SELECT group_concat(printf('{row}', {names}), char(10)) FROM q")  # nosec B608
    (text,) = cursor.fetchone()
    return (text or "").encode()


def _arrow(data: bytes, types: dict[str, str], vendor: str) -> pa.Table:
    """The CSV as an Arrow table, dates as days since 1970 (SQLite's ISO dates parsed here)."""
    schema = {c: _ARROW[t] for c, t in types.items()}
    if not data:
        return pa.table({c: pa.array([], type=t) for c, t in schema.items()})
    if vendor != "postgresql":
        schema |= {c: pa.date32() for c, t in types.items() if t == _DATE}
    table = pa_csv.read_csv(
        io.BytesIO(data),
        read_options=pa_csv.ReadOptions(column_names=list(types)),
        convert_options=pa_csv.ConvertOptions(column_types=schema),
    )
    return table.cast(pa.schema([(c, _ARROW[t]) for c, t in types.items()]))


def _read_each(connection: Any, queries: dict[str, _Query]) -> dict[str, pa.Table]:
    """The tables one after another, each parsed (by pyarrow, in another thread) while the database builds the next."""
    with connection.cursor() as cursor, ThreadPoolExecutor(max_workers=1) as parser:
        parsed = {
            n: parser.submit(_arrow, _csv(cursor, connection.vendor, q.sql, len(q.types)), q.types, connection.vendor)
            for n, q in queries.items()
        }
        return {n: p.result() for n, p in parsed.items()}


# Read on a second PostgreSQL connection at the same time as the others (about half of the database's work).
_ALONGSIDE = {"contact_child", "s47", "sd", "disability", "contact_rag"}


def _read(connection: Any, queries: dict[str, _Query]) -> dict[str, pa.Table]:
    """Every table. On PostgreSQL, outside a transaction, on two connections at once, sharing one snapshot (so both
    see the same records): the database does the work while the client waits. SQLite reads one table after another
    (two threads building its CSV were slower than one: they contend for its memory allocator), and so does a
    connection inside a transaction, whose uncommitted records another connection could not see."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return _read_each(connection, queries)
    alongside = {n: q for n, q in queries.items() if n in _ALONGSIDE}
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cursor.execute("SELECT pg_export_snapshot()")
        (snapshot,) = cursor.fetchone()
        with ThreadPoolExecutor(max_workers=1) as pool:
            other = pool.submit(_read_in_snapshot, connection, snapshot, alongside)
            tables = _read_each(connection, {n: q for n, q in queries.items() if n not in alongside})
            tables |= other.result()
    return {n: tables[n] for n in queries}


def _read_in_snapshot(connection: Any, snapshot: str, queries: dict[str, _Query]) -> dict[str, pa.Table]:
    """Read on a new connection (made and closed in this thread) with another transaction's snapshot."""
    helper = connection.copy()
    try:
        with helper.cursor() as cursor:
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            cursor.execute("SET TRANSACTION SNAPSHOT %s", [snapshot])
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            tables = _read_each(helper, queries)
            cursor.execute("COMMIT")
        return tables
    finally:
        helper.close()


def load(connection: Any = None, *, breakdown: str | None = None) -> duckdb.DuckDBPyConnection:
    """The records the measures need, read once from the database into an in-memory DuckDB, with the columns
    ``breakdown`` needs (every breakdown's when it is None)."""
    connection = connection or default_connection
    wanted = set(BREAKDOWNS) if breakdown is None else {breakdown}
    db = duckdb.connect()
    for name, table in _read(connection, _queries(wanted, connection.vendor)).items():
        db.register(name, table)  # read in place, not copied
    _prepare(db, wanted, counted=_contacts_counted(wanted, connection.vendor))
    return db


def _years(at: str) -> str:
    """SQL for a child's age in whole years on day ``at`` (both as days since 1970)."""
    b, a = "(DATE '1970-01-01' + dob)", f"(DATE '1970-01-01' + {at})"
    return (
        f"year({a}) - year({b}) - CASE WHEN month({a}) * 100 + day({a}) < month({b}) * 100 + day({b}) THEN 1 ELSE 0 END"
    )


_AGE_BAND = """CASE
    WHEN dob IS NULL AND edob IS NOT NULL THEN 'unborn'
    WHEN dob IS NULL THEN 'unknown'
    WHEN years < 0 THEN 'unborn'
    WHEN years < 1 THEN '0' WHEN years < 5 THEN '1' WHEN years < 10 THEN '5' WHEN years < 16 THEN '10'
    ELSE '16' END"""


def _prepare(db: duckdb.DuckDBPyConnection, wanted: set[str], *, counted: bool) -> None:
    """Each referral and each contact-child with its child (merged records as one) and the wanted breakdowns'
    columns, worked out once. Contact-children have n, how many each row stands for (``counted``: read already
    counted per day and group; otherwise one)."""
    db.execute(
        "CREATE MACRO plus_months(d, n) AS CAST(DATE '1970-01-01' + d + to_months(n) AS DATE) - DATE '1970-01-01'"
    )
    for name in ("referral", "contact_child"):
        columns, joins = ["t.*"], []
        contacts_counted = name == "contact_child" and counted
        if name == "contact_child" and not counted:
            columns.append("1 AS n")
        if name == "referral" or wanted & _CHILD_DETAILS:
            # The child: a person merged into another counts as that other.
            columns.append("COALESCE(p.merged, t.person) AS child")
            columns.append("p.* EXCLUDE (person, merged)")  # the child's details the breakdown needs
            joins.append("LEFT JOIN person p ON p.person = t.person")
        if "age" in wanted:
            columns.append(f"{_years('t.received')} AS years")
        if "rag" in wanted:
            code = "t.rag_code" if contacts_counted else "r.rag"
            columns.append(
                f"CASE {code} WHEN 1 THEN 'red' WHEN 2 THEN 'amber' WHEN 3 THEN 'green' ELSE 'none' END AS rag"
            )
            if not contacts_counted:
                joins.append("LEFT JOIN contact_rag r ON r.contact = t.contact")
        if "disability" in wanted:
            columns.append("CASE d.disabled WHEN 1 THEN 'yes' WHEN 0 THEN 'no' ELSE 'unknown' END AS disability")
            joins.append("LEFT JOIN disability d ON d.person = t.person")
        inner = f"SELECT {', '.join(columns)} FROM {name} t {' '.join(joins)}"  # nosec B608
        outer = f"SELECT * EXCLUDE (years), {_AGE_BAND} AS age FROM ({inner})" if "age" in wanted else inner  # nosec B608
        if name == "contact_child" and not wanted & _CHILD_DETAILS:
            # Only counted: one row per day, decision day and group, as PostgreSQL sends them (SQLite sends each).
            done = ["n"] + (["rag_code" if counted else "contact"] if "rag" in wanted else [])
            outer = f"SELECT * EXCLUDE ({', '.join(done)}), CAST(sum(n) AS BIGINT) AS n FROM ({outer}) GROUP BY ALL"  # nosec B608
        db.execute(f"CREATE TABLE {name}_x AS {outer}")


_GROUP = {
    "none": "'all'",
    "source": "source",
    "rag": "rag",
    "team": "CAST(team AS VARCHAR)",
    "decided_by": "COALESCE(CAST(decided_by AS VARCHAR), 'none')",
    "age": "age",
    "sex": "sex",
    "ethnicity": "COALESCE(NULLIF(ethnicity, ''), 'none')",
    "disability": "disability",
}
_PERIOD = {
    "month": "CAST(date_trunc('month', DATE '1970-01-01' + {d}) AS DATE)",
    "quarter": "CAST(date_trunc('quarter', DATE '1970-01-01' + {d}) AS DATE)",
    "year": "CAST(date_trunc('year', DATE '1970-01-01' + {d} - INTERVAL 3 MONTH) + INTERVAL 3 MONTH AS DATE)",
}


# --- the funnel -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Count:
    stage: str
    period: dt.date  # the first day of the period
    group: str
    count: int


def funnel(db: duckdb.DuckDBPyConnection, *, period: str, breakdown: str) -> list[Count]:
    """How many of each step, per period and group (counted per day first: a day's period is worked out once)."""
    group, when = _GROUP[breakdown], _PERIOD[period].format(d="d")
    rows = db.execute(
        f"""WITH events AS (
                SELECT 'referrals' AS stage, received AS d, id AS rid FROM referral
                UNION ALL SELECT 'strategy', held, referral FROM sd
                UNION ALL SELECT 's47', started, referral FROM s47
                UNION ALL SELECT 'icpc', held, referral FROM conf WHERE kind = 'initial'
                UNION ALL SELECT 'plans', started, referral FROM plan
            ), daily AS (
                SELECT stage, d, {group} AS g, count(*) AS n FROM events e JOIN referral_x r ON r.id = e.rid
                GROUP BY ALL
                UNION ALL
                SELECT 'contacts', received, {group}, sum(n) FROM contact_child_x GROUP BY ALL
            )
            SELECT stage, {when} AS p, g, sum(n) FROM daily GROUP BY ALL"""  # nosec B608
    ).fetchall()
    return [Count(stage, p, g, n) for stage, p, g, n in rows]


# --- the measures followed per enquiry ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    measure: str
    period: dt.date
    group: str
    events: int
    total: int


_due_cache: dict[tuple[int, int, bool, int], int] = {}


def _due_table(days: range, n: int, calendar: WorkingDayCalendar, policy: LocalPolicy) -> pd.DataFrame:
    """The due date of an n-working-day clock started on each day, from macpu.timescales (cached: a day's due date
    does not change)."""
    due = []
    for day in days:
        key = (id(calendar), n, policy.start_day_counts, day)
        if key not in _due_cache:
            start = EPOCH + dt.timedelta(days=day)
            _due_cache[key] = (
                calendar.add_working_days(start, n, start_day_counts=policy.start_day_counts) - EPOCH
            ).days
        due.append(_due_cache[key])
    return pd.DataFrame({"st": pd.Series(days, dtype="int32"), "due": pd.Series(due, dtype="int32")})


def measures(
    db: duckdb.DuckDBPyConnection,
    *,
    period: str,
    breakdown: str,
    today: dt.date,
    calendar: WorkingDayCalendar,
    policy: LocalPolicy,
) -> list[Tally]:
    """Every measure in MEASURES: events and total per period and group (each record's period is its start's)."""
    as_of = (today - EPOCH).days
    group = _GROUP[breakdown]

    # The working-day clocks: (name, the rows with rid, st (start) and met, working days).
    # A clock on a referral itself gives its group (g) rather than the referral (rid) to join again.
    clocks: list[tuple[str, str, int]] = [
        (
            "t_referral",
            f"SELECT {group} AS g, received AS st, decided AS met FROM referral_x",  # nosec B608
            REFERRAL_DECISION_WORKING_DAYS,
        ),
        (
            "t_strategy",
            """WITH starts AS (
                SELECT id AS rid, decided AS st FROM referral_x WHERE decision = 'strategy' AND decided IS NOT NULL
                UNION SELECT referral, authorised FROM asmt_strategy)
            SELECT s.rid, s.st, min(sd.held) AS met
            FROM starts s LEFT JOIN sd ON sd.referral = s.rid AND sd.held >= s.st
            GROUP BY s.rid, s.st""",
            policy.strategy_discussion_working_days,
        ),
        (
            "t_assessment",
            """SELECT a.referral AS rid,
                CASE WHEN row_number() OVER (PARTITION BY a.referral ORDER BY a.started, a.id) = 1
                     THEN r.received ELSE a.started END AS st,
                a.authorised AS met
            FROM asmt a JOIN referral_x r ON r.id = a.referral""",
            ASSESSMENT_WORKING_DAYS,
        ),
        (
            "t_icpc",
            """SELECT s.referral AS rid, sd.held AS st, c.held AS met
            FROM s47 s JOIN sd ON sd.id = s.sd LEFT JOIN conf c ON c.s47 = s.id AND c.kind = 'initial'
            WHERE s.outcome = 'conference' OR c.id IS NOT NULL""",
            INITIAL_CONFERENCE_WORKING_DAYS,
        ),
        (
            "t_core_group",
            "SELECT p.referral AS rid, p.started AS st, cg.first_held AS met "
            "FROM plan p LEFT JOIN cg ON cg.plan = p.id",
            FIRST_CORE_GROUP_WORKING_DAYS,
        ),
    ]
    # Every clock starts on a day the records hold: work out each day's due dates once, over their whole span.
    first, last = db.execute(
        """SELECT min(d), max(d) FROM (
            SELECT received AS d FROM referral UNION ALL SELECT decided FROM referral
            UNION ALL SELECT received FROM contact_child UNION ALL SELECT authorised FROM asmt
            UNION ALL SELECT held FROM sd UNION ALL SELECT started FROM plan)"""
    ).fetchall()[0]
    days = range(first, last + 1) if first is not None else range(0)
    parts, own = [], []  # the records of a referral (rid), and those of the referral itself with its group (g)
    for name, sql, n in clocks:
        db.register(f"due_{name}", _due_table(days, n, calendar, policy))
        key = "g" if name == "t_referral" else "rid"
        (own if key == "g" else parts).append(
            f"""SELECT '{name}' AS m, c.st AS d, c.{key}, CAST(c.met IS NOT NULL AND c.met <= due.due AS INTEGER) AS hit
            FROM ({sql}) c JOIN due_{name} due ON due.st = c.st
            WHERE c.met IS NOT NULL OR due.due < {as_of}"""  # nosec B608
        )
    own.append(
        f"""SELECT 're_referral', received, g,
            CAST(next_received IS NOT NULL AND next_received <= plus_months(received, 12) AS INTEGER)
        FROM (SELECT {group} AS g, received, min(received) OVER (PARTITION BY child ORDER BY received
                RANGE BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS next_received FROM referral_x)
        WHERE plus_months(received, 12) <= {as_of}"""  # nosec B608
    )
    parts += [
        """SELECT 's47_plan', s.started, s.referral, CAST(c.decision IS NOT DISTINCT FROM 'plan' AS INTEGER)
        FROM s47 s LEFT JOIN conf c ON c.s47 = s.id AND c.kind = 'initial'
        WHERE c.id IS NOT NULL OR s.outcome IN ('not_substantiated', 'no_conference')""",
        f"""SELECT 'repeat_s47', started, referral,
            CAST(next_started IS NOT NULL AND next_started <= plus_months(started, 12) AS INTEGER)
        FROM (SELECT s.started, s.referral, min(s.started) OVER (PARTITION BY r.child ORDER BY s.started
                RANGE BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS next_started
              FROM s47 s JOIN referral_x r ON r.id = s.referral)
        WHERE plus_months(started, 12) <= {as_of}""",  # nosec B608
        f"""SELECT 'plan_short', started, referral,
            CAST(ended IS NOT NULL AND ended <= plus_months(started, 3) AS INTEGER)
        FROM plan WHERE plus_months(started, 3) <= {as_of}""",  # nosec B608
        """SELECT 'plan_repeat', p.started, p.referral,
            CAST(row_number() OVER (PARTITION BY r.child ORDER BY p.started, p.id) > 1 AS INTEGER)
        FROM plan p JOIN referral_x r ON r.id = p.referral""",
        f"""SELECT 't_first_review', p.started, p.referral,
            CAST(rv.first_held IS NOT NULL AND rv.first_held <= plus_months(p.started, 3) AS INTEGER)
        FROM plan p LEFT JOIN (SELECT plan, min(held) AS first_held FROM conf WHERE kind = 'review' GROUP BY plan) rv
            ON rv.plan = p.id
        WHERE rv.first_held IS NOT NULL
           OR (plus_months(p.started, 3) < {as_of} AND (p.ended IS NULL OR p.ended > plus_months(p.started, 3)))""",  # nosec B608
        f"""SELECT 't_later_review', held, referral,
            CAST(next_held IS NOT NULL AND next_held <= plus_months(held, 6) AS INTEGER)
        FROM (SELECT c.held, c.referral, p.ended,
                lead(c.held) OVER (PARTITION BY c.plan ORDER BY c.held, c.id) AS next_held
              FROM conf c JOIN plan p ON p.id = c.plan WHERE c.kind = 'review')
        WHERE next_held IS NOT NULL
           OR (plus_months(held, 6) < {as_of} AND (ended IS NULL OR ended > plus_months(held, 6)))""",  # nosec B608
    ]
    contact_due = _due_table(days, policy.contact_decision_working_days, calendar, policy)
    db.register("due_t_contact", contact_due)
    union, own_union = "\nUNION ALL\n".join(parts), "\nUNION ALL\n".join(own)
    rows = db.execute(
        f"""WITH rows AS ({union}), own AS ({own_union}), daily AS (
            SELECT m, x.d, {group} AS g, sum(hit) AS e, count(*) AS n
            FROM rows x JOIN referral_x r ON r.id = x.rid GROUP BY ALL
            UNION ALL
            SELECT m, d, g, sum(hit), count(*) FROM own GROUP BY ALL
            UNION ALL
            SELECT 't_contact', c.received, {group},
                sum(c.n * CAST(c.decided IS NOT NULL AND c.decided <= due.due AS INTEGER)), sum(c.n)
            FROM contact_child_x c JOIN due_t_contact due ON due.st = c.received
            WHERE c.decided IS NOT NULL OR due.due < {as_of}
            GROUP BY ALL)
        SELECT m, {_PERIOD[period].format(d="d")} AS p, g, sum(e), sum(n) FROM daily GROUP BY ALL"""  # nosec B608
    ).fetchall()
    return [Tally(m, p, g, int(events), int(total)) for m, p, g, events, total in rows]


# --- labels ------------------------------------------------------------------------------------------------------


def period_label(period: str, start: dt.date) -> str:
    if period == "month":
        return f"{start:%B %Y}"
    if period == "quarter":
        end = start.replace(month=start.month + 2)
        return f"{start:%B} to {end:%B %Y}"
    return f"April {start.year} to March {start.year + 1}"


def group_labels(breakdown: str, keys: Iterable[str]) -> dict[str, str]:
    """Plain-English names for the groups of a breakdown (never a code)."""
    keys = list(keys)
    fixed: dict[str, dict[str, str]] = {
        "none": {"all": "All"},
        "source": {str(k): str(v) for k, v in ReferralSource.choices},
        "rag": RAG_LABELS,
        "age": AGE_BANDS,
        "sex": {str(k): str(v) for k, v in Sex.choices},
        "ethnicity": {**{str(k): str(v) for k, v in Ethnicity.choices}, "none": "Not recorded"},
        "disability": DISABILITY_LABELS,
    }
    if breakdown in fixed:
        return {k: fixed[breakdown].get(k, "Other") for k in keys}
    from macpu.agencies.models import Team, User

    ids = [int(k) for k in keys if k.isdigit()]
    if breakdown == "team":
        names = {str(t.pk): t.name for t in Team.objects.filter(pk__in=ids)}
        return {k: names.get(k, "Other") for k in keys}
    names = {str(u.pk): u.get_full_name() or u.username for u in User.objects.filter(pk__in=ids)}
    return {k: "Not yet decided" if k == "none" else names.get(k, "Other") for k in keys}


def group_order(breakdown: str, labels: dict[str, str]) -> list[str]:
    """Groups in the order of their code set (or by name for teams and people)."""
    order: dict[str, list[str]] = {
        "source": [str(k) for k in ReferralSource.values],
        "rag": list(RAG_LABELS),
        "age": list(AGE_BANDS),
        "sex": [str(k) for k in Sex.values],
        "ethnicity": [*(str(k) for k in Ethnicity.values), "none"],
        "disability": list(DISABILITY_LABELS),
    }
    position: Callable[[str], Any]
    if breakdown in order:
        known = order[breakdown]
        position = lambda k: (known.index(k) if k in known else len(known), labels[k])  # noqa: E731
    else:
        position = lambda k: (k == "none", labels[k].lower())  # noqa: E731
    return sorted(labels, key=position)


# --- tables for the pages and their CSV files ----------------------------------------------------------------------

NOT_SHOWN = "Not shown"


@dataclass(frozen=True)
class Cell:
    value: int | None  # None: not shown (small, or hidden so that a small one cannot be worked out)

    def __str__(self) -> str:
        return NOT_SHOWN if self.value is None else f"{self.value:,}"


@dataclass(frozen=True)
class FunnelRow:
    label: str
    cells: list[Cell]


def periods_in(counts: Iterable[Count | Tally]) -> list[dt.date]:
    return sorted({c.period for c in counts})


def funnel_over_time(counts: list[Count], *, period: str, threshold: int) -> list[FunnelRow]:
    """One row per period, each step's total; small counts hidden (no total is shown across periods)."""
    totals: dict[tuple[dt.date, str], int] = {}
    for c in counts:
        totals[c.period, c.stage] = totals.get((c.period, c.stage), 0) + c.count
    rows = []
    for p in periods_in(counts):
        values = [totals.get((p, stage), 0) for stage in STAGES]
        rows.append(FunnelRow(period_label(period, p), [Cell(None if suppressed(v, threshold) else v) for v in values]))
    return rows


def funnel_by_group(
    counts: list[Count], *, breakdown: str, shown: dt.date, threshold: int
) -> tuple[list[FunnelRow], FunnelRow]:
    """One row per group for one period, and the total row; small counts and their complements hidden per step."""
    in_period = [c for c in counts if c.period == shown]
    labels = group_labels(breakdown, {c.group for c in in_period})
    order = group_order(breakdown, labels)
    values = {(c.group, c.stage): c.count for c in in_period}
    columns = []
    for stage in STAGES:
        column = [values.get((g, stage), 0) for g in order]
        # Complementary hiding only where the total is shown: a hidden total gives nothing away.
        total_shown = not suppressed(sum(column), threshold)
        hidden = suppress_column(column, threshold) if total_shown else [suppressed(v, threshold) for v in column]
        columns.append([Cell(None if h else v) for v, h in zip(column, hidden, strict=True)])
    rows = [FunnelRow(labels[g], [columns[s][i] for s in range(len(STAGES))]) for i, g in enumerate(order)]
    total_values = [sum(values.get((g, stage), 0) for g in order) for stage in STAGES]
    total = FunnelRow("All", [Cell(None if suppressed(v, threshold) else v) for v in total_values])
    return rows, total


@dataclass(frozen=True)
class RateRow:
    label: str
    events: int | None  # None: not shown
    total: int | None
    share: float | None = None
    low: float | None = None
    high: float | None = None
    difference: float | None = None  # this group's share less the rest of the unit's, where both are shown
    difference_low: float | None = None
    difference_high: float | None = None

    @property
    def shown(self) -> bool:
        return self.total is not None

    @property
    def share_text(self) -> str:
        return NOT_SHOWN if self.total is None else ("No records" if self.share is None else _percent(self.share))

    @property
    def interval_text(self) -> str:
        if self.low is None or self.high is None:
            return ""
        return f"{_percent(self.low)} to {_percent(self.high)}"

    @property
    def difference_text(self) -> str:
        if self.difference is None or self.difference_low is None or self.difference_high is None:
            return ""
        return f"{_points(self.difference)} ({_points(self.difference_low)} to {_points(self.difference_high)})" + (
            " *" if self.difference_low > 0 or self.difference_high < 0 else ""
        )


def _percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def _points(value: float) -> str:
    return f"{value * 100:+.1f}".replace("-", "\u2212")


def _rate_row(label: str, events: int, total: int, hide: bool) -> RateRow:
    if hide or total == 0:
        return RateRow(label, None if hide else events, None if hide else total)
    interval = wilson(events, total)
    if interval is None:
        return RateRow(label, events, total)
    return RateRow(label, events, total, events / total, interval.low, interval.high)


def measures_overall(tallies: list[Tally], *, shown: dt.date, threshold: int) -> list[tuple[Measure, RateRow]]:
    """Every measure for the whole unit in one period."""
    sums: dict[str, tuple[int, int]] = {}
    for t in tallies:
        if t.period == shown:
            e, n = sums.get(t.measure, (0, 0))
            sums[t.measure] = (e + t.events, n + t.total)
    out = []
    for key, measure in MEASURES.items():
        e, n = sums.get(key, (0, 0))
        out.append((measure, _rate_row(measure.title, e, n, rate_suppressed(e, n, threshold) and n > 0)))
    return out


def measure_by_group(
    tallies: list[Tally], *, measure: str, breakdown: str, shown: dt.date, threshold: int
) -> tuple[list[RateRow], RateRow]:
    """One measure per group in one period, with each group's difference from the rest of the unit; small groups and
    their complements hidden."""
    rows = {t.group: (t.events, t.total) for t in tallies if t.measure == measure and t.period == shown}
    labels = group_labels(breakdown, rows)
    order = group_order(breakdown, labels)
    all_events, all_total = sum(e for e, _ in rows.values()), sum(n for _, n in rows.values())
    primary = [rate_suppressed(*rows[g], threshold) for g in order]
    total_shown = not rate_suppressed(all_events, all_total, threshold)
    hidden = complementary(primary, [rows[g][1] for g in order]) if total_shown else primary
    out = []
    for g, hide in zip(order, hidden, strict=True):
        e, n = rows[g]
        row = _rate_row(labels[g], e, n, hide)
        rest_e, rest_n = all_events - e, all_total - n
        if row.share is not None and rest_n > 0 and len(order) > 1:
            interval = newcombe(e, n, rest_e, rest_n)
            if interval is not None:
                row = RateRow(**{**row.__dict__, "difference": e / n - rest_e / rest_n, "difference_low": interval.low,
                                 "difference_high": interval.high})  # fmt: skip
        out.append(row)
    total = _rate_row("All", all_events, all_total, rate_suppressed(all_events, all_total, threshold))
    return out, total


# --- the two pages ------------------------------------------------------------------------------------------------


def _chosen(params: Mapping[str, str], key: str, allowed: Iterable[str], default: str) -> str:
    value = params.get(key, default)
    return value if value in allowed else default


def _shown(params: Mapping[str, str], periods: list[dt.date], default: dt.date | None) -> dt.date | None:
    try:
        wanted = dt.date.fromisoformat(params.get("show", ""))
    except ValueError:
        return default
    return wanted if wanted in periods else default


def funnel_page(params: Mapping[str, str], *, threshold: int) -> dict[str, Any]:
    """What the funnel page and its CSV files show, from the GET form's choices (unknown values take defaults)."""
    period = _chosen(params, "period", PERIODS, "year")
    breakdown = _chosen(params, "breakdown", BREAKDOWNS, "source")
    db = load(breakdown=breakdown)
    try:
        counts = funnel(db, period=period, breakdown=breakdown)
    finally:
        db.close()
    periods = periods_in(counts)
    shown = _shown(params, periods, periods[-1] if periods else None)
    context: dict[str, Any] = {
        "period": period,
        "breakdown": breakdown,
        "breakdown_label": BREAKDOWNS[breakdown],
        "periods": PERIODS,
        "breakdowns": BREAKDOWNS,
        "stages": list(STAGES.values()),
        "shown": shown,
        "shown_label": period_label(period, shown) if shown else "",
        "period_choices": [(p.isoformat(), period_label(period, p)) for p in reversed(periods)],
        "over_time": funnel_over_time(counts, period=period, threshold=threshold),
        "period_noun": period,
        "threshold": threshold,
    }
    if shown is not None:
        groups, total = funnel_by_group(counts, breakdown=breakdown, shown=shown, threshold=threshold)
        context |= {
            "groups": groups,
            "total": total,
            "steps": list(zip(STAGES.values(), total.cells, strict=True)),
            "chart": bar_chart(
                f"Each step, {context['shown_label']}",
                [BarValue(label, cell.value) for label, cell in zip(STAGES.values(), total.cells, strict=True)],
            ),
        }
    return context


def measures_page(
    params: Mapping[str, str],
    *,
    threshold: int,
    today: dt.date,
    calendar: WorkingDayCalendar,
    policy: LocalPolicy,
) -> dict[str, Any]:
    """What the page of measures followed per enquiry and its CSV files show."""
    period = _chosen(params, "period", PERIODS, "year")
    breakdown = _chosen(params, "breakdown", BREAKDOWNS, "source")
    measure = MEASURES[_chosen(params, "measure", MEASURES, "s47_plan")]
    db = load(breakdown=breakdown)
    try:
        tallies = measures(db, period=period, breakdown=breakdown, today=today, calendar=calendar, policy=policy)
    finally:
        db.close()
    periods = periods_in(tallies)
    judged = [t.period for t in tallies if t.measure == measure.key and t.total > 0]
    shown = _shown(params, periods, max(judged) if judged else (periods[-1] if periods else None))
    context: dict[str, Any] = {
        "period": period,
        "breakdown": breakdown,
        "breakdown_label": BREAKDOWNS[breakdown],
        "periods": PERIODS,
        "breakdowns": BREAKDOWNS,
        "measures": MEASURES,
        "measure": measure,
        "shown": shown,
        "shown_label": period_label(period, shown) if shown else "",
        "period_choices": [(p.isoformat(), period_label(period, p)) for p in reversed(periods)],
        "threshold": threshold,
    }
    if shown is not None:
        rows, total = measure_by_group(
            tallies, measure=measure.key, breakdown=breakdown, shown=shown, threshold=threshold
        )
        context |= {
            "overall": measures_overall(tallies, shown=shown, threshold=threshold),
            "rows": rows,
            "total": total,
            "chart": bar_chart(
                f"{measure.title}, {context['shown_label']}",
                [BarValue(r.label, r.share, r.low, r.high, highlight=r is total) for r in [*rows, total]],
                percent=True,
            ),
        }
    return context


def _number(value: int | None) -> str:
    return NOT_SHOWN if value is None else str(value)


def _csv_percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}"


def funnel_csv(context: dict[str, Any], table: str) -> list[list[str]]:
    """The rows of one of the funnel page's tables, as a CSV file holds them (a heading row first)."""
    if table == "over-time":
        rows = [["Period", *STAGES.values()]]
        rows += [[r.label, *(_number(c.value) for c in r.cells)] for r in context["over_time"]]
        return rows
    rows = [[context["breakdown_label"], *STAGES.values()]]
    for r in [*context.get("groups", []), *([context["total"]] if "total" in context else [])]:
        rows.append([r.label, *(_number(c.value) for c in r.cells)])
    return rows


def measures_csv(context: dict[str, Any], table: str) -> list[list[str]]:
    """The rows of one of the measures page's tables, as a CSV file holds them (a heading row first)."""
    heading = ["Counted", "Out of", "Share (%)", "95% confidence interval from (%)", "to (%)"]
    if table == "all":
        rows = [["Measure", *heading]]
        for measure, r in context.get("overall", []):
            rows.append(
                [measure.title, _number(r.events), _number(r.total), *map(_csv_percent, (r.share, r.low, r.high))]
            )
        return rows
    rows = [
        [
            context["breakdown_label"],
            *heading,
            "Difference from the rest of the unit (percentage points)",
            "95% confidence interval from",
            "to",
        ]
    ]
    for r in [*context.get("rows", []), *([context["total"]] if "total" in context else [])]:
        shares = (r.share, r.low, r.high, r.difference, r.difference_low, r.difference_high)
        rows.append([r.label, _number(r.events), _number(r.total), *map(_csv_percent, shares)])
    return rows
