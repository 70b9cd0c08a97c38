"""The same linkage on Spark (macpu.people.spark), in local mode on a small sample: the path past one machine."""

from __future__ import annotations

import pytest
from django.db import connection

from macpu.people import linkage, spark
from macpu.people.synthetic import agency_records
from macpu.people.tests.test_linkage import pairwise

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="Spark does not use the database: it runs once, in the SQLite pass"
)


def test_spark_links_a_sample_as_duckdb_does():
    records = agency_records(400, seed=5)
    frame = records.drop(columns="person_id")
    session = spark.session()
    try:
        on_spark = spark.dedupe(session, frame)
    finally:
        session.stop()
    on_duckdb = linkage.dedupe(frame).clusters

    spark_scores = pairwise(on_spark, records, "person_id")
    duckdb_scores = pairwise(on_duckdb, records, "person_id")

    assert sorted(on_spark["record_id"]) == sorted(frame["record_id"])
    assert spark_scores[2] >= 0.95, spark_scores
    assert abs(spark_scores[2] - duckdb_scores[2]) <= 0.02, (spark_scores, duckdb_scores)
