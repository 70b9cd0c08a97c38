"""`macpu seed-demo`: create the synthetic demo local authority (also reachable as `seed_demo`)."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from macpu.demo.generator import DEMO_PASSWORD, DEMO_URL, demo_data_exists, generate
from macpu.demo.records import BACKGROUND


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise CommandError(f"--today: give a date as YYYY-MM-DD, not {text!r}.") from error


class Command(BaseCommand):
    help = (
        "Create a synthetic demo local authority (staff, agencies, teams, households and children at every stage "
        "of the pathway), driven through the real services; then the police's, health's and a school's records of "
        "them, imported and linked by batch linkage. Deterministic for a given --seed and --today. "
        "No real personal data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--children", type=int, default=300, help="How many children (default 300).")
        parser.add_argument("--seed", type=int, default=1, help="Random seed: same seed, same data (default 1).")
        parser.add_argument(
            "--agency-records",
            type=int,
            default=BACKGROUND,
            help=f"Synthetic agency records drawn for the background of the police's, health's and the school's "
            f"extracts, behind their records of demo people (default {BACKGROUND}; 0 loads no agency records and "
            "runs no linkage).",
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing (successfully) if the database already holds data."
        )
        parser.add_argument(
            "--today",
            type=_day,
            default=None,
            help="The day the data ends on, YYYY-MM-DD (default: today). Nothing is dated later.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        children: int = options["children"]
        seed: int = options["seed"]
        today: date = options["today"] or timezone.localdate()
        if children < 1:
            raise CommandError("--children must be at least 1.")
        if options["agency_records"] < 0:
            raise CommandError("--agency-records must be 0 or more.")
        if demo_data_exists():
            if options["if_empty"]:
                self.stdout.write("The database already holds data: demo data not created (--if-empty).")
                return
            raise CommandError("The database already holds data. Use an empty database, or --if-empty to skip.")

        started = time.perf_counter()
        result = generate(children=children, seed=seed, today=today, agency_records=options["agency_records"])
        elapsed = time.perf_counter() - started

        self.stdout.write(
            self.style.SUCCESS(
                f"Created {result.children} children in {result.households} households (seed {seed}, today "
                f"{today:%-d %B %Y}) in {elapsed:.1f} s."
            )
        )
        self.stdout.write("\nRecords")
        width = max(len(k) for k in result.summary)
        for label, count in result.summary.items():
            self.stdout.write(f"  {label:<{width}}  {count:>7}")
        self.stdout.write("\nChildren by where they are on the pathway now")
        width = max(len(k) for k in result.stages)
        for label, count in result.stages.items():
            self.stdout.write(f"  {label:<{width}}  {count:>7}")
        self.stdout.write(
            f"\nSign in at {DEMO_URL} as social.worker, team.manager, conference.chair, ... with the "
            f"password {DEMO_PASSWORD} (see `macpu demo-logins`), then the code from "
            "`MACPU_DEBUG=1 .venv/bin/macpu demo-code USERNAME`."
        )
