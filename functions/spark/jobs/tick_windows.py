"""Streaming job: ticks from Kafka -> 1-minute OHLC/VWAP bars per symbol, as Parquet.

    spark-submit tick_windows.py                  # runs until stopped (trigger: TICK_WINDOWS_TRIGGER)
    spark-submit tick_windows.py --available-now  # processes what Kafka holds, then exits (tests, catch-up)

Reads `stock-market-realtime`, parses every message with the contract's tick schema and counts
the invalid ones (observed metrics `invalid_ticks` in each progress report and log line) instead
of failing. Valid ticks are deduplicated by (symbol, event_time), grouped into 1-minute tumbling
windows by event time, and a window is written once the watermark (TICK_WINDOWS_WATERMARK,
default 2 minutes) has passed its end; ticks behind the watermark are dropped and counted
(`late_ticks_dropped`). Each micro-batch's windows are published by `window_publisher`: one
complete Parquet object per date and batch, under a name fixed by the batch, so that a re-run
batch rewrites the same objects and readers that list the folder never see a partial or
duplicated batch. Exit code 0 when the query ended cleanly, 2 for bad arguments or settings.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.streaming.listener import (
    QueryIdleEvent,
    QueryProgressEvent,
    QueryStartedEvent,
    QueryTerminatedEvent,
    StreamingQueryListener,
    StreamingQueryProgress,
)
from pyspark.sql.streaming.query import StreamingQuery

from contract import CONTRACT, SPARK_TYPES
from job_log import Logger
from job_settings import JobSettings, SettingsError, read_settings
from records import VALID, parse_records, valid_only
from spark_session import get_session, kafka_options, s3a_url
from window_publisher import WindowPublisher

TICKS = CONTRACT.tick
WINDOWS = CONTRACT.tick_windows
WINDOW = "1 minute"
OBSERVED = "ticks"
# State partitions are fixed by the first run of a checkpoint; a handful suits a few symbols.
STATE_PARTITIONS = 4

log = Logger("tick-windows")


# --- transform ------------------------------------------------------------------------------------


def parse_ticks(messages: DataFrame) -> DataFrame:
    """Kafka messages (binary key and value) -> the contract's tick columns and `_valid`."""
    return messages.select(*parse_records(TICKS, F.col("value").cast("string"), key=F.col("key").cast("string")))


def tick_windows(ticks: DataFrame, watermark: str) -> DataFrame:
    """Valid ticks -> one row per symbol and 1-minute window, in the contract's columns."""
    deduplicated = ticks.withWatermark("event_time", watermark).dropDuplicates(["symbol", "event_time"])
    traded = F.sum("volume")
    windows = deduplicated.groupBy(F.window("event_time", WINDOW).alias("w"), "symbol").agg(
        F.min_by("price", "event_time").alias("open"),
        F.max("price").alias("high"),
        F.min("price").alias("low"),
        F.max_by("price", "event_time").alias("close"),
        # With no shares traded in a window, every tick weighs the same.
        F.when(traded > 0, F.sum(F.col("price") * F.col("volume")) / traded).otherwise(F.avg("price")).alias("vwap"),
        traded.alias("volume"),
        F.count(F.lit(1)).alias("tick_count"),
    )
    flat = windows.select("*", F.col("w.start").alias("window_start"), F.col("w.end").alias("window_end"))
    return flat.select(*(F.col(f.name).cast(SPARK_TYPES[f.type]).alias(f.name) for f in WINDOWS.fields))


# --- metrics --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchCounts:
    batch: int
    input_rows: int
    invalid_ticks: int
    late_ticks_dropped: int


def batch_counts(progress: StreamingQueryProgress) -> BatchCounts:
    """What one micro-batch reports: its input, the invalid ticks observed, the rows behind the watermark."""
    observed: Any = progress.observedMetrics.get(OBSERVED)
    return BatchCounts(
        batch=progress.batchId,
        input_rows=int(progress.numInputRows),
        invalid_ticks=int(observed["invalid_ticks"] or 0) if observed is not None else 0,
        late_ticks_dropped=sum(int(op.numRowsDroppedByWatermark) for op in progress.stateOperators),
    )


@dataclass
class RunTotals:
    batches: int = 0
    input_rows: int = 0
    invalid_ticks: int = 0
    late_ticks_dropped: int = 0
    windows_written: int = 0
    published_batches: list[int] = field(default_factory=list)

    def add(self, counts: BatchCounts) -> None:
        self.batches += 1
        self.input_rows += counts.input_rows
        self.invalid_ticks += counts.invalid_ticks
        self.late_ticks_dropped += counts.late_ticks_dropped


