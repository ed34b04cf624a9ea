"""Benchmarks of the Spark jobs on the harness's servers (run by bench/spark.ts); prints one JSON
object with the figures. Each ratio is against a baseline measured in the same run.

1. daily_metrics on the 2,500 recorded bars and on 250,000 generated bars (10 years x 100 symbols):
   wall time of the job (read, metrics, commit of every day's partition) and rows/s, against
   Spark's plain scan of the same raw objects (read and parse only), the floor of any job on them.
The jobs' folder must be on PYTHONPATH (bench/spark.ts sets it).

2. tick_windows running continuously (1 s trigger): the delay from the produce time of the tick
   that makes a window final (its event time passes window end + watermark) to the window's row
   being readable in the realtime zone, for a reader that lists the folder.
"""

from __future__ import annotations

import json
import math
import os
import random
import statistics
import threading
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from pyspark.sql import SparkSession

import daily_metrics
import tick_windows
from job_settings import KafkaSettings, S3Settings
from spark_session import session_conf
from testing import S3, create_topic, job_settings


def session(s3: S3Settings) -> SparkSession:
    builder = (
        SparkSession.builder.master("local[2]")
        .appName("bench")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.showConsoleProgress", "false")
    )
    for key, value in session_conf(s3).items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def generated_bars(symbols: int, days: int) -> list[dict[str, Any]]:
    rng = random.Random(7)
    weekdays = [d for d in (date(2015, 1, 1) + timedelta(n) for n in range(days * 7 // 5 + 10)) if d.weekday() < 5][:days]
    bars = []
    for s in range(symbols):
        close = 50.0 + 5 * s
        for d in weekdays:
            open_ = close * math.exp(rng.gauss(0, 0.005))
            close = open_ * math.exp(rng.gauss(0.0002, 0.015))
            high, low = max(open_, close) * (1 + rng.random() * 0.01), min(open_, close) * (1 - rng.random() * 0.01)
            bars.append(
                {
                    "symbol": f"S{s:03d}",
                    "trade_date": d.isoformat(),
                    "open": open_,
                    "high": high,
                    "low": low,
                    "close": close,
                    "adj_close": close,
                    "volume": rng.randint(10**5, 10**7),
                    "source": "yahoo",
                }
            )
    return bars


def land(s3: S3, bucket: str, bars: list[dict[str, Any]]) -> None:
    """About 500 bars an object, as the sink's larger flushes write them."""
    for i in range(0, len(bars), 500):
        s3.put_jsonl(bucket, f"bars/ingest_date=2026-01-01/part+0+{i:020d}.jsonl", bars[i : i + 500])


def bench_batch(spark: SparkSession, s3: S3, s3s: S3Settings, bars: list[dict[str, Any]]) -> dict[str, Any]:
    raw, processed = s3.new_bucket("raw"), s3.new_bucket("processed")
    land(s3, raw, bars)
    first, last = min(b["trade_date"] for b in bars), max(b["trade_date"] for b in bars)
    started = time.monotonic()
    scanned = daily_metrics.read_raw_bars(spark, raw).count()
    scan_s = time.monotonic() - started
    started = time.monotonic()
    summary = daily_metrics.run(
        spark,
        job_settings(s3s, {"raw": raw, "processed": processed}),
        daily_metrics.DateRange(date.fromisoformat(first), date.fromisoformat(last)),
    )
    job_s = time.monotonic() - started
    return {
        "bars": len(bars),
        "scanned": scanned,
        "rows": summary.rows,
        "days": len({b["trade_date"] for b in bars}),
        "scan_s": scan_s,
        "job_s": job_s,
        "rows_per_s": summary.rows / job_s,
    }


def bench_streaming(spark: SparkSession, s3: S3, s3s: S3Settings, brokers: str, seconds: int) -> dict[str, Any]:
    watermark_s = 5
    topic = f"bench-ticks-{uuid.uuid4().hex[:8]}"
    create_topic(spark, brokers, topic, 3)
    realtime, checkpoints = s3.new_bucket("realtime"), s3.new_bucket("checkpoints")
    kafka = KafkaSettings(brokers=brokers, ssl=False, sasl_mechanism=None, username=None, password=None, ca_pem=None)
    settings = job_settings(s3s, {"realtime": realtime, "checkpoints": checkpoints}, kafka, watermark=f"{watermark_s} seconds")
    query = tick_windows.start(spark, settings, available_now=False, topic=topic, on_published=lambda _b, _n: None)
    jvm: Any = spark._jvm
    props = jvm.java.util.Properties()
    for k, v in {
        "bootstrap.servers": brokers,
        "acks": "all",
        "key.serializer": "org.apache.kafka.common.serialization.StringSerializer",
        "value.serializer": "org.apache.kafka.common.serialization.StringSerializer",
    }.items():
        props.put(k, v)
    producer = jvm.org.apache.kafka.clients.producer.KafkaProducer(props)
    # Event time runs a minute per wall second, starting an hour ago (never in the future).
    t0 = (datetime.now(timezone.utc) - timedelta(hours=1)).replace(second=0, microsecond=0)
    produced: list[tuple[datetime, float]] = []
    readable: dict[str, float] = {}
    stop = threading.Event()

    def poll() -> None:
        while not stop.is_set():
            for key in s3.parquet_files(realtime, "tick_windows/"):
                if key not in readable:
                    readable[key] = time.time()
            time.sleep(0.2)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    for step in range(seconds * 6):
        event = t0 + timedelta(seconds=10 * step)
        for symbol in ("AAPL", "MSFT"):
            value = json.dumps(
                {
                    "symbol": symbol,
                    "event_time": event.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                    "price": 100.0 + step % 7,
                    "bid": 99.99,
                    "ask": 100.01 + step % 7,
                    "volume": 10,
                    "source": "simulated",
                }
            )
            producer.send(jvm.org.apache.kafka.clients.producer.ProducerRecord(topic, symbol, value)).get()
        produced.append((event, time.time()))
        time.sleep(max(0.0, 1 / 6 - 0.01))
    time.sleep(15)
    stop.set()
    poller.join()
    query.stop()
    producer.close()
    delays = []
    for key, seen in readable.items():
        for row in s3.read_parquet(realtime, key).to_pylist():
            final_at = row["window_end"].replace(tzinfo=timezone.utc) + timedelta(seconds=watermark_s)
            closing = next((wall for event, wall in produced if event >= final_at), None)
            if closing is not None:
                delays.append(seen - closing)
    delays.sort()
    return {
        "windows": len(delays),
        "watermark_s": watermark_s,
        "trigger": settings.trigger,
        "median_s": statistics.median(delays),
        "p90_s": delays[int(len(delays) * 0.9)],
        "max_s": delays[-1],
    }


def main() -> None:
    s3s = S3Settings(endpoint=os.environ["S3_ENDPOINT"], region=os.environ.get("S3_REGION", "us-east-1"), path_style=True)
    started = time.monotonic()
    spark = session(s3s)
    session_s = time.monotonic() - started
    s3 = S3.from_env()
    recorded = [json.loads(line) for line in Path(os.environ["RECORDED_BARS"]).read_text().splitlines()]
    figures: dict[str, Any] = {"session_s": session_s}
    out = Path(os.environ["BENCH_FIGURES"])
    # Written after each benchmark, so that the figures measured so far survive a stopped run.
    figures["batch_recorded"] = bench_batch(spark, s3, s3s, recorded)
    out.write_text(json.dumps(figures))
    generated = generated_bars(int(os.environ.get("BENCH_SYMBOLS", "100")), int(os.environ.get("BENCH_DAYS", "2520")))
    figures["batch_generated"] = bench_batch(spark, s3, s3s, generated)
    out.write_text(json.dumps(figures))
    figures["streaming"] = bench_streaming(spark, s3, s3s, os.environ["KAFKA_BROKERS"], int(os.environ.get("BENCH_STREAM_SECONDS", "40")))
    out.write_text(json.dumps(figures))
    spark.stop()


if __name__ == "__main__":
    main()
