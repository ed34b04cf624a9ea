"""Batch job: raw daily bars -> daily metrics per symbol and trading day, as Parquet.

    spark-submit daily_metrics.py --from 2025-12-01 --to 2025-12-31

Reads every bar under `bars/` in the raw zone (whatever the folders below are called: every value
is in the records), keeps the trading days of the range plus the 50 earlier rows per symbol that
the longest window needs, removes duplicated bars, computes every column of the contract's
`daily_metrics` table and replaces exactly the days of the range that have bars, each with one
object `daily_metrics/date=YYYY-MM-DD/part-<run>.parquet` in the processed zone: written once to
a staging folder, then published day by day (`day_publisher.py`). Every other object stays as it
was. Exit code 0 once every day is published, 2 for bad arguments or settings, 1 for any other
failure (each day is then as it was or as this run computed it).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from uuid import uuid4

from pyspark.sql import Column, DataFrame, Observation, SparkSession, Window
from pyspark.sql import functions as F

from contract import CONTRACT, SPARK_TYPES
from day_publisher import PARTITION, publish, staged_files
from job_log import Logger
from job_settings import JobSettings, SettingsError, read_settings
from object_store import ObjectStore, S3AObjectStore
from records import VALID, parse_records, valid_only
from spark_session import get_session, s3a_url

BARS = CONTRACT.bar
METRICS = CONTRACT.daily_metrics
# Rows before the first day of a range that its windows reach back to: ma_50 needs 49 earlier
# closes, volatility_20 needs 20 returns (21 closes), the returns need one.
LOOKBACK_ROWS = 49
TRADING_DAYS_PER_YEAR = 252
# Where a run stages its output: in the processed zone, outside the dataset that readers list.
STAGING = "_staging"
# Staged files are grouped by the task that wrote them: the committer then moves one folder per
# task, not one per day (each move on S3 is a copy and a delete of every object in it).
TASK = "task"

log = Logger("daily-metrics")


@dataclass(frozen=True)
class DateRange:
    first: date
    last: date


def parse_args(argv: Sequence[str]) -> DateRange:
    parser = argparse.ArgumentParser(
        prog="daily_metrics", description="Raw daily bars to daily metrics (Parquet, one partition per trading day)."
    )
    parser.add_argument("--from", dest="first", required=True, type=_iso_date, help="first trading day, YYYY-MM-DD")
    parser.add_argument("--to", dest="last", required=True, type=_iso_date, help="last trading day (inclusive), YYYY-MM-DD")
    args = parser.parse_args(argv)
    if args.first > args.last:
        parser.error(f"--from {args.first} is after --to {args.last}")
    return DateRange(args.first, args.last)


def _iso_date(text: str) -> date:
    try:
        if len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a date YYYY-MM-DD (got {text!r})") from None


# --- read -----------------------------------------------------------------------------------------


def read_raw_bars(spark: SparkSession, raw_bucket: str) -> DataFrame:
    """Every line of every object under bars/, parsed and marked valid or not."""
    lines = spark.read.option("recursiveFileLookup", "true").text(s3a_url(raw_bucket, BARS.dataset, ""))
    return lines.where(F.trim("value") != "").select(*parse_records(BARS, F.col("value")))


# --- transform ------------------------------------------------------------------------------------


def deduplicate(bars: DataFrame) -> DataFrame:
    """One bar per (symbol, trade_date). Copies of a bar are equal; for differing ones the first in a
    fixed order of their values is kept, so that the choice never depends on which object was read first."""
    order = [F.col(n).asc() for n in BARS.names if n not in ("symbol", "trade_date")]
    w = Window.partitionBy("symbol", "trade_date").orderBy(*order)
    return bars.withColumn("_copy", F.row_number().over(w)).where(F.col("_copy") == 1).drop("_copy")


def with_lookback(bars: DataFrame, days: DateRange, rows: int = LOOKBACK_ROWS) -> DataFrame:
    """The bars of the range, and per symbol the `rows` bars before its first one in the range."""
    by_date = Window.partitionBy("symbol").orderBy("trade_date")
    numbered = bars.where(F.col("trade_date") <= F.lit(days.last)).withColumn("_n", F.row_number().over(by_date))
    first = numbered.where(F.col("trade_date") >= F.lit(days.first)).groupBy("symbol").agg(F.min("_n").alias("_first"))
    return numbered.join(first, "symbol").where(F.col("_n") >= F.col("_first") - rows).drop("_n", "_first")


def _trailing(column: str, n: int, agg: Column) -> Column:
    """`agg` over the last n rows of a symbol, null until n values exist."""
    w = Window.partitionBy("symbol").orderBy("trade_date").rowsBetween(-(n - 1), Window.currentRow)
    return F.when(F.count(column).over(w) == n, agg.over(w))


def daily_metrics(bars: DataFrame, days: DateRange) -> DataFrame:
    """Daily metrics of the range from valid bars (duplicates allowed), in the contract's columns."""
    by_date = Window.partitionBy("symbol").orderBy("trade_date")
    prev_close = F.lag("close").over(by_date)
    with_returns = with_lookback(deduplicate(bars), days).select(
        "*",
        (F.col("close") / prev_close - 1).alias("daily_return"),
        F.ln(F.col("close") / prev_close).alias("log_return"),
    )
    metrics = with_returns.select(
        "*",
        _trailing("close", 20, F.avg("close")).alias("ma_20"),
        _trailing("close", 50, F.avg("close")).alias("ma_50"),
        (_trailing("log_return", 20, F.stddev_samp("log_return")) * math.sqrt(TRADING_DAYS_PER_YEAR)).alias("volatility_20"),
        ((F.col("high") - F.col("low")) / F.col("open")).alias("intraday_range"),
    )
    in_range = metrics.where(F.col("trade_date").between(F.lit(days.first), F.lit(days.last)))
    return in_range.select(*(F.col(f.name).cast(SPARK_TYPES[f.type]).alias(f.name) for f in METRICS.fields))


