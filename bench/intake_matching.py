"""Matching at intake at scale (issue #6: p95 at most 50 ms for one query against 1,000,000 people, 2 cores).

    .venv/bin/python bench/intake_matching.py sqlite   [N]   # a SQLite file, /tmp/macpu_bench.sqlite3
    .venv/bin/python bench/intake_matching.py postgres [N]   # the PostgreSQL database macpu_bench (made if missing)
    add --reuse to time against the database loaded by an earlier run

Loads N (default 1,000,000) synthetic agency records (macpu.people.synthetic: realistic corruptions): social
care's records into the person index (Person, with their household), every other agency's as agency records,
with their blocking keys (MatchKey), by bulk insert (SQLite) or COPY (PostgreSQL), indexes built after. Trains a
model once on a 100,000-record sample (linkage.train; kept in /tmp for the next run) and stores it as the latest
LinkageRun. Then times 1,000 queries, each a corrupted copy of a loaded record (a nickname, day and month swapped,
a typo, the NHS number left out...), as the contact form sends them:

- core: prepare, find (one indexed key IN (...) query), read the candidates, score them with the model;
- selector: intake_candidates for a front-door social worker (the scope filters, and the audit row when it shows
  anyone);
- DuckDB: for comparison, the same candidates scored by Splink's comparison SQL in an in-memory DuckDB.

and reports p50/p95/p99 and the share of queries whose best candidate is the true person (any of their records).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

BENCH_SQLITE = "/tmp/macpu_bench.sqlite3"  # noqa: S108 - a benchmark's scratch database
BENCH_POSTGRES = "postgres://postgres@127.0.0.1:5432/macpu_bench"
MODEL_FILE = Path(os.environ.get("MACPU_BENCH_MODEL", "/tmp/macpu_bench_model.json"))  # noqa: S108

backend = sys.argv[1] if len(sys.argv) > 1 else "sqlite"
N = int(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[2].isdigit() else 1_000_000
REUSE = "--reuse" in sys.argv
os.environ["MACPU_DATABASE_URL"] = f"sqlite:///{BENCH_SQLITE}" if backend == "sqlite" else BENCH_POSTGRES
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "macpu.settings")
os.environ.setdefault("MACPU_DEBUG", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

if backend == "postgres" and not REUSE:
    import psycopg

    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
        admin.execute("DROP DATABASE IF EXISTS macpu_bench")
        admin.execute("CREATE DATABASE macpu_bench")
elif backend == "sqlite" and not REUSE and Path(BENCH_SQLITE).exists():
    Path(BENCH_SQLITE).unlink()

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from nicknames import NickNamer  # noqa: E402

from macpu.agencies.models import Agency, AgencyKind, Role, Team, User  # noqa: E402
from macpu.people import linkage, matching  # noqa: E402
from macpu.people.models import AgencyRecord, LinkageRun, Person, RecordImport  # noqa: E402
from macpu.people.selectors import intake_candidates  # noqa: E402
from macpu.people.synthetic import agency_records  # noqa: E402

SEED = 2026
QUERIES = 1_000
KINDS = {
    "social_care": AgencyKind.SOCIAL_CARE,
    "police": AgencyKind.POLICE,
    "health": AgencyKind.HEALTH,
    "school": AgencyKind.EDUCATION,
    "probation": AgencyKind.PROBATION,
    "housing": AgencyKind.HOUSING,
}
SYSTEMS = {"police": "Niche", "health": "SystmOne", "school": "SIMS", "probation": "nDelius", "housing": "Northgate"}
INDEXES = {
    "match_key_lookup": "CREATE INDEX match_key_lookup ON people_matchkey (key, person_id, agency_record_id)",
    "match_key_person": "CREATE INDEX match_key_person ON people_matchkey (person_id) WHERE person_id IS NOT NULL",
    "match_key_agency_record": (
        "CREATE INDEX match_key_agency_record ON people_matchkey (agency_record_id) WHERE agency_record_id IS NOT NULL"
    ),
}


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text} (load {os.getloadavg()[0]:.2f})", flush=True)


def _none(value: object) -> object:
    return None if value is None or (isinstance(value, float) and value != value) else value


def write_rows(table: str, columns: list[str], rows: list[tuple]) -> None:
    """Bulk insert: COPY on PostgreSQL, executemany in one transaction on SQLite."""
    if not rows:
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {quote(table)} ({', '.join(map(quote, columns))}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            sql = f"INSERT INTO {quote(table)} ({', '.join(map(quote, columns))}) VALUES ({marks})"  # noqa: S608
            cursor.executemany(sql, rows)


def load(frame: pd.DataFrame) -> None:
    say(f"migrating a fresh {backend} database")
    call_command("migrate", verbosity=0)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA cache_size=-2000000")  # 2 GB: the indexes' pages stay in memory while loading
    now = timezone.now()
    stamp = now if connection.vendor == "postgresql" else now.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")
    admin = User.objects.create(username="bench-admin", role=Role.ADMINISTRATOR)
    agencies = {
        source: Agency.objects.get_or_create(name=f"Bench {source.replace('_', ' ')}", kind=kind)[0]
        for source, kind in KINDS.items()
    }
    imports = {
        source: RecordImport.objects.create(
            agency=agencies[source],
            system=SYSTEMS[source],
            extracted_at=now,
            imported_by=admin,
            imported_at=now,
        )
        for source in SYSTEMS
    }
    with connection.cursor() as cursor:
        for name in INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")

    started = time.perf_counter()
    people, households, members, records, keys = [], [], [], [], []
    for i, row in enumerate(frame.itertuples(index=False), start=1):
        values = {c: _none(getattr(row, c)) for c in linkage.COLUMNS}
        born = values["date_of_birth"]
        sex = values["sex"] if values["sex"] in ("M", "F") else "U"
        if row.source == "social_care":
            people.append(
                (i, values["first_name"] or "", values["surname"] or "", born, sex, values["nhs_number"] or "", stamp)
            )
            if values["postcode"] or values["address"]:
                households.append((i, values["address"] or "", values["postcode"] or "", stamp))
                members.append((i, i, i))
            keys += [(k, i, None) for k in matching.keys(matching.prepare(values))]
        else:
            if not (values["first_name"] or values["surname"]):
                continue
            records.append(
                (
                    i,
                    agencies[row.source].pk,
                    SYSTEMS[row.source],
                    values["record_id"],
                    stamp,
                    imports[row.source].pk,
                    values["first_name"] or "",
                    values["surname"] or "",
                    born,
                    sex,
                    (values["postcode"] or "")[:8],
                    values["address"] or "",
                    values["nhs_number"] or "",
                )
            )
            keys += [(k, None, i) for k in matching.keys(matching.prepare(values))]
    say(f"{len(people):,} people, {len(records):,} agency records, {len(keys):,} keys made in "
        f"{time.perf_counter() - started:.0f} s")  # fmt: skip
    started = time.perf_counter()
    write_rows(
        "people_person",
        ["id", "given_name", "family_name", "date_of_birth", "sex", "nhs_number", "created_at"]
        + ["known_as", "ethnicity", "upn"],
        [(*p, "", "", "") for p in people],
    )
    write_rows("people_household", ["id", "address", "postcode", "created_at"], households)
    write_rows("people_household_members", ["id", "household_id", "person_id"], members)
    write_rows(
        "people_agencyrecord",
        ["id", "agency_id", "system", "record_id", "extracted_at", "record_import_id", "first_name", "surname"]
        + ["date_of_birth", "sex", "postcode", "address", "nhs_number"],
        records,
    )
    write_rows("people_matchkey", ["key", "person_id", "agency_record_id"], keys)
    say(f"rows written in {time.perf_counter() - started:.0f} s")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for sql in INDEXES.values():
            cursor.execute(sql)
        cursor.execute("ANALYZE")
    say(f"match key indexes built in {time.perf_counter() - started:.0f} s")


def model(frame: pd.DataFrame) -> dict:
    if MODEL_FILE.exists():
        return json.loads(MODEL_FILE.read_text())
    say("training on a 100,000-record sample")
    linker = linkage.linker_for(frame.drop(columns="person_id").sample(min(len(frame), 100_000), random_state=SEED))
    linkage.train(linker)
    trained = linker.misc.save_model_to_json()
    MODEL_FILE.write_text(json.dumps(trained))
    return trained


# --- queries: corrupted copies of loaded records ----------------------------------------------------------------


def _typo(text: str, rnd: random.Random) -> str:
    if len(text) < 4:
        return text
    i = rnd.randrange(1, len(text) - 2)
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


def corrupt(values: dict, rnd: random.Random, nicknamer: NickNamer) -> tuple[dict, str]:
    q = dict(values)
    how = rnd.choice(["nickname", "swapped", "surname typo", "first name typo", "no NHS", "no postcode", "as typed"])
    first = (q.get("first_name") or "").lower()
    if how == "nickname" and first and nicknamer.nicknames_of(first):
        q["first_name"] = sorted(nicknamer.nicknames_of(first))[0].title()
    elif how == "swapped" and q.get("date_of_birth"):
        y, m, d = (int(x) for x in q["date_of_birth"].split("-"))
        if d <= 12 and d != m:
            q["date_of_birth"] = f"{y:04d}-{d:02d}-{m:02d}"
    elif how == "surname typo" and q.get("surname"):
        q["surname"] = _typo(q["surname"], rnd)
    elif how == "first name typo" and q.get("first_name"):
        q["first_name"] = _typo(q["first_name"], rnd)
    elif how == "no postcode":
        q["postcode"] = q["address"] = None
    q["nhs_number"] = None if how == "no NHS" or rnd.random() < 0.5 else q.get("nhs_number")
    return q, how


def core(query: dict, trained: matching.Model) -> list[tuple[float, str, int]]:
    """Find and score without the scope filters: (probability, "p" or "a", id), best first."""
    prepared = matching.prepare(query)
    found = matching.find(prepared)
    scored = []
    if found.people:
        people = list(Person.objects.filter(pk__in=found.people))
        households = matching.latest_households(p.pk for p in people)
        for p in people:
            record = matching.prepare(matching.person_record(p, households.get(p.pk)))
            scored.append((trained.score(prepared, record).probability, "p", p.pk))
    if found.agency_records:
        for r in AgencyRecord.objects.filter(pk__in=found.agency_records):
            scored.append((trained.score(prepared, matching.prepare(matching.agency_record(r))).probability, "a", r.pk))
    return sorted(scored, reverse=True)


def duckdb_scorer(trained_json: dict):
    """The same candidates scored by Splink's own comparison SQL (each level's condition, each level's weight)
    in an in-memory DuckDB: linkage.PREPARE_SQL, then one SELECT over (query x candidates)."""
    import duckdb
    from splink.internals.settings_creator import SettingsCreator

    settings = SettingsCreator.from_path_or_dict(trained_json).get_settings("duckdb")
    con = duckdb.connect()
    prior = matching.Model(trained_json).prior_weight
    terms = []
    for comparison in settings.comparisons:
        whens = " ".join(
            f"WHEN {level.sql_condition} THEN cast({level._match_weight} as float8)"
            for level in comparison.comparison_levels
            if not level._is_else_level
        )
        else_weight = comparison.comparison_levels[-1]._match_weight
        terms.append(f"(CASE {whens} ELSE cast({else_weight} as float8) END)")
    columns = [c for c in matching.prepare({})]
    select_l = ", ".join(f"l.{c} AS {c}_l" for c in columns)
    select_r = ", ".join(f"r.{c} AS {c}_r" for c in columns)
    weight = f"cast({prior} as float8) + " + " + ".join(terms)
    sql = (
        f"WITH pairs AS (SELECT r.record_id, {select_l}, {select_r} FROM prepared l, prepared r "  # noqa: S608
        "WHERE l.record_id = 'query' AND r.record_id <> 'query') "
        f"SELECT record_id, {weight} AS match_weight FROM pairs"
    )

    def score(query: dict, candidates: list[dict]) -> pd.DataFrame:
        rows = [{**query, "record_id": "query", "source": None}] + [
            {**c, "record_id": str(i), "source": None} for i, c in enumerate(candidates)
        ]
        frame = pd.DataFrame(rows, columns=linkage.COLUMNS).astype(object)
        frame["date_of_birth"] = frame["date_of_birth"].map(lambda d: d.isoformat() if hasattr(d, "isoformat") else d)
        con.register("records", frame)
        linkage.prepare(con, "records")
        return con.sql(sql).df()

    return score


def percentiles(times: list[float]) -> str:
    ms = np.array(times) * 1000
    return f"p50 {np.percentile(ms, 50):.1f} ms, p95 {np.percentile(ms, 95):.1f} ms, p99 {np.percentile(ms, 99):.1f} ms"


def main() -> None:
    say(f"generating {N:,} synthetic agency records")
    frame = agency_records(N, seed=SEED)
    truth = frame["person_id"].to_numpy()  # row i (from 1) is id i, for people and agency records alike
    if not REUSE:
        load(frame)
    trained_json = model(frame)
    LinkageRun.objects.all().delete()
    LinkageRun.objects.create(started_at=timezone.now(), threshold=linkage.THRESHOLD, model=trained_json)
    trained = matching.current_model()
    if trained is None:
        raise SystemExit("no model")

    la_agency = Agency.objects.get_or_create(name="Bench social care", kind=AgencyKind.SOCIAL_CARE)[0]
    team = Team.objects.get_or_create(agency=la_agency, name="Bench front door", defaults={"front_door": True})[0]
    worker, _ = User.objects.get_or_create(
        username="bench-worker", defaults={"role": Role.SOCIAL_WORKER, "agency": la_agency, "team": team}
    )

    rnd = random.Random(SEED)  # noqa: S311 - test data
    nicknamer = NickNamer()
    picks = rnd.sample(range(len(frame)), QUERIES)
    records = frame.iloc[picks].to_dict("records")
    queries = [corrupt({c: _none(r[c]) for c in linkage.COLUMNS}, rnd, nicknamer) for r in records]
    for query, _ in queries[:20]:  # warm up: connections, caches, the model
        core(query, trained)

    say(f"timing {QUERIES:,} queries (core)")
    times, top, found_any, sizes = [], 0, 0, []
    by_kind: dict[str, list[int]] = {}
    for (query, how), record in zip(queries, records, strict=True):
        started = time.perf_counter()
        scored = core(query, trained)
        times.append(time.perf_counter() - started)
        sizes.append(len(scored))
        hit = bool(scored) and truth[scored[0][2] - 1] == record["person_id"]
        top += hit
        found_any += bool(scored)
        by_kind.setdefault(how, []).append(hit)
    say(f"core: {percentiles(times)}; candidates per query median {statistics.median(sizes):.0f}, "
        f"max {max(sizes)}")  # fmt: skip
    print(f"true person is the top candidate: {top / QUERIES:.1%} ({top} of {QUERIES}); any candidate: "
          f"{found_any / QUERIES:.1%}")  # fmt: skip
    for how, hits in sorted(by_kind.items()):
        print(f"  {how:16} {sum(hits) / len(hits):.1%} of {len(hits)}")

    say(f"timing {QUERIES:,} queries (selector: scope filters and audit)")
    times = []
    now = timezone.now()
    for query, _ in queries:
        started = time.perf_counter()
        intake_candidates(user=worker, details=query, now=now)
        times.append(time.perf_counter() - started)
    say(f"selector: {percentiles(times)}")

    say("timing 200 queries scored by Splink's comparison SQL in DuckDB instead (candidates read as for core)")
    score_in_duckdb = duckdb_scorer(trained_json)
    times, agree = [], 0.0
    for query, _ in queries[:200]:
        started = time.perf_counter()
        prepared = matching.prepare(query)
        found = matching.find(prepared)
        people = list(Person.objects.filter(pk__in=found.people))
        households = matching.latest_households(p.pk for p in people)
        candidates = [matching.person_record(p, households.get(p.pk)) for p in people]
        candidates += [matching.agency_record(r) for r in AgencyRecord.objects.filter(pk__in=found.agency_records)]
        if candidates:
            result = score_in_duckdb(query, candidates)
        times.append(time.perf_counter() - started)
        if candidates:
            python = [trained.score(prepared, matching.prepare(c)).weight for c in candidates]
            agree = max(agree, float(np.max(np.abs(result.sort_values("record_id", key=lambda s: s.astype(int))
                                                   ["match_weight"].to_numpy() - np.array(python)))))  # fmt: skip
    say(f"DuckDB scoring: {percentiles(times)}; largest match weight difference from Python scoring {agree:.2e}")


if __name__ == "__main__":
    main()
