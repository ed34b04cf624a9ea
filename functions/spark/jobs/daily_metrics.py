"""Batch job: raw daily bars -> daily metrics per symbol and trading day, as Parquet.

    spark-submit daily_metrics.py --from 2025-12-01 --to 2025-12-31

Reads every bar under `bars/` in the raw zone (whatever the folders below are called: every value
is in the records), keeps the trading days of the range plus the 50 earlier rows per symbol that
the longest window needs, removes duplicated bars, computes every column of the contract's
`daily_metrics` table and replaces exactly the days of the range under `daily_metrics/date=...`
in the processed zone (dynamic partition overwrite). Exit code 0 once the output is committed,
2 for bad arguments or settings, 1 for any other failure.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from pyspark.sql import Column, DataFrame, Observation, SparkSession, Window
from pyspark.sql import functions as F

from contract import CONTRACT, SPARK_TYPES
from job_log import Logger
from job_settings import JobSettings, SettingsError, read_settings
from records import VALID, parse_records, valid_only
from spark_session import get_session, s3a_url

BARS = CONTRACT.bar
METRICS = CONTRACT.daily_metrics
# Rows before the first day of a range that its windows reach back to: ma_50 needs 49 earlier
# closes, volatility_20 needs 20 returns (21 closes), the returns need one.
LOOKBACK_ROWS = 49
TRADING_DAYS_PER_YEAR = 252
# The output's partition column: a copy of trade_date, so that the files keep every column.
PARTITION = "date"

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


def write_metrics(metrics: DataFrame, processed_bucket: str) -> None:
    """One Parquet file per trading day; only the days present in `metrics` are replaced."""
    (
        metrics.withColumn(PARTITION, F.col("trade_date"))
        .repartition(PARTITION)
        .sortWithinPartitions("symbol")
        .write.mode("overwrite")
        .option("partitionOverwriteMode", "dynamic")
        .partitionBy(PARTITION)
        .parquet(s3a_url(processed_bucket, METRICS.dataset))
    )


@dataclass(frozen=True)
class RunSummary:
    rows: int
    bars_read: int
    invalid_bars: int


def run(spark: SparkSession, settings: JobSettings, days: DateRange) -> RunSummary:
    observation = Observation("bars")
    raw = read_raw_bars(spark, settings.bucket("raw")).observe(
        observation, F.count(F.lit(1)).alias("bars_read"), F.count_if(~F.col(VALID)).alias("invalid_bars")
    )
    metrics = daily_metrics(valid_only(raw), days).persist()
    try:
        rows = metrics.count()
        write_metrics(metrics, settings.bucket("processed"))
    finally:
        metrics.unpersist()
    seen = observation.get
    summary = RunSummary(rows=rows, bars_read=int(seen["bars_read"]), invalid_bars=int(seen["invalid_bars"]))
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
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