# --- write ----------------------------------------------------------------------------------------


def run_name(now: datetime | None = None) -> str:
    """A name of its own for each run, sorting by start time: its staging folder and its published files."""
    at = (now or datetime.now(timezone.utc)).strftime("%Y%m%dT%H%M%SZ")
    return f"{at}-{uuid4().hex[:8]}"


def stage_metrics(metrics: DataFrame, url: str) -> None:
    """One Spark write to a folder no reader lists: one Parquet file per trading day, rows in symbol order."""
    (
        metrics.withColumn(PARTITION, F.col("trade_date"))
        .repartition(PARTITION)
        .withColumn(TASK, F.spark_partition_id())
        .sortWithinPartitions(TASK, PARTITION, "symbol")
        .write.option("maxRecordsPerFile", 0)
        # The committer's algorithm 1 moves each task's folder whole, at task and at job commit;
        # algorithm 2 would move file by file, one rename after the other.
        .option("mapreduce.fileoutputcommitter.algorithm.version", "1")
        .partitionBy(TASK, PARTITION)
        .parquet(url)
    )


def write_metrics(metrics: DataFrame, store: ObjectStore, days: Collection[str], run: str) -> None:
    """Replaces each of `days` (the days in `metrics`, ISO dates) with its rows; every other object stays as it was."""
    staging = f"{STAGING}/{METRICS.dataset}/{run}"
    try:
        stage_metrics(metrics, s3a_url(store.bucket, staging))
        staged = staged_files(store, staging)
        if sorted(staged) != sorted(days):
            missing, extra = sorted(set(days) - set(staged)), sorted(set(staged) - set(days))
            raise RuntimeError(f"the staged days differ from the computed ones: missing {missing[:5]}, unexpected {extra[:5]}")
        publish(store, staged, METRICS.dataset, run)
        log.info("days published", bucket=store.bucket, run=run, first=min(staged), last=max(staged), days=len(staged))
    finally:
        _remove(store, staging)


def _remove(store: ObjectStore, staging: str) -> None:
    # Staging lies outside the dataset: a folder left behind is never read, so failing to remove it fails nothing.
    try:
        store.delete(list(store.keys(f"{staging}/")))
    except Exception as err:
        log.warn("could not remove the staging folder", bucket=store.bucket, staging=staging, error=repr(err))


@dataclass(frozen=True)
class RunSummary:
    rows: int
    days: int
    bars_read: int
    invalid_bars: int


def run(spark: SparkSession, settings: JobSettings, days: DateRange, store: ObjectStore | None = None) -> RunSummary:
    """Computes and publishes the range; `store` is the processed zone (by default through S3A)."""
    store = store or S3AObjectStore(spark, settings.bucket("processed"))
    observation = Observation("bars")
    raw = read_raw_bars(spark, settings.bucket("raw")).observe(
        observation, F.count(F.lit(1)).alias("bars_read"), F.count_if(~F.col(VALID)).alias("invalid_bars")
    )
    metrics = daily_metrics(valid_only(raw), days).persist()
    try:
        rows_per_day = {row["trade_date"].isoformat(): int(row["count"]) for row in metrics.groupBy("trade_date").count().collect()}
        if rows_per_day:
            write_metrics(metrics, store, rows_per_day.keys(), run_name())
    finally:
        metrics.unpersist()
    seen = observation.get
    summary = RunSummary(
        rows=sum(rows_per_day.values()), days=len(rows_per_day), bars_read=int(seen["bars_read"]), invalid_bars=int(seen["invalid_bars"])
    )
    if summary.invalid_bars:
        log.warn("skipped invalid bars in the raw zone", invalid_bars=summary.invalid_bars)
    return summary


def main(argv: Sequence[str] | None = None) -> int:
    try:
        days = parse_args(sys.argv[1:] if argv is None else argv)
        settings = read_settings(os.environ, zones=("raw", "processed"))
    except SettingsError as err:
        log.error("bad settings", problems=err.problems)
        return 2
    except SystemExit as exit_:
        return int(exit_.code or 0)
    spark = get_session("daily-metrics", settings)
    try:
        summary = run(spark, settings, days)
    except Exception as err:
        log.error("daily metrics failed", first=str(days.first), last=str(days.last), error=repr(err))
        return 1
    log.info(
        "daily metrics committed",
        first=str(days.first),
        last=str(days.last),
        rows=summary.rows,
        bars_read=summary.bars_read,
        invalid_bars=summary.invalid_bars,
        days=summary.days,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
