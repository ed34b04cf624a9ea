"""The streaming job through the harness's real Kafka broker and S3 server, and its transform on small frames."""

from __future__ import annotations

import json
import re
import uuid
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from pyspark.sql import SparkSession

import tick_windows as job
from contract import CONTRACT, struct_type
from job_settings import KafkaSettings, S3Settings
from records import VALID
from testing import S3, create_topic, job_settings, produce

Tick = dict[str, Any]
# Whole hours in the past, so that no tick is "in the future" and windows line up with minutes.
T0 = (datetime.now(timezone.utc) - timedelta(hours=3)).replace(minute=0, second=0, microsecond=0)


def iso(t: datetime) -> str:
    return t.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def tick(symbol: str, at: timedelta, price: float, volume: int) -> Tick:
    return {
        "symbol": symbol,
        "event_time": iso(T0 + at),
        "price": price,
        "bid": round(price - 0.01, 2),
        "ask": round(price + 0.01, 2),
        "volume": volume,
        "source": "simulated",
    }


def message(t: Tick) -> tuple[str, str]:
    return t["symbol"], json.dumps(t)


def expected_windows(ticks: list[Tick]) -> dict[tuple[str, datetime], dict[str, Any]]:
    """1-minute OHLC/VWAP bars computed here, without Spark."""
    groups: dict[tuple[str, datetime], dict[str, Tick]] = defaultdict(dict)
    for t in ticks:
        at = datetime.fromisoformat(t["event_time"].replace("Z", "+00:00"))
        groups[(t["symbol"], at.replace(second=0, microsecond=0))][t["event_time"]] = t  # one tick per (symbol, time)
    out = {}
    for (symbol, start), by_time in groups.items():
        rows = [by_time[k] for k in sorted(by_time)]
        volume = sum(r["volume"] for r in rows)
        prices = [r["price"] for r in rows]
        out[(symbol, start)] = {
            "symbol": symbol,
            "window_start": start,
            "window_end": start + timedelta(minutes=1),
            "open": rows[0]["price"],
            "high": max(prices),
            "low": min(prices),
            "close": rows[-1]["price"],
            "vwap": sum(r["price"] * r["volume"] for r in rows) / volume if volume else sum(prices) / len(prices),
            "volume": volume,
            "tick_count": len(rows),
        }
    return out


def assert_windows(rows: list[dict[str, Any]], expected: dict[tuple[str, datetime], dict[str, Any]]) -> None:
    keyed = defaultdict(list)
    for r in rows:
        keyed[(r["symbol"], r["window_start"])].append(r)
    assert {k: len(v) for k, v in keyed.items() if len(v) > 1} == {}, "a window was written twice"
    assert sorted(keyed) == sorted(expected)
    for key, want in expected.items():
        got = keyed[key][0]
        for name in CONTRACT.tick_windows.names:
            if isinstance(want[name], float):
                assert abs(got[name] - want[name]) <= 1e-9, f"{key} {name}"
            else:
                assert got[name] == want[name], f"{key} {name}: {got[name]!r} != {want[name]!r}"


# --- the transform on small frames -------------------------------------------------------------------


def kafka_rows(spark: SparkSession, messages: list[tuple[str | None, str]]) -> Any:
    return spark.createDataFrame(messages, "key string, value string").selectExpr(
        "CAST(key AS BINARY) AS key", "CAST(value AS BINARY) AS value"
    )


