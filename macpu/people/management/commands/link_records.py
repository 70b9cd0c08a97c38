"""`macpu link-records [--by USERNAME] [--threshold 0.9]`: link every agency record and every person in the index
(macpu.people.services.records_link), and say what it did."""

from __future__ import annotations

import time
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from macpu.agencies.models import User
from macpu.people.services import REVIEW_FLOOR, records_link


class Command(BaseCommand):
    help = (
        "Link every agency record and every person in the index with Splink: link agency records to people, and "
        "queue the pairs a practitioner must decide."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--by", help="Your own administrator username (left out: a scheduled run).")
        parser.add_argument("--threshold", type=float, help="Match probability to link at (default: linkage's).")
        parser.add_argument(
            "--review-from", type=float, default=REVIEW_FLOOR, help="Match probability uncertain pairs start at."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        actor = None
        if options["by"]:
            actor = User.objects.filter(username=options["by"]).first()
            if actor is None:
                raise CommandError(f"--by: there is no account with the username {options['by']}.")
        started = time.monotonic()
        try:
            summary = records_link(
                actor=actor,
                now=timezone.now(),
                threshold=options["threshold"],
                floor=options["review_from"],
                finished=timezone.now,
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        run = summary.run
        self.stdout.write(
            f"{run.records:,} records linked (agency records and people in the index); {run.pairs:,} pairs scored; "
            f"{run.linked:,} agency records linked to a person ({summary.changed:,} links made, moved or removed); "
            f"{run.held_for_review:,} pairs held for review; {time.monotonic() - started:.1f} seconds."
        )