class ProgressLogger(StreamingQueryListener):
    """One log line per micro-batch with its counts (the listener bus delivers them asynchronously)."""

    def onQueryStarted(self, event: QueryStartedEvent) -> None:
        log.info("query started", id=str(event.id), run_id=str(event.runId))

    def onQueryProgress(self, event: QueryProgressEvent) -> None:
        counts = batch_counts(event.progress)
        log.info(
            "batch done",
            batch=counts.batch,
            input_rows=counts.input_rows,
            invalid_ticks=counts.invalid_ticks,
            late_ticks_dropped=counts.late_ticks_dropped,
            watermark=event.progress.eventTime.get("watermark"),
            duration_ms=event.progress.batchDuration,
        )

    def onQueryIdle(self, event: QueryIdleEvent) -> None:
        pass

    def onQueryTerminated(self, event: QueryTerminatedEvent) -> None:
        log.info("query terminated", id=str(event.id), error=event.exception)


# --- run ------------------------------------------------------------------------------------------


def start(
    spark: SparkSession, settings: JobSettings, available_now: bool, topic: str, on_published: Callable[[int, int], None]
) -> StreamingQuery:
    assert settings.kafka is not None
    spark.conf.set("spark.sql.shuffle.partitions", str(STATE_PARTITIONS))
    messages = (
        spark.readStream.format("kafka")
        .options(**kafka_options(settings.kafka))
        .option("subscribe", topic)
        .option("startingOffsets", "earliest")
        # Retention may delete records of a stopped job; Spark logs the loss and goes on.
        .option("failOnDataLoss", "false")
        .load()
    )
    ticks = parse_ticks(messages).observe(OBSERVED, F.count(F.lit(1)).alias("ticks"), F.count_if(~F.col(VALID)).alias("invalid_ticks"))
    publisher = WindowPublisher(
        spark,
        final=s3a_url(settings.bucket("realtime"), WINDOWS.dataset),
        staging=s3a_url(settings.bucket("checkpoints"), WINDOWS.dataset, "staging"),
        on_published=on_published,
    )
    writer = (
        tick_windows(valid_only(ticks), settings.watermark)
        .writeStream.queryName(WINDOWS.dataset)
        .outputMode("append")
        .option("checkpointLocation", s3a_url(settings.bucket("checkpoints"), WINDOWS.dataset, "checkpoint"))
        .foreachBatch(publisher.publish)
    )
    writer = writer.trigger(availableNow=True) if available_now else writer.trigger(processingTime=settings.trigger)
    return writer.start()


def run(spark: SparkSession, settings: JobSettings, available_now: bool, topic: str = TICKS.topic or "") -> RunTotals:
    """Runs the query until it ends (available-now) or is stopped; the totals of its batches."""
    totals = RunTotals()

    def published(batch: int, rows: int) -> None:
        totals.windows_written += rows
        if rows:
            totals.published_batches.append(batch)

    listener = ProgressLogger()
    spark.streams.addListener(listener)
    try:
        query = start(spark, settings, available_now, topic, published)
        query.awaitTermination()
    finally:
        spark.streams.removeListener(listener)
    for progress in query.recentProgress:
        totals.add(batch_counts(progress))
    return totals


def parse_args(argv: Sequence[str]) -> bool:
    parser = argparse.ArgumentParser(prog="tick_windows", description="Ticks from Kafka to 1-minute windows (Parquet).")
    parser.add_argument("--available-now", action="store_true", help="process what Kafka holds now, then exit")
    return bool(parser.parse_args(argv).available_now)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        available_now = parse_args(sys.argv[1:] if argv is None else argv)
        settings = read_settings(os.environ, zones=("realtime", "checkpoints"), kafka=True)
    except SettingsError as err:
        log.error("bad settings", problems=err.problems)
        return 2
    except SystemExit as exit_:
        return int(exit_.code or 0)
    spark = get_session("tick-windows", settings)
    try:
        totals = run(spark, settings, available_now)
    except Exception as err:
        log.error("tick windows failed", error=repr(err))
        return 1
    log.info(
        "tick windows stopped",
        batches=totals.batches,
        invalid_ticks=totals.invalid_ticks,
        late_ticks_dropped=totals.late_ticks_dropped,
        windows_written=totals.windows_written,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