def test_every_kind_of_bad_tick_is_marked_invalid_and_a_good_one_is_kept(spark: SparkSession) -> None:
    good = tick("AAPL", timedelta(seconds=5), 191.2, 300)
    future = {**good, "event_time": iso(datetime.now(timezone.utc) + timedelta(minutes=10))}
    bad: list[tuple[str | None, str]] = [
        ("AAPL", "{not json"),
        ("AAPL", json.dumps([good])),
        ("AAPL", json.dumps({k: v for k, v in good.items() if k != "bid"})),
        ("AAPL", json.dumps({**good, "ask": None})),
        ("AAPL", json.dumps({**good, "price": "191.2"})),
        ("AAPL", json.dumps({**good, "price": -1})),
        ("AAPL", json.dumps({**good, "price": 0})),
        ("AAPL", json.dumps({**good, "volume": -3})),
        ("AAPL", json.dumps({**good, "volume": 1.5})),
        ("AAPL", json.dumps({**good, "bid": 192, "ask": 191})),
        ("aapl", json.dumps({**good, "symbol": "aapl"})),
        ("AAPL", json.dumps({**good, "event_time": "2026-03-03 11:59:58"})),
        ("AAPL", json.dumps({**good, "event_time": "2026-02-30T10:00:00.000Z"})),
        ("AAPL", json.dumps(future)),
        ("AAPL", json.dumps({**good, "source": "rumour"})),
        ("AAPL", json.dumps({**good, "venue": "XNAS"})),
        ("MSFT", json.dumps(good)),
        (None, json.dumps(good)),
        ("AAPL", ""),
    ]
    parsed = job.parse_ticks(kafka_rows(spark, [message(good), *bad])).collect()
    assert [r[VALID] for r in parsed] == [True] + [False] * len(bad)
    assert parsed[0]["event_time"] == (T0 + timedelta(seconds=5)).replace(tzinfo=None)


def test_windows_carry_ohlc_vwap_volume_and_count_by_event_time(spark: SparkSession) -> None:
    ticks = [
        tick("AAPL", timedelta(seconds=40), 101.0, 10),
        tick("AAPL", timedelta(seconds=10), 100.0, 30),
        tick("AAPL", timedelta(seconds=10), 100.0, 30),  # the same tick again: counted once
        tick("AAPL", timedelta(seconds=59, milliseconds=999), 99.5, 0),
        tick("AAPL", timedelta(minutes=1), 102.0, 5),
        tick("MSFT", timedelta(seconds=1), 400.0, 0),
        tick("MSFT", timedelta(seconds=2), 401.0, 0),
    ]
    frame = spark.createDataFrame(
        [{**t, "event_time": datetime.fromisoformat(t["event_time"].replace("Z", "+00:00"))} for t in ticks], struct_type(CONTRACT.tick)
    )
    rows = [r.asDict() for r in job.tick_windows(frame, "2 minutes").collect()]
    for r in rows:
        r["window_start"] = r["window_start"].replace(tzinfo=timezone.utc)
        r["window_end"] = r["window_end"].replace(tzinfo=timezone.utc)
    assert_windows(rows, expected_windows(ticks))
    msft = next(r for r in rows if r["symbol"] == "MSFT")
    assert msft["vwap"] == 400.5, "no shares traded: every tick weighs the same"


# --- through Kafka and S3 ----------------------------------------------------------------------------

PUBLISHED = re.compile(r"^tick_windows/date=\d{4}-\d{2}-\d{2}/part-\d{12}\.parquet$")


class Stream:
    """One topic, one realtime and one checkpoints bucket: the job's world for one test."""

    def __init__(self, spark: SparkSession, s3: S3, s3_settings: S3Settings, kafka: KafkaSettings) -> None:
        self.spark, self.s3, self.kafka = spark, s3, kafka
        self.topic = f"ticks-{uuid.uuid4().hex[:8]}"
        create_topic(spark, kafka.brokers, self.topic, partitions=3)
        self.realtime, self.checkpoints = s3.new_bucket("realtime"), s3.new_bucket("checkpoints")
        self.settings = job_settings(s3_settings, {"realtime": self.realtime, "checkpoints": self.checkpoints}, kafka)

    def send(self, messages: list[tuple[str | None, str]]) -> None:
        produce(self.spark, self.kafka.brokers, self.topic, messages)

    def run_once(self) -> job.RunTotals:
        return job.run(self.spark, self.settings, available_now=True, topic=self.topic)

    def published(self) -> list[dict[str, Any]]:
        """Every window in the realtime zone, read as a non-Spark reader would: list, then read each Parquet object."""
        keys = self.s3.keys(self.realtime)
        assert [k for k in keys if not PUBLISHED.match(k)] == [], "only complete files under names fixed by their batch"
        rows = self.s3.read_rows(self.realtime, "tick_windows/")
        for r in rows:
            r["window_start"] = r["window_start"].replace(tzinfo=timezone.utc)
            r["window_end"] = r["window_end"].replace(tzinfo=timezone.utc)
        return rows


