"""The batch job on the recorded 2,500 bars, against values computed here without Spark."""

from __future__ import annotations

import json
import math
import re
import statistics
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from pyspark.sql import SparkSession

import daily_metrics as job
from contract import CONTRACT, struct_type
from day_publisher import day_of, staged_files
from job_settings import S3Settings
from object_store import ObjectStore, S3AObjectStore
from testing import S3, StoredObject, job_settings, required_env

YEAR = job.DateRange(date(2024, 1, 1), date(2024, 12, 31))
Bar = dict[str, Any]


def recorded_bars() -> list[Bar]:
    lines = Path(required_env("RECORDED_BARS")).read_text().splitlines()
    return [json.loads(line) for line in lines]


def expected_metrics(bars: list[Bar], first: str, last: str) -> dict[tuple[str, str], Bar]:
    """The metrics as the contract defines them, in plain Python over each symbol's bars in date order."""
    by_symbol: dict[str, dict[str, Bar]] = defaultdict(dict)
    for bar in bars:
        by_symbol[bar["symbol"]][bar["trade_date"]] = bar
    out = {}
    for symbol, days in by_symbol.items():
        rows = [days[d] for d in sorted(days)]
        closes = [r["close"] for r in rows]
        log_returns = [math.nan] + [math.log(closes[i] / closes[i - 1]) for i in range(1, len(closes))]
        for i, bar in enumerate(rows):
            if not first <= bar["trade_date"] <= last:
                continue
            window_20 = log_returns[i - 19 : i + 1] if i >= 20 else []
            out[(symbol, bar["trade_date"])] = {
                **{k: v for k, v in bar.items() if k != "source"},
                "daily_return": closes[i] / closes[i - 1] - 1 if i >= 1 else None,
                "log_return": log_returns[i] if i >= 1 else None,
                "ma_20": statistics.fmean(closes[i - 19 : i + 1]) if i >= 19 else None,
                "ma_50": statistics.fmean(closes[i - 49 : i + 1]) if i >= 49 else None,
                "volatility_20": statistics.stdev(window_20) * math.sqrt(252) if window_20 else None,
                "intraday_range": (bar["high"] - bar["low"]) / bar["open"],
            }
    return out


def assert_rows_match(actual: list[Bar], expected: dict[tuple[str, str], Bar]) -> None:
    keyed = {(r["symbol"], str(r["trade_date"])): r for r in actual}
    assert len(keyed) == len(actual), "a (symbol, trade_date) appears twice"
    assert sorted(keyed) == sorted(expected)
    for key, want in expected.items():
        got = keyed[key]
        for name in CONTRACT.daily_metrics.names:
            g, w = got[name], want[name]
            if isinstance(w, float) and w is not None:
                assert g is not None and abs(g - w) <= 1e-9, f"{key} {name}: {g} != {w}"
            elif name == "trade_date":
                assert str(g) == w, f"{key} {name}"
            else:
                assert g == w, f"{key} {name}: {g!r} != {w!r}"


def land_bars(s3: S3, bucket: str, bars: list[Bar], layout: str) -> None:
    """Raw bars under bars/: one per date and symbol (an older layout), or as the sink lands them (per flush and partition, by year)."""
    groups: dict[str, list[Bar]] = defaultdict(list)
    for i, bar in enumerate(bars):
        if layout == "per-bar":
            groups[f"bars/date={bar['trade_date']}/symbol={bar['symbol']}/stock-market-batch+0+{i:020d}+{i:020d}.jsonl"].append(bar)
        else:
            first = i // 500 * 500
            groups[f"bars/year={bar['trade_date'][:4]}/stock-market-batch+{i % 3}+{first:020d}+{first + 499:020d}.jsonl"].append(bar)
    for key, records in groups.items():
        s3.put_jsonl(bucket, key, records)
    s3.put(bucket, "_sink/stock-market-batch/0.json", '{"journal": true}')


@pytest.fixture(scope="module")
def bars() -> list[Bar]:
    return recorded_bars()


