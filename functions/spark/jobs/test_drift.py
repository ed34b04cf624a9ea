"""One source of truth: the contract's table schemas, the Spark schemas of the jobs' output and the
Parquet files they actually write must agree, field for field; and this check notices a change."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.types import StructType

import daily_metrics
import tick_windows
from contract import CONTRACT, CONTRACT_FILE, Contract, Schema, load_contract, struct_type
from job_settings import S3Settings
from records import valid_only
from testing import S3, job_settings, required_env
from window_publisher import WindowPublisher

PARQUET_TYPES = {
    "string": pa.string(),
    "double": pa.float64(),
    "long": pa.int64(),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "date": pa.date32(),
}


def drift(schema: Schema, spark_schema: StructType, parquet_schema: Any, rows: list[dict[str, Any]]) -> list[str]:
    """Every difference between the contract's `schema`, a Spark schema and a Parquet file's schema and rows."""
    problems = []
    spark_fields = {f.name: f.dataType for f in spark_schema.fields}
    parquet_fields = {f.name: f.type for f in parquet_schema}
    if list(spark_fields) != schema.names:
        problems.append(f"{schema.name}: Spark has the columns {list(spark_fields)}, the contract {schema.names}")
    if list(parquet_fields) != schema.names:
        problems.append(f"{schema.name}: the Parquet files have the columns {list(parquet_fields)}, the contract {schema.names}")
    for expected in struct_type(schema).fields:
        if expected.name in spark_fields and spark_fields[expected.name] != expected.dataType:
            problems.append(
                f"{schema.name}.{expected.name}: Spark's type is {spark_fields[expected.name]}, the contract's {expected.dataType}"
            )
        wanted = PARQUET_TYPES[schema.field(expected.name).type]
        if expected.name in parquet_fields and parquet_fields[expected.name] != wanted:
            problems.append(
                f"{schema.name}.{expected.name}: the Parquet type is {parquet_fields[expected.name]}, the contract's maps to {wanted}"
            )
        # Spark writes every Parquet column as optional, so the contract's non-null fields are checked on the data.
        if not expected.nullable and any(r.get(expected.name) is None for r in rows):
            problems.append(f"{schema.name}.{expected.name}: null in the Parquet files, but the contract's field is not nullable")
    return problems


def written(s3: S3, bucket: str, prefix: str) -> tuple[Any, list[dict[str, Any]]]:
    keys = s3.parquet_files(bucket, prefix)
    assert keys, f"nothing written under {prefix}"
    tables = [s3.read_parquet(bucket, k) for k in keys]
    return tables[0].schema, [row for t in tables for row in t.to_pylist()]


def daily_metrics_output(spark: SparkSession, s3: S3, s3_settings: S3Settings) -> tuple[DataFrame, Any, list[dict[str, Any]]]:
    raw, processed = s3.new_bucket("raw"), s3.new_bucket("processed")
    bars = [json.loads(line) for line in Path(required_env("RECORDED_BARS")).read_text().splitlines()[:80]]
    s3.put_jsonl(raw, "bars/some/where.jsonl", bars)
    days = daily_metrics.DateRange(date(2024, 1, 1), date(2024, 12, 31))
    daily_metrics.run(spark, job_settings(s3_settings, {"raw": raw, "processed": processed}), days)
    frame = daily_metrics.daily_metrics(valid_only(daily_metrics.read_raw_bars(spark, raw)), days)
    return (frame, *written(s3, processed, "daily_metrics/"))


def tick_windows_output(spark: SparkSession, s3: S3) -> tuple[DataFrame, Any, list[dict[str, Any]]]:
    realtime, checkpoints = s3.new_bucket("realtime"), s3.new_bucket("checkpoints")
    start = datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc)
    ticks = [
        {
            "symbol": s,
            "event_time": start + timedelta(seconds=7 * i),
            "price": 100.0 + i,
            "bid": 99.0 + i,
            "ask": 101.0 + i,
            "volume": i,
            "source": "simulated",
        }
        for i in range(30)
        for s in ("AAPL", "JPM")
    ]
    frame = tick_windows.tick_windows(spark.createDataFrame(ticks, struct_type(CONTRACT.tick)), "2 minutes")
    WindowPublisher(spark, final=f"s3a://{realtime}/tick_windows", staging=f"s3a://{checkpoints}/tick_windows/staging").publish(frame, 7)
    return (frame, *written(s3, realtime, "tick_windows/"))


Output = tuple[DataFrame, Any, list[dict[str, Any]]]


@pytest.fixture(scope="module")
def outputs(spark: SparkSession, s3: S3, s3_settings: S3Settings) -> tuple[Output, Output]:
    """What each job writes, once for the module: its Spark schema, its Parquet schema and rows."""
    return daily_metrics_output(spark, s3, s3_settings), tick_windows_output(spark, s3)


def check(contract: Contract, outputs: tuple[Output, Output]) -> list[str]:
    (metrics, metrics_parquet, metrics_rows), (windows, windows_parquet, windows_rows) = outputs
    return drift(contract.daily_metrics, metrics.schema, metrics_parquet, metrics_rows) + drift(
        contract.tick_windows, windows.schema, windows_parquet, windows_rows
    )


def test_the_jobs_write_exactly_the_contract_s_columns_and_types(outputs: tuple[Output, Output]) -> None:
    assert check(CONTRACT, outputs) == []


def test_a_field_changed_in_a_copy_of_the_contract_is_reported(outputs: tuple[Output, Output], tmp_path: Path) -> None:
    raw = json.loads(CONTRACT_FILE.read_text())
    for f in raw["tables"]["daily_metrics"]["fields"]:
        if f["name"] == "ma_20":
            f["name"] = "ma20"
    for f in raw["tables"]["tick_windows"]["fields"]:
        if f["name"] == "vwap":
            f["type"] = "long"
    changed = tmp_path / "contract.json"
    changed.write_text(json.dumps(raw))
    problems = check(load_contract(changed), outputs)
    assert any("ma20" in p and "Spark has the columns" in p for p in problems), problems
    assert any("ma20" in p and "Parquet files have the columns" in p for p in problems), problems
    assert any("tick_windows.vwap: Spark's type is DoubleType()" in p for p in problems), problems
    assert any("tick_windows.vwap: the Parquet type is double" in p for p in problems), problems