@pytest.fixture
def stream(spark: SparkSession, s3: S3, s3_settings: S3Settings, kafka_settings: KafkaSettings) -> Stream:
    return Stream(spark, s3, s3_settings, kafka_settings)


def minute_of_ticks(start_minute: int, minutes: int) -> list[Tick]:
    """AAPL and MSFT, one tick every 10 s."""
    out = []
    for i in range(minutes * 6):
        at = timedelta(minutes=start_minute, seconds=10 * i)
        out.append(tick("AAPL", at, round(100 + 0.25 * i, 2), 100 + i))
        out.append(tick("MSFT", at, round(400 - 0.1 * i, 2), 50 + 2 * i))
    return out


def windows_before(ticks: list[Tick], minute: int) -> dict[tuple[str, datetime], dict[str, Any]]:
    return {k: v for k, v in expected_windows(ticks).items() if k[1] < T0 + timedelta(minutes=minute)}


def test_late_ticks_inside_the_watermark_count_and_beyond_it_are_dropped_and_a_replayed_batch_duplicates_nothing(
    stream: Stream, s3: S3
) -> None:
    # Run 1: five minutes of ticks and some bad messages. The watermark ends at 4:50 - 2:00 = 2:50,
    # so minutes 0 and 1 are final.
    first = minute_of_ticks(0, 5)
    bad: list[tuple[str | None, str]] = [
        ("AAPL", "{not json"),
        ("AAPL", json.dumps({**first[0], "price": -1})),
        ("MSFT", json.dumps(first[0])),
    ]
    stream.send([message(t) for t in first] + bad)
    totals = stream.run_once()
    assert (totals.input_rows, totals.invalid_ticks, totals.late_ticks_dropped) == (len(first) + len(bad), len(bad), 0)
    assert_windows(stream.published(), windows_before(first, 2))
    assert totals.windows_written == 4

    # Run 2: a tick at 2:55 is late but inside the watermark (2:50): it joins minute 2. One at 1:30
    # is behind it: dropped and counted. Ticks at 6:00 move the watermark to 4:00.
    inside = tick("AAPL", timedelta(minutes=2, seconds=55), 150.0, 7)
    beyond = tick("AAPL", timedelta(minutes=1, seconds=30), 160.0, 9)
    later = [tick("AAPL", timedelta(minutes=6), 110.0, 1), tick("MSFT", timedelta(minutes=6), 390.0, 1)]
    stream.send([message(inside), message(beyond), *map(message, later)])
    totals = stream.run_once()
    assert (totals.invalid_ticks, totals.late_ticks_dropped) == (0, 1)
    expected = windows_before([*first, inside], 4)
    assert_windows(stream.published(), expected)
    assert expected[("AAPL", T0 + timedelta(minutes=2))]["high"] == 150.0

    # A crash after a batch was published but before it was committed: Spark runs it again on restart.
    replayed = max(totals.published_batches)
    commit_keys = [
        k
        for k in s3.keys(stream.checkpoints, "tick_windows/checkpoint/commits/")
        if k.rsplit("/", 1)[1].lstrip(".").split(".")[0] == str(replayed)
    ]
    assert commit_keys, "the commit of the last batch is in the checkpoint"
    for key in commit_keys:
        s3.client.delete_object(Bucket=stream.checkpoints, Key=key)
    before = s3.snapshot(stream.realtime)

    # Run 3, after the restart: the replayed batch rewrites its own objects, then new ticks close minute 4.
    stream.send([message(tick("AAPL", timedelta(minutes=8), 120.0, 1)), message(tick("MSFT", timedelta(minutes=8), 380.0, 1))])
    totals = stream.run_once()
    assert replayed in totals.published_batches, "the uncommitted batch ran again"
    after = s3.snapshot(stream.realtime)
    assert {k: after[k].sha256 for k in before} == {k: v.sha256 for k, v in before.items()}, (
        "the replay rewrote the same objects with the same rows"
    )
    assert_windows(stream.published(), windows_before([*first, inside, *later], 6))