@pytest.fixture(scope="module")
def full_year(spark: SparkSession, s3: S3, s3_settings: S3Settings, bars: list[Bar]) -> tuple[str, str, job.RunSummary]:
    """One run over the whole recorded year: raw bucket, processed bucket, summary."""
    raw, processed = s3.new_bucket("raw"), s3.new_bucket("processed")
    land_bars(s3, raw, bars, layout="per-flush")
    return raw, processed, job.run(spark, job_settings(s3_settings, {"raw": raw, "processed": processed}), YEAR)


def test_recorded_bars_give_the_independently_computed_metrics_for_every_symbol_and_day(
    full_year: tuple[str, str, job.RunSummary], s3: S3, bars: list[Bar]
) -> None:
    _, processed, summary = full_year
    assert len(bars) == 2500
    assert summary == job.RunSummary(rows=2500, days=250, bars_read=2500, invalid_bars=0)
    assert_rows_match(s3.read_rows(processed, "daily_metrics/"), expected_metrics(bars, "2024-01-01", "2024-12-31"))


def test_writes_one_parquet_object_per_trading_day_and_nothing_else(
    full_year: tuple[str, str, job.RunSummary], s3: S3, bars: list[Bar]
) -> None:
    _, processed, _ = full_year
    keys = s3.keys(processed)
    days = sorted({b["trade_date"] for b in bars})
    assert [k.split("/")[1] for k in keys] == [f"date={d}" for d in days], "no _SUCCESS, no staging left over"
    assert all(re.fullmatch(r"daily_metrics/date=\d{4}-\d{2}-\d{2}/part-\d{8}T\d{6}Z-[0-9a-f]{8}[.]parquet", k) for k in keys), keys[:3]
    assert len({k.split("/")[2] for k in keys}) == 1, "one run, one file name"


def test_the_first_days_of_a_symbol_have_nulls_where_a_window_is_not_full(full_year: tuple[str, str, job.RunSummary], s3: S3) -> None:
    _, processed, _ = full_year
    rows = sorted((r for r in s3.read_rows(processed, "daily_metrics/") if r["symbol"] == "MSFT"), key=lambda r: r["trade_date"])
    assert rows[0]["daily_return"] is None and rows[0]["log_return"] is None
    assert all(r["ma_20"] is None for r in rows[:19]) and rows[19]["ma_20"] is not None
    assert all(r["volatility_20"] is None for r in rows[:20]) and rows[20]["volatility_20"] is not None
    assert all(r["ma_50"] is None for r in rows[:49]) and rows[49]["ma_50"] is not None


def test_rerunning_one_day_rewrites_only_its_partition_with_the_same_rows(
    full_year: tuple[str, str, job.RunSummary], spark: SparkSession, s3: S3, s3_settings: S3Settings
) -> None:
    raw, processed, _ = full_year
    day = "2024-07-15"
    before = s3.snapshot(processed)
    rows_before = s3.read_rows(processed, f"daily_metrics/date={day}/")
    summary = job.run(
        spark, job_settings(s3_settings, {"raw": raw, "processed": processed}), job.DateRange(date(2024, 7, 15), date(2024, 7, 15))
    )
    after = s3.snapshot(processed)
    assert summary.rows == 10
    others = {k: v for k, v in before.items() if f"/date={day}/" not in k}
    assert {k: v for k, v in after.items() if f"/date={day}/" not in k} == others, "every other object is unchanged"
    new_keys = [k for k in after if f"/date={day}/" in k]
    assert len(new_keys) == 1 and new_keys[0] not in before, "the day's partition was written again"
    assert sorted(s3.read_rows(processed, f"daily_metrics/date={day}/"), key=lambda r: r["symbol"]) == sorted(
        rows_before, key=lambda r: r["symbol"]
    )


def days_of(keys: Iterable[str]) -> dict[str, list[str]]:
    by_day: dict[str, list[str]] = defaultdict(list)
    for key in keys:
        by_day[day_of(key) or ""].append(key)
    return by_day


def outside(objects: dict[str, StoredObject], first: str, last: str) -> dict[str, StoredObject]:
    return {k: v for k, v in objects.items() if not first <= (day_of(k) or "") <= last}


