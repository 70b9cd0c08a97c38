"""Record linkage with Splink (macpu.people.linkage) and `macpu link-dedupe`: measured against the truth behind
synthetic agency records and FEBRL4, and the command's report of what it could not read."""

from __future__ import annotations

import csv
from io import StringIO
from pathlib import Path

import pandas as pd
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from macpu.people import linkage
from macpu.people.synthetic import agency_records
from tests.febrl import febrl4


def pairwise(clusters: pd.DataFrame, truth: pd.DataFrame, key: str) -> tuple[float, float, float]:
    """Precision, recall and F1 over pairs of records: a pair is predicted when both share a cluster."""
    joined = clusters.merge(truth[["record_id", key]], on="record_id")

    def pairs(sizes: pd.Series) -> int:
        return int((sizes * (sizes - 1) // 2).sum())

    predicted, correct = pairs(joined.groupby("cluster_id").size()), pairs(joined.groupby(["cluster_id", key]).size())
    true = pairs(truth.groupby(key).size())
    precision, recall = correct / predicted, correct / true
    return precision, recall, 2 * precision * recall / (precision + recall)


@pytest.fixture(scope="module")
def synthetic() -> tuple[pd.DataFrame, linkage.Linked]:
    records = agency_records(20_000, seed=11)
    return records, linkage.dedupe(records.drop(columns="person_id"))


def test_synthetic_agency_records_link_with_pairwise_f1_of_at_least_097(synthetic):
    records, linked = synthetic

    precision, recall, f1 = pairwise(linked.clusters, records, "person_id")

    assert len(linked.clusters) == len(records) and linked.clusters["record_id"].is_unique
    assert f1 >= 0.97, (precision, recall, f1)


def test_twins_are_never_linked_automatically(synthetic):
    """Different people with the same surname, date of birth and postcode: twins, whose first names differ."""
    records, linked = synthetic
    people = records.merge(linked.clusters, on="record_id")
    twins = people.dropna(subset=["surname", "date_of_birth", "postcode"]).groupby(
        ["surname", "date_of_birth", "postcode"]
    )
    pairs = [group for _, group in twins if group["person_id"].nunique() > 1]

    assert len(pairs) >= 5  # the data holds them
    for group in pairs:
        for _, members in group.groupby("cluster_id"):
            assert members["person_id"].nunique() == 1, members[["first_name", "surname", "person_id", "cluster_id"]]


def test_each_record_carries_its_best_match_probability(synthetic):
    records, linked = synthetic
    sizes = linked.clusters.groupby("cluster_id")["record_id"].transform("size")

    assert linked.clusters["best_match_probability"].between(0, 1).all()
    assert (linked.clusters.loc[sizes > 1, "best_match_probability"] >= linkage.THRESHOLD).all()


def test_febrl4_without_the_social_security_number():
    """The benchmark the issue names, for the model alone: no pair is held for review."""
    frame = febrl4()

    linked = linkage.dedupe(frame.drop(columns="person"), hold_for_review=False)
    precision, recall, f1 = pairwise(linked.clusters, frame.rename(columns={"person": "truth"}), "truth")

    # bench/linkage.py reports the figure: precision 1.000, recall 0.984, F1 0.992 at the default threshold. The
    # issue's target, 0.998, is not met: most true pairs still missed have two of name, surname and date of birth
    # wholly different, or agree only on surname and address, as siblings do.
    assert f1 >= 0.99, (precision, recall, f1)


def write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def test_link_dedupe_writes_each_records_cluster_and_reports_what_it_could_not_read(tmp_path):
    records = agency_records(3_000, seed=5)
    rows = [linkage.COLUMNS] + records[linkage.COLUMNS].fillna("").astype(str).values.tolist()
    twin = rows[1]
    rows += [
        ["bad-date", twin[1], twin[2], "31/02/2015", "M", twin[5], twin[6], "", "police"],
        ["bad-sex", "Ada", "Lovelace", "2015-01-01", "X", "", "", "", "school"],
        ["bad-nhs", "Ada", "Lovelace", "2015-01-01", "F", "", "", "1234567890", "health"],
        ["", "No", "Identifier", "", "", "", "", "", "police"],
        [rows[1][0], "Same", "Identifier", "", "", "", "", "", "police"],
    ]
    source = write(tmp_path / "people.csv", rows)
    out, err = StringIO(), StringIO()

    call_command("link-dedupe", str(source), "--output", str(tmp_path / "linked.csv"), stdout=out, stderr=err)
    linked = pd.read_csv(tmp_path / "linked.csv", dtype={"record_id": str})

    assert list(linked.columns) == ["record_id", "cluster_id", "best_match_probability"]
    assert len(linked) == 3_000 + 3 and set(linked["record_id"]) >= {"bad-date", "bad-sex", "bad-nhs"}
    problems = err.getvalue().splitlines()
    mistyped = problems[:-5]  # the synthetic records hold NHS numbers mistyped on purpose
    assert mistyped and all("nhs_number" in p and "linked without it" in p for p in mistyped)
    assert problems[-5:] == [
        "Line 3002, date_of_birth: '31/02/2015' is not a date as YYYY-MM-DD; linked without it.",
        "Line 3003, sex: 'X' is not M, F or U; linked without it.",
        "Line 3004, nhs_number: '1234567890' is not a valid 10-digit NHS number; linked without it.",
        "Line 3005: no record_id; the row is not linked.",
        f"Line 3006: record_id {rows[1][0]} is used by an earlier row; the row is not linked.",
    ]
    assert "3003 records linked into" in out.getvalue() and f"{len(problems)} problems reported" in out.getvalue()
    truth = records[["record_id", "person_id"]]
    precision, recall, f1 = pairwise(linked[linked["record_id"].isin(truth["record_id"])], truth, "person_id")
    assert f1 >= 0.95, (precision, recall, f1)


def test_link_dedupe_refuses_a_file_it_cannot_use(tmp_path):
    no_id = write(tmp_path / "no-id.csv", [["first_name", "surname"], ["Ada", "Lovelace"]])
    unknown = write(tmp_path / "unknown.csv", [["record_id", "shoe_size"], ["1", "9"]])

    with pytest.raises(CommandError, match="the header row has no record_id column"):
        call_command("link-dedupe", str(no_id), "--output", str(tmp_path / "out.csv"))
    with pytest.raises(CommandError, match="unknown columns shoe_size"):
        call_command("link-dedupe", str(unknown), "--output", str(tmp_path / "out.csv"))
    assert not (tmp_path / "out.csv").exists()
