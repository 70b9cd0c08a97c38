"""`macpu import-published-stats [DIR] [--by NAME] [--force] [--if-available]`: load the Department for Education's
published children in need statistics (docs/adr/0013), every file checked first, all or nothing."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from macpu.analytics.published import (
    PublishedProblems,
    published_import,
    published_import_unchanged,
    published_stats_dir,
)


class Command(BaseCommand):
    help = (
        "Load DfE's published children in need statistics from DIR (by default MACPU_PUBLISHED_STATS_DIR or "
        "../shared/data/dfe-cin). Every file and row is checked first: if any breaks a rule, nothing is loaded. "
        "A new import replaces the previous one; an unchanged directory is not imported again unless --force."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", nargs="?", help="the directory holding the files (see PROVENANCE.md)")
        parser.add_argument("--by", default="", help="who is importing (default: the operating system user)")
        parser.add_argument("--force", action="store_true", help="import even if these files were imported last")
        parser.add_argument(
            "--if-available", action="store_true", help="do nothing (and succeed) if the directory does not exist"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        directory = Path(options["directory"]) if options["directory"] else published_stats_dir()
        if not directory.is_dir():
            if options["if_available"]:
                self.stdout.write(f"Published statistics: {directory} not found, nothing imported.")
                return
            raise CommandError(f"{directory} is not a directory: give the directory holding DfE's files.")
        if not options["force"] and published_import_unchanged(directory):
            self.stdout.write("Published statistics: these files are already imported, nothing to do.")
            return
        by = options["by"] or getpass.getuser()
        try:
            source = published_import(directory=directory, by=by, now=timezone.now())
        except PublishedProblems as problems:
            raise CommandError(str(problems)) from problems
        self.stdout.write(
            f"Published statistics imported from {directory}: {source.area_years.count():,} area-years, "
            f"{source.populations.count():,} population estimates, {source.neighbours.count():,} neighbour links."
        )