class ListingReader:
    """A reader that lists daily_metrics/ over and over and reads every file it lists, as a loader would."""

    def __init__(self, s3: S3, bucket: str) -> None:
        self.s3, self.bucket = s3, bucket
        self.listings: list[dict[str, list[str]]] = []
        self.unreadable: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def __enter__(self) -> ListingReader:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _poll(self) -> None:
        while not self._stop.is_set():
            keys = self.s3.keys(self.bucket, "daily_metrics/")
            self.listings.append(days_of(keys))
            for key in keys[::25]:
                try:
                    self.s3.read_parquet(self.bucket, key)
                except ClientError as err:
                    if err.response["Error"]["Code"] != "NoSuchKey":  # removed since the listing: the day has a newer file
                        self.unreadable.append(f"{key}: {err}")
                except Exception as err:
                    self.unreadable.append(f"{key}: {err!r}")


def test_rerunning_a_range_replaces_exactly_its_days_and_a_reader_always_sees_every_day_whole(
    full_year: tuple[str, str, job.RunSummary], spark: SparkSession, s3: S3, s3_settings: S3Settings, bars: list[Bar]
) -> None:
    raw, processed, _ = full_year
    first, last = "2024-07-01", "2024-08-30"
    before = s3.snapshot(processed)
    all_days = sorted(days_of(before))
    with ListingReader(s3, processed) as reader:
        summary = job.run(
            spark,
            job_settings(s3_settings, {"raw": raw, "processed": processed}),
            job.DateRange(date.fromisoformat(first), date.fromisoformat(last)),
        )
    after = s3.snapshot(processed)
    rerun = [d for d in all_days if first <= d <= last]
    assert summary.days == len(rerun) == 45
    assert outside(after, first, last) == outside(before, first, last), "every object outside the range is unchanged"
    by_day = days_of(after)
    assert sorted(by_day) == all_days
    assert all(len(by_day[d]) == 1 and by_day[d][0] not in before for d in rerun), "each day of the range: one new file, the old one gone"
    assert_rows_match(s3.read_rows(processed, "daily_metrics/"), expected_metrics(bars, "2024-01-01", "2024-12-31"))
    assert reader.listings and not reader.unreadable
    assert all(sorted(listing) == all_days for listing in reader.listings), "no listing missed a day"


class FailingCopies:
    """The processed zone, but copying onto one day's folder fails (S3 refusing one request)."""

    def __init__(self, inner: ObjectStore, day: str) -> None:
        self.inner, self.day = inner, day

    @property
    def bucket(self) -> str:
        return self.inner.bucket

    def keys(self, prefix: str, start_after: str = "") -> Iterator[str]:
        return self.inner.keys(prefix, start_after)

    def copy(self, source: str, target: str) -> None:
        if f"/date={self.day}/" in target:
            raise RuntimeError(f"injected failure copying onto {target}")
        self.inner.copy(source, target)

    def delete(self, keys: Sequence[str]) -> None:
        self.inner.delete(keys)


def test_a_run_that_fails_while_publishing_leaves_each_day_whole_and_the_next_run_completes_it(
    full_year: tuple[str, str, job.RunSummary], spark: SparkSession, s3: S3, s3_settings: S3Settings, bars: list[Bar]
) -> None:
    raw, processed, _ = full_year
    settings = job_settings(s3_settings, {"raw": raw, "processed": processed})
    before = s3.snapshot(processed)
    failing = FailingCopies(S3AObjectStore(spark, processed), "2024-03-15")
    march = job.DateRange(date(2024, 3, 1), date(2024, 3, 28))
    with pytest.raises(RuntimeError, match="injected failure"):
        job.run(spark, settings, march, store=failing)
    after = s3.snapshot(processed)
    by_day = days_of(after)
    assert sorted(by_day) == sorted(days_of(before)), "no day lost"
    assert all(len(keys) == 1 for keys in by_day.values()), "each day has one file: the earlier one or this run's"
    assert any(keys[0] not in before for keys in by_day.values()), "days started before the failure are published"
    assert after[by_day["2024-03-15"][0]] == before.get(by_day["2024-03-15"][0]), "the failed day is as it was"
    assert outside(after, "2024-03-01", "2024-03-28") == outside(before, "2024-03-01", "2024-03-28"), "days outside the range untouched"
    assert not s3.keys(processed, "_staging/"), "the staging folder is removed"
    assert_rows_match(s3.read_rows(processed, "daily_metrics/"), expected_metrics(bars, "2024-01-01", "2024-12-31"))
    job.run(spark, settings, march)
    by_day = days_of(s3.keys(processed))
    assert all(len(keys) == 1 for keys in by_day.values()) and by_day["2024-03-15"][0] not in before
    assert_rows_match(s3.read_rows(processed, "daily_metrics/"), expected_metrics(bars, "2024-01-01", "2024-12-31"))


