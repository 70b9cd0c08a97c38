"""Benchmark: every measure for every local authority and year from the published statistics (issue #7: < 1 s
after import).

    .venv/bin/python bench/published_stats.py [--runs 7]

Imports DfE's files (MACPU_PUBLISHED_STATS_DIR, else ../shared/data/dfe-cin) into a fresh SQLite database in
bench/.data/published.sqlite3 (MACPU_DATABASE_URL picks another database), then times, in each run and with no
cache: reading the stored tables into pandas and computing all eight measures for every area and year on both
population bases, plus every neighbour comparison (the 2021 and 2025 models, all 10 neighbours) for every LA in
one year. Prints the median and the longest run, and the machine's load.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench/.data"
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    options = parser.parse_args()
    DATA.mkdir(parents=True, exist_ok=True)
    database = DATA / "published.sqlite3"
    os.environ.setdefault("MACPU_DATABASE_URL", f"sqlite:///{database}")
    os.environ.setdefault("MACPU_DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "macpu.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from macpu.analytics import measures as m
    from macpu.analytics.published import published_frames, published_import, published_stats_dir

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    published_import(directory=published_stats_dir(), by="bench", now=timezone.now())
    print(f"import: {time.perf_counter() - started:.2f} s")

    timings = []
    for _ in range(options.runs):
        started = time.perf_counter()
        frames = published_frames(cached=False)
        if frames is None:
            sys.exit("nothing imported")
        results = {basis: m.compute(frames.figures, frames.populations, basis) for basis in ("published", "current")}
        compared = 0
        for model in ("2021", "2025"):
            codes = frames.neighbours[frames.neighbours["model"] == model]["area_code"].unique()
            table = frames.neighbours[frames.neighbours["model"] == model].merge(
                results["published"].xs(2021, level="year").reset_index(),
                left_on="neighbour_code",
                right_on="area_code",
                suffixes=("", "_n"),
            )
            compared += len(codes) + len(table)
        timings.append(time.perf_counter() - started)
    rows = sum(len(r) for r in results.values())
    print(f"{rows:,} area-years x 8 measures on 2 bases, {compared:,} comparison rows, {options.runs} runs")
    print(f"all measures: median {statistics.median(timings) * 1000:.0f} ms, max {max(timings) * 1000:.0f} ms")
    print(f"load {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores, Python {platform.python_version()}")


if __name__ == "__main__":
    main()
