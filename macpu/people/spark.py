"""The same linkage on Spark: the documented path past one machine (ADR 0010).

DuckDB links millions of records on one machine. Past that, the same Splink model runs on a Spark cluster: the
records are prepared as for DuckDB (``linkage.prepare``, one record at a time, so it splits across machines as it
is), then trained, scored and clustered by Spark with the same settings and the same training steps. The levels'
SQL is written in DuckDB's dialect and translated by Splink for Spark.

A test runs this in local mode on a small sample (macpu/people/tests/test_linkage_spark.py). On a cluster, build the
session with the cluster's master instead of ``local[2]`` and keep the rest.
"""

from __future__ import annotations

import logging
from typing import Any

import duckdb
import pandas as pd
from splink import Linker

from macpu.people import linkage


def session(master: str = "local[2]") -> Any:
    """A Spark session with Splink's similarity functions (Jaro-Winkler) loaded from the jar Splink ships."""
    from pyspark.sql import SparkSession
    from splink.internals.spark.jar_location import similarity_jar_location

    return (
        SparkSession.builder.master(master)
        .appName("macpu-linkage")
        .config("spark.jars", similarity_jar_location())
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.ui.enabled", "false")
        # Splink's small lookup tables are joined everywhere; broadcasting them ran a local driver out of memory.
        .config("spark.sql.autoBroadcastJoinThreshold", "-1")
        .getOrCreate()
    )


def linker_for(spark: Any, frame: pd.DataFrame) -> Linker:
    """A Linker on Spark over `frame` (linkage.COLUMNS as text), its records prepared as for DuckDB."""
    from splink import SparkAPI

    con = duckdb.connect()
    con.register("records", frame[linkage.COLUMNS].astype(object).where(frame[linkage.COLUMNS].notna(), None))
    linkage.prepare(con, "records")
    prepared = con.sql("SELECT * FROM prepared").arrow().read_all()
    schema = ", ".join(
        f"{field.name} {'array<string>' if str(field.type).startswith('list') else 'string'}"
        for field in prepared.schema
    )
    rows = [tuple(row.values()) for row in prepared.to_pylist()]
    db_api = SparkAPI(spark_session=spark, break_lineage_method="persist")
    return Linker(
        db_api.register(spark.createDataFrame(rows, schema=schema)), linkage.settings(), log_level=logging.WARNING
    )


def dedupe(spark: Any, frame: pd.DataFrame, *, threshold: float = linkage.THRESHOLD) -> pd.DataFrame:
    """Train, score and cluster `frame` on Spark as linkage.dedupe does on DuckDB, pairs that need a person's
    decision left out: each record_id's cluster_id."""
    linker = linker_for(spark, frame)
    linkage.train(linker)
    predictions = linker.inference.predict(threshold_match_probability=threshold, warning_mode="never")
    edges = linker._db_api.register(  # noqa: SLF001 - the SparkAPI the tables live on
        spark.sql(f"SELECT * FROM {predictions.physical_name} WHERE NOT ({linkage.review_condition(linker)})"),  # noqa: S608  # nosec B608
        table_name="linkable_pairs",
    )
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(edges, threshold_match_probability=threshold)
    return clusters.as_pandas_dataframe()[["record_id", "cluster_id"]]