def test_publishing_removes_files_of_an_earlier_layout_and_leaves_days_without_bars_untouched(
    spark: SparkSession, s3: S3, s3_settings: S3Settings, bars: list[Bar]
) -> None:
    raw, processed = s3.new_bucket("raw"), s3.new_bucket("processed")
    december = [b for b in bars if b["trade_date"] >= "2024-10-01" and b["trade_date"] != "2024-12-02"]
    land_bars(s3, raw, december, layout="per-flush")
    # What Spark's dynamic partition overwrite wrote before, for a day with bars and one without.
    spark_named = "daily_metrics/date=2024-12-03/part-00000-1b6e0c1e-5d4b-4bd4-9a54-0f6d3c3b2f11.c000.snappy.parquet"
    holiday = "daily_metrics/date=2024-12-02/part-00000-1b6e0c1e-5d4b-4bd4-9a54-0f6d3c3b2f11.c000.snappy.parquet"
    s3.put(processed, spark_named, b"old")
    s3.put(processed, holiday, b"kept")
    summary = job.run(
        spark, job_settings(s3_settings, {"raw": raw, "processed": processed}), job.DateRange(date(2024, 12, 1), date(2024, 12, 31))
    )
    by_day = days_of(s3.keys(processed))
    assert summary.days == len(by_day) - 1
    assert by_day["2024-12-02"] == [holiday] and s3.get(processed, holiday) == b"kept"
    assert len(by_day["2024-12-03"]) == 1 and by_day["2024-12-03"] != [spark_named]


def test_two_files_staged_for_one_day_are_refused(spark: SparkSession, s3: S3) -> None:
    processed = s3.new_bucket("processed")
    for task in (0, 1):
        s3.put(processed, f"_staging/daily_metrics/r/task={task}/date=2024-12-03/part-0000{task}.parquet", b"x")
    with pytest.raises(RuntimeError, match="two files staged for date=2024-12-03"):
        staged_files(S3AObjectStore(spark, processed), "_staging/daily_metrics/r")


def test_bars_landed_twice_give_the_same_output_as_bars_landed_once(
    spark: SparkSession, s3: S3, s3_settings: S3Settings, bars: list[Bar]
) -> None:
    raw, processed = s3.new_bucket("raw"), s3.new_bucket("processed")
    december = [b for b in bars if b["trade_date"] >= "2024-10-01"]
    land_bars(s3, raw, december, layout="per-bar")
    # A re-run of the batch producer lands the same bars again, in other objects.
    s3.put_jsonl(raw, "bars/ingest_date=2025-01-09/hour=07/stock-market-batch+1+00000000000000009000.jsonl", december[::3])
    days = job.DateRange(date(2024, 12, 1), date(2024, 12, 31))
    summary = job.run(spark, job_settings(s3_settings, {"raw": raw, "processed": processed}), days)
    assert summary.bars_read == len(december) + len(december[::3])
    assert_rows_match(s3.read_rows(processed, "daily_metrics/"), expected_metrics(december, "2024-12-01", "2024-12-31"))


