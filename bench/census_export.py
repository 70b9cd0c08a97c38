"""Benchmark: the CIN census export for a local authority of 50,000 children in the return (issue #3: < 60 s).

    .venv/bin/python bench/census_export.py [--children 82000] [--runs 3]

The first run builds the database once through the real services (`macpu seed-demo`'s generator, about 15 s per
1,000 children on these machines) into bench/.data/ (SQLite; MACPU_DATABASE_URL picks another database), and
reuses it afterwards: delete bench/.data/ to build it again. Each run then times `macpu cin-census` as its own
process, as the performance team would run it, and reports wall time, peak memory and the children in the file.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench/.data"
TODAY = date(2026, 5, 15)  # the 2025-26 collection year has ended and is fully in the generated window
YEAR = 2026


def macpu(*args: str, env: dict[str, str]) -> float:
    """Run a macpu command; return its peak memory in MiB. Raises if it fails."""
    process = subprocess.Popen([str(ROOT / ".venv/bin/macpu"), *args], env=env)  # noqa: S603 - our own command
    _pid, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"macpu {' '.join(args)} failed")
    return usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--children", type=int, default=82_000, help="children to generate (default 82,000)")
    parser.add_argument("--runs", type=int, default=3, help="timed exports (default 3)")
    options = parser.parse_args()

    DATA.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "MACPU_DEBUG": "1"}
    env.setdefault("MACPU_DATABASE_URL", f"sqlite:///{DATA}/census-{options.children}.sqlite3")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"database: {env['MACPU_DATABASE_URL']}")

    ready = DATA / f"census-{options.children}.ready"
    if not ready.exists():
        macpu("migrate", "--noinput", "--verbosity", "0", env=env)
        started = time.perf_counter()
        macpu("seed-demo", "--children", str(options.children), "--seed", "11", "--today", TODAY.isoformat(), env=env)
        print(f"built the database: {options.children:,} children in {time.perf_counter() - started:.0f} s")
        ready.touch()

    output = DATA / f"cin-census-{YEAR}.xml"
    timings, peaks = [], []
    for run in range(1, options.runs + 1):
        started = time.perf_counter()
        peaks.append(macpu("cin-census", "--year", str(YEAR), "--output", str(output), env=env))
        timings.append(time.perf_counter() - started)
        print(f"run {run}: {timings[-1]:.1f} s, peak memory {peaks[-1]:.0f} MiB")
    peak_mib = max(peaks)
    children = output.read_bytes().count(b"<Child>")
    print(
        f"census {YEAR}: {children:,} children, {output.stat().st_size / 2**20:.0f} MiB; "
        f"median {statistics.median(timings):.1f} s (best {min(timings):.1f} s) over {len(timings)} runs; "
        f"peak memory of one export {peak_mib:.0f} MiB; target < 60 s"
    )
    if children < 50_000:
        sys.exit(f"only {children:,} children in the return: run with more --children")


if __name__ == "__main__":
    main()
