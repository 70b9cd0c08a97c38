"""Record linkage benchmarks for issue #6 (not part of the test run).

    .venv/bin/python bench/linkage.py febrl          # FEBRL4 without the social security number: P, R, F1
    .venv/bin/python bench/linkage.py synthetic 1000000
    .venv/bin/python bench/linkage.py synthetic 5000000

`synthetic N` generates N agency records (macpu.people.synthetic), trains, then times predict plus cluster (the
issue's target: 1M in 15 s under 2 GB, 5M in 240 s under 8 GB) and scores the clusters against the truth. Peak
memory is the process's maximum resident set, so run each size in its own process; it includes the generated
records, freed once DuckDB holds them (only record_id and the truth are kept, to score the clusters). The machine's
load average changes the times a lot on two cores: note `uptime` beside them.
"""

from __future__ import annotations

import os
import resource
import sys
import time
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "macpu.settings")
os.environ.setdefault("MACPU_DEBUG", "1")
django.setup()

import pandas as pd  # noqa: E402

from macpu.people import linkage  # noqa: E402
from macpu.people.synthetic import agency_records  # noqa: E402


def pairwise(clusters: pd.DataFrame, truth: pd.DataFrame, key: str) -> str:
    joined = clusters.merge(truth[["record_id", key]], on="record_id")

    def pairs(sizes: pd.Series) -> int:
        return int((sizes * (sizes - 1) // 2).sum())

    predicted, correct = pairs(joined.groupby("cluster_id").size()), pairs(joined.groupby(["cluster_id", key]).size())
    true = pairs(truth.groupby(key).size())
    p, r = correct / predicted, correct / true
    return f"precision {p:.4f}, recall {r:.4f}, F1 {2 * p * r / (p + r):.4f} ({correct:,} of {true:,} true pairs)"


def timed(label: str, started: float) -> float:
    now = time.perf_counter()
    print(f"{label}: {now - started:.1f} s", flush=True)
    return now


def run(frame: list[pd.DataFrame], truth_key: str, threshold: float, hold_for_review: bool) -> None:
    """Link the one DataFrame in `frame`, a list so that the records can be freed once DuckDB holds them."""
    truth = frame[0][["record_id", truth_key]].copy()
    t = time.perf_counter()
    linker = linkage.linker_for(frame[0])  # it reads linkage.COLUMNS only, never the truth
    del frame[:]  # the records are in DuckDB now: the caller's list no longer holds them
    t = timed("prepare", t)
    linkage.train(linker)
    t = timed("train (not in the target)", t)
    start = t
    predictions = linkage.predict(linker)
    t = timed("predict", t)
    linked = linkage.cluster(linker, predictions, threshold, hold_for_review=hold_for_review)
    t = timed("cluster", t)
    print(f"predict + cluster: {t - start:.1f} s, {linked.pairs:,} pairs scored")
    print(
        f"at {threshold}{' (pairs held for review not linked)' if hold_for_review else ''}: "
        + pairwise(linked.clusters, truth, truth_key)
    )


def main() -> None:
    what = sys.argv[1] if len(sys.argv) > 1 else "febrl"
    if what == "febrl":
        from tests.febrl import febrl4

        run([febrl4()], "person", threshold=linkage.THRESHOLD, hold_for_review=False)
    else:
        n = int(sys.argv[2])
        t = time.perf_counter()
        frame = [agency_records(n, seed=2026)]
        timed(f"generate {n:,} records", t)
        run(frame, "person_id", threshold=linkage.THRESHOLD, hold_for_review=True)
    print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2:.2f} GB")


if __name__ == "__main__":
    main()