def test_conflicting_copies_of_a_bar_resolve_the_same_whichever_object_holds_which(
    spark: SparkSession, s3: S3, s3_settings: S3Settings, bars: list[Bar]
) -> None:
    bar = next(b for b in bars if b["symbol"] == "AAPL" and b["trade_date"] == "2024-12-02")
    revised = {**bar, "close": bar["close"] + 0.5, "high": max(bar["high"], bar["close"] + 0.5)}
    outputs = []
    for first, second in ((bar, revised), (revised, bar)):
        raw, processed = s3.new_bucket("raw"), s3.new_bucket("processed")
        s3.put_jsonl(raw, "bars/a.jsonl", [first])
        s3.put_jsonl(raw, "bars/b/c.jsonl", [second])
        job.run(spark, job_settings(s3_settings, {"raw": raw, "processed": processed}), job.DateRange(date(2024, 12, 2), date(2024, 12, 2)))
        outputs.append(s3.read_rows(processed, "daily_metrics/"))
    assert outputs[0] == outputs[1]
    assert len(outputs[0]) == 1


def test_bad_lines_in_the_raw_zone_are_counted_and_skipped(spark: SparkSession, s3: S3, s3_settings: S3Settings, bars: list[Bar]) -> None:
    raw, processed = s3.new_bucket("raw"), s3.new_bucket("processed")
    good = [b for b in bars if b["symbol"] == "V" and b["trade_date"] >= "2024-12-01"]
    bad = [
        "{not json",
        json.dumps([good[0]]),
        json.dumps({k: v for k, v in good[0].items() if k != "close"}),
        json.dumps({**good[0], "close": "191.2"}),
        json.dumps({**good[0], "open": -1}),
        json.dumps({**good[0], "high": good[0]["low"] - 1}),
        json.dumps({**good[0], "trade_date": "2024-02-30"}),
        json.dumps({**good[0], "trade_date": "2024/12/02"}),
        json.dumps({**good[0], "volume": 1.5}),
        json.dumps({**good[0], "volume": -3}),
        json.dumps({**good[0], "symbol": "v"}),
        json.dumps({**good[0], "source": "rumour"}),
        json.dumps({**good[0], "venue": "XNYS"}),
    ]
    s3.put_jsonl(raw, "bars/good.jsonl", good)
    s3.put(raw, "bars/bad.jsonl", "\n".join(bad) + "\n")
    summary = job.run(
        spark, job_settings(s3_settings, {"raw": raw, "processed": processed}), job.DateRange(date(2024, 12, 1), date(2024, 12, 31))
    )
    assert summary == job.RunSummary(rows=len(good), days=len(good), bars_read=len(good) + len(bad), invalid_bars=len(bad))
    assert_rows_match(s3.read_rows(processed, "daily_metrics/"), expected_metrics(good, "2024-12-01", "2024-12-31"))


def test_the_transform_keeps_the_contract_s_columns_and_types(spark: SparkSession, bars: list[Bar]) -> None:
    typed = [{**b, **{f.name: float(b[f.name]) for f in CONTRACT.bar.fields if f.type == "double"}} for b in bars[:60]]
    frame = spark.createDataFrame([{**b, "trade_date": date.fromisoformat(b["trade_date"])} for b in typed], struct_type(CONTRACT.bar))
    out = job.daily_metrics(frame, job.DateRange(date(2024, 1, 1), date(2024, 3, 31)))
    assert [(f.name, f.dataType) for f in out.schema.fields] == [(f.name, f.dataType) for f in struct_type(CONTRACT.daily_metrics).fields]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--from", "2025-12-01"], "--to"),
        (["--from", "2025-13-01", "--to", "2025-12-31"], "'2025-13-01'"),
        (["--from", "2025-12-1", "--to", "2025-12-31"], "'2025-12-1'"),
        (["--from", "2025-12-31", "--to", "2025-12-01"], "is after --to"),
    ],
)
def test_bad_arguments_exit_with_2_naming_what_was_wrong(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert job.main(argv) == 2
    assert message in capsys.readouterr().err


def test_missing_settings_exit_with_2_naming_each_variable(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    for zone in ("raw", "processed"):
        monkeypatch.delenv(CONTRACT.zone_bucket_env[zone], raising=False)
    monkeypatch.setenv(CONTRACT.env["s3ForcePathStyle"], "maybe")
    assert job.main(["--from", "2025-12-01", "--to", "2025-12-31"]) == 2
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line["problems"] == [
        "`S3_FORCE_PATH_STYLE` must be true or false (got 'maybe')",
        "`RAW_BUCKET` is required",
        "`PROCESSED_BUCKET` is required",
    ]
