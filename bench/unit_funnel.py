"""Benchmark: the unit's funnel and per-enquiry measures over 1,000,000 referrals (issue #7: < 5 s).

    .venv/bin/python bench/unit_funnel.py [--referrals 1000000] [--runs 5] [--breakdown source] [--period year]

The first run generates the records once with bulk inserts (numpy for the values; executemany on SQLite, COPY on
PostgreSQL), about 1.3 contacts per referral and the calibration of domain.md for the later steps, into
bench/.data/unit_funnel_N.sqlite3 (MACPU_DATABASE_URL=postgres://... picks a PostgreSQL database instead; it must be
empty or hold exactly this generated data), and reuses it afterwards: delete the file (or the database) to build it
again. Only the computation is timed: reading the records (macpu.analytics.funnel.load), the funnel and every measure
for one period type and breakdown, as the page does. The working-day due dates are cached between runs in one
process, so the first run is reported apart ("cold").
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench/.data"
FIRST, LAST = np.datetime64("2016-04-01"), np.datetime64("2026-03-31")
TODAY = dt.date(2026, 5, 15)


def setup(referrals: int) -> None:
    os.environ.setdefault("MACPU_DEBUG", "1")
    if "MACPU_DATABASE_URL" not in os.environ:
        DATA.mkdir(parents=True, exist_ok=True)
        os.environ["MACPU_DATABASE_URL"] = f"sqlite:///{DATA / f'unit_funnel_{referrals}.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "macpu.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def iso(days: np.ndarray) -> list[str | None]:
    """Days since 1970 as ISO dates (-1: NULL)."""
    text = days.astype("datetime64[D]").astype(str)
    return [None if d < 0 else t for d, t in zip(days.tolist(), text.tolist(), strict=True)]


def weekday(days: np.ndarray) -> np.ndarray:
    """Move a Saturday or Sunday to the Monday after (1 Jan 1970 was a Thursday)."""
    dow = (days + 3) % 7  # 0 Monday ... 6 Sunday
    return days + np.where(dow == 5, 2, np.where(dow == 6, 1, 0))


def insert(table: str, columns: list[str], values: list[list]) -> None:  # type: ignore[type-arg]
    from django.db import connection

    rows = zip(*values, strict=True)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in columns)
            cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", list(rows))  # noqa: S608


def generate(n: int, seed: int = 7) -> None:  # noqa: PLR0915 - one linear script
    from django.db import connection, transaction

    rng = np.random.default_rng(seed)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous = OFF")
    with transaction.atomic():
        _generate(n, rng)


def _generate(n: int, rng: np.random.Generator) -> None:  # noqa: PLR0915 - one linear script
    from django.db import connection

    from macpu.agencies.models import LocalAuthority, Role, User
    from tests.factories import AgencyFactory, TeamFactory

    LocalAuthority.objects.get_or_create(name="Bench Borough Council", code="999")
    agency = AgencyFactory()
    teams = [TeamFactory(agency=agency, name=f"Child protection team {i}") for i in range(6)]
    staff = [
        User.objects.create(username=f"bench{i}", role=Role.TEAM_MANAGER, agency=agency, team=teams[i % 6])
        for i in range(24)
    ]
    police = AgencyFactory(name="Bench police", kind="police")
    team_ids = np.array([t.pk for t in teams])
    staff_ids = np.array([u.pk for u in staff])
    created = "2026-04-01 00:00:00" + ("+00" if connection.vendor == "postgresql" else "")
    first, span = int(FIRST.astype(int)), int((LAST - FIRST).astype(int))
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM people_person")
        person_base = cursor.fetchone()[0] + 1

    # Children: 70 for every 100 referrals (the rest are re-referrals of the same children).
    children = int(n * 0.7)
    child = np.concatenate([np.arange(children), rng.integers(0, children, n - children)])
    received = np.sort(rng.integers(first, first + span, n))
    rng.shuffle(child)
    age = rng.integers(0, 18, children)
    first_seen = np.full(children, first + span)
    np.minimum.at(first_seen, child, received)
    dob = first_seen - age * 365 - rng.integers(0, 365, children)
    ethnicity = rng.choice(["WBRI", "WOTH", "MWBC", "AIND", "APKN", "BAFR", "BCRB", "OOTH", "NOBT", ""], children)
    sex = rng.choice(["F", "M", "U"], children, p=[0.49, 0.49, 0.02])
    if True:
        pid = person_base + np.arange(children)
        blank = [""] * children
        insert(
            "people_person",
            ["id", "given_name", "family_name", "known_as", "date_of_birth", "sex", "ethnicity", "upn", "nhs_number",
             "created_at"],
            [pid.tolist(), ["Bench"] * children, ["Child"] * children, blank, iso(dob), sex.tolist(),
             ethnicity.tolist(), blank, blank, [created] * children],
        )  # fmt: skip
        disabled = rng.random(children) < 0.12
        recorded = disabled | (rng.random(children) < 0.5)
        insert(
            "people_persondisability",
            ["person_id", "code"],
            [pid[recorded].tolist(), np.where(disabled, "LD", "NONE")[recorded].tolist()],
        )
        child_id = pid[child]

        # Contacts: one behind each referral, and a third as many again that went no further.
        extra = n // 3
        contacts = n + extra
        c_received = np.concatenate([received, rng.integers(first, first + span, extra)])
        c_child = np.concatenate([child_id, pid[rng.integers(0, children, extra)]])
        c_decided = c_received + rng.choice([0, 0, 0, 1, 2], contacts)
        source = rng.choice(["6", "2A", "3A", "3E", "1A", "5D", "8", "9"], contacts)
        cid = np.arange(1, contacts + 1)
        c_team = team_ids[rng.integers(0, 6, contacts)]
        c_by = staff_ids[rng.integers(0, 24, contacts)]
        insert(
            "intake_contact",
            ["id", "received_on", "referrer_name", "referrer_role", "referral_source", "concern", "urgency", "team_id",
             "recorded_by_id", "outcome", "outcome_reasons", "decided_on", "decided_by_id", "referrer_message",
             "created_at"],
            [cid.tolist(), iso(c_received), ["Referrer"] * contacts, [""] * contacts, source.tolist(),
             ["Concern"] * contacts, ["routine"] * contacts, c_team.tolist(), c_by.tolist(),
             ["referral"] * n + ["nfa"] * extra, [""] * contacts, iso(c_decided), c_by.tolist(), [""] * contacts,
             [created] * contacts],
        )  # fmt: skip
        insert("intake_contact_children", ["contact_id", "person_id"], [cid.tolist(), c_child.tolist()])
        asked = np.flatnonzero(rng.random(contacts) < 0.3)
        zone = "+00" if connection.vendor == "postgresql" else ""
        sent = [f"{d} 10:00:00{zone}" for d in iso(c_received[asked])]
        due = [f"{d} 14:00:00{zone}" for d in iso(c_received[asked])]
        insert(
            "mash_informationrequest",
            ["contact_id", "agency_id", "question", "rag", "rag_rationale", "sent_at", "due_at", "sent_by_id"],
            [cid[asked].tolist(), [police.pk] * len(asked), ["Known?"] * len(asked),
             rng.choice(["red", "amber", "green"], len(asked)).tolist(), ["Why"] * len(asked), sent, due,
             c_by[asked].tolist()],
        )  # fmt: skip

        # Referrals: every one closed (so one open episode per child holds), decided mostly on time.
        rid = np.arange(1, n + 1)
        decision = rng.choice(["nfa", "assessment", "strategy"], n, p=[0.07, 0.57, 0.36])
        decided = received + rng.choice([0, 0, 0, 0, 1, 2, 4], n)
        closed = decided + rng.integers(20, 400, n)
        insert(
            "intake_referral",
            ["id", "child_id", "contact_id", "received_on", "source", "primary_need", "team_id", "decision",
             "decision_reasons", "decided_on", "decided_by_id", "closed_on", "closure_reason", "created_at"],
            [rid.tolist(), child_id.tolist(), cid[:n].tolist(), iso(received), source[:n].tolist(), ["N1"] * n,
             c_team[:n].tolist(), decision.tolist(), [""] * n, iso(decided), c_by[:n].tolist(), iso(closed),
             ["RC7"] * n, [created] * n],
        )  # fmt: skip
        assessed = np.flatnonzero(decision != "nfa")
        a_start = decided[assessed]
        insert(
            "casework_assessment",
            ["referral_id", "started_on", "authorised_on", "outcome", "summary", "created_at"],
            [rid[assessed].tolist(), iso(a_start), iso(a_start + rng.integers(15, 75, len(assessed))),
             rng.choice(["nfa", "cin_plan", "early_help"], len(assessed)).tolist(), [""] * len(assessed),
             [created] * len(assessed)],
        )  # fmt: skip

        # Strategy discussions, enquiries (a third to conference), plans (86% of conferences), reviews, core groups.
        strat = np.flatnonzero(decision == "strategy")
        k = len(strat)
        sd_held = decided[strat] + rng.choice([0, 0, 1, 2], k)
        sd_id = np.arange(1, k + 1)
        starts = rng.random(k) < 0.97
        insert(
            "protection_strategydiscussion",
            ["id", "referral_id", "held_on", "decision", "immediate_protection", "reasons", "missing_agency_reason",
             "recorded_by_id", "created_at"],
            [sd_id.tolist(), rid[strat].tolist(), iso(sd_held), np.where(starts, "s47_joint", "no_s47").tolist(),
             ["none"] * k, [""] * k, [""] * k, c_by[strat].tolist(), [created] * k],
        )  # fmt: skip
        s47 = np.flatnonzero(starts)
        m = len(s47)
        s_ref, s_start = rid[strat][s47], sd_held[s47]
        outcome = rng.choice(["conference", "not_substantiated", "no_conference"], m, p=[0.31, 0.5, 0.19])
        s_id = np.arange(1, m + 1)
        insert(
            "protection_s47enquiry",
            ["id", "referral_id", "strategy_discussion_id", "started_on", "joint_with_police", "outcome",
             "completed_on", "created_at"],
            [s_id.tolist(), s_ref.tolist(), sd_id[s47].tolist(), iso(s_start), [True] * m, outcome.tolist(),
             iso(s_start + rng.integers(5, 15, m)), [created] * m],
        )  # fmt: skip
        conf = np.flatnonzero(outcome == "conference")
        q = len(conf)
        c_held = weekday(s_start[conf] + rng.integers(14, 26, q))
        plan_needed = rng.random(q) < 0.86
        p_idx = np.flatnonzero(plan_needed)
        p = len(p_idx)
        p_start = c_held[p_idx]
        p_len = np.where(rng.random(p) < 0.2, rng.integers(20, 92, p), rng.integers(92, 700, p))
        p_end = np.where(p_start + p_len > int(LAST.astype(int)), -1, weekday(p_start + p_len))
        p_id = np.arange(1, p + 1)
        insert(
            "protection_cpplan",
            ["id", "referral_id", "started_on", "initial_category", "latest_category", "outline_plan", "ended_on",
             "end_reason", "created_at"],
            [p_id.tolist(), s_ref[conf][p_idx].tolist(), iso(p_start), ["NEG"] * p, ["NEG"] * p, [""] * p,
             iso(p_end), np.where(p_end < 0, "", "no_longer_at_risk").tolist(), [created] * p],
        )  # fmt: skip
        plan_of = np.full(q, -1)
        plan_of[p_idx] = p_id
        insert(
            "protection_conference",
            ["referral_id", "kind", "s47_id", "held_on", "chair_id", "family_attended", "child_views", "decision",
             "category", "summary", "created_at"],
            [s_ref[conf].tolist(), ["initial"] * q, s_id[conf].tolist(), iso(c_held), c_by[:q].tolist(), [True] * q,
             [""] * q, np.where(plan_needed, "plan", "no_plan").tolist(), np.where(plan_needed, "NEG", "").tolist(),
             [""] * q, [created] * q],
        )  # fmt: skip
        reviews_ref, reviews_plan, reviews_on = [], [], []
        for due_after in (rng.integers(80, 95, p), rng.integers(250, 275, p)):
            on = weekday(p_start + due_after)
            keep = (p_end < 0) | (on <= p_end)
            keep &= on <= int(LAST.astype(int))
            reviews_ref.append(s_ref[conf][p_idx][keep])
            reviews_plan.append(p_id[keep])
            reviews_on.append(on[keep])
        r_ref, r_plan, r_on = (np.concatenate(x) for x in (reviews_ref, reviews_plan, reviews_on))
        v = len(r_on)
        insert(
            "protection_conference",
            ["referral_id", "kind", "plan_id", "held_on", "chair_id", "family_attended", "child_views", "decision",
             "category", "summary", "created_at"],
            [r_ref.tolist(), ["review"] * v, r_plan.tolist(), iso(r_on), c_by[:v].tolist(), [True] * v, [""] * v,
             ["continue"] * v, ["NEG"] * v, [""] * v, [created] * v],
        )  # fmt: skip
        insert(
            "protection_coregroupmeeting",
            ["plan_id", "held_on", "notes", "created_at"],
            [p_id.tolist(), iso(p_start + rng.integers(3, 16, p)), [""] * p, [created] * p],
        )
    print(f"generated {n:,} referrals: {contacts:,} contacts, {k:,} strategy discussions, {m:,} enquiries, "
          f"{q:,} initial conferences, {p:,} plans, {v:,} reviews")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--referrals", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--period", default="year", choices=["year", "quarter", "month"])
    parser.add_argument("--breakdown", default="source")
    args = parser.parse_args()
    setup(args.referrals)

    from django.db import connection

    from macpu.agencies.selectors import local_policy, working_day_calendar
    from macpu.analytics import funnel
    from macpu.intake.models import Referral

    existing = Referral.objects.count()
    if existing == 0:
        started = time.perf_counter()
        generate(args.referrals)
        print(f"generation took {time.perf_counter() - started:.0f} s")
    elif existing != args.referrals:
        sys.exit(f"the database holds {existing:,} referrals, not {args.referrals:,}: use an empty one")

    timings = []
    for run in range(args.runs + 1):
        started = time.perf_counter()
        db = funnel.load(breakdown=args.breakdown)
        loaded = time.perf_counter()
        counts = funnel.funnel(db, period=args.period, breakdown=args.breakdown)
        counted = time.perf_counter()
        tallies = funnel.measures(
            db,
            period=args.period,
            breakdown=args.breakdown,
            today=TODAY,
            calendar=working_day_calendar(),
            policy=local_policy(),
        )
        done = time.perf_counter()
        db.close()
        label = "cold" if run == 0 else f"run {run}"
        print(
            f"{label}: {done - started:.2f} s (read {loaded - started:.2f}, funnel {counted - loaded:.2f}, "
            f"measures {done - counted:.2f}); {len(counts):,} funnel cells, {len(tallies):,} measure cells"
        )
        if run:
            timings.append(done - started)
    print(
        f"{args.referrals:,} referrals on {connection.vendor}, {args.period} by {args.breakdown}: "
        f"median {statistics.median(timings):.2f} s, max {max(timings):.2f} s over {len(timings)} runs "
        f"(the cold first run left out); {platform.python_version()}, {os.cpu_count()} cores, "
        f"load {os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    main()
