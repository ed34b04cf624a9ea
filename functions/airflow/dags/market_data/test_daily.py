"""`dag.test()` of market_data_daily against the harness's Kafka and S3 server, with the sink running,
Spark in local mode and fakesnow: the recorded year of bars lands, is checked and loaded once, a
re-run updates in place, every quality check stops a run with bad data of its kind, and the wait
for the sink gives up at its bound.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from market_data.conftest import Deployment, env, new_buckets, put_files, query, run_dag, with_warehouse
from market_data.contract import load_contract

# The recorded year: 250 trading days of 10 symbols, the last on 2024-12-16.
RANGE = {"from": "2024-01-01", "to": "2024-12-16"}
DECEMBER = {"from": "2024-12-01", "to": "2024-12-16"}
RECORDED = 2_500
# The tasks a quality test skips: it checks files written beforehand, as a re-run of only the later tasks would.
UPSTREAM = "^(ingest|wait_for_sink|daily_metrics)$"


@pytest.fixture
def deployment(monkeypatch: pytest.MonkeyPatch, s3: Any, snowflake_server: dict[str, Any], request: pytest.FixtureRequest) -> Deployment:
    """A local deployment: the running sink's raw bucket and group, fresh other buckets, a fresh Snowflake database."""
    buckets = {**new_buckets(s3, "daily"), "raw": env("DAG_TEST_RAW_BUCKET")}
    return with_warehouse(Deployment(monkeypatch, buckets, env("DAG_TEST_SINK_GROUP")), snowflake_server, request.node.name)


def publish_correction(bar: dict[str, Any]) -> None:
    """A corrected bar on the batch topic, as Yahoo's late corrections arrive: the sink lands it like any other."""
    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": env("KAFKA_BROKERS"), "acks": "all"})
    producer.produce(load_contract().topics["batch"], key=bar["symbol"], value=json.dumps(bar, separators=(",", ":")))
    assert producer.flush(30) == 0


def recorded_bars() -> list[dict[str, Any]]:
    return [json.loads(line) for line in Path(env("RECORDED_BARS")).read_text(encoding="utf-8").splitlines() if line]


def test_a_run_lands_checks_and_loads_the_recorded_year_and_a_rerun_updates_in_place(
    deployment: Deployment, snowflake_server: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    database = deployment.database
    state, tasks, log = run_dag("market_data_daily", capsys, run_conf=RANGE)
    assert state == "success", f"{tasks}\n{log[-5000:]}"
    assert set(tasks.values()) == {"success"}, tasks
    assert query(
        snowflake_server, database, "SELECT COUNT(*), COUNT(DISTINCT SYMBOL), MIN(TRADE_DATE), MAX(TRADE_DATE) FROM DAILY_METRICS"
    )[0][:2] == (RECORDED, 10)
    assert query(snowflake_server, database, "SELECT COUNT(*) FROM DAILY_METRICS_STAGING") == [(0,)], (
        "the staged rows of a load are removed"
    )

    # A corrected bar: a lower open sorts first among the copies of its day, so the job keeps it.
    original = next(b for b in recorded_bars() if b["symbol"] == "MSFT" and b["trade_date"] == "2024-06-03")
    corrected = {**original, "open": round(original["low"] + (original["open"] - original["low"]) / 2, 4)}
    assert original["low"] <= corrected["open"] < original["open"]
    publish_correction(corrected)

    state, tasks, log = run_dag("market_data_daily", capsys, run_conf=RANGE)
    assert state == "success", f"{tasks}\n{log[-5000:]}"
    assert query(snowflake_server, database, "SELECT COUNT(*) FROM DAILY_METRICS") == [(RECORDED,)]
    [(open_,)] = query(snowflake_server, database, "SELECT OPEN FROM DAILY_METRICS WHERE SYMBOL = 'MSFT' AND TRADE_DATE = '2024-06-03'")
    assert open_ == pytest.approx(corrected["open"])
    assert query(snowflake_server, database, "SELECT COUNT(*) FROM DAILY_METRICS WHERE SYMBOL = 'AAPL' AND TRADE_DATE = '2024-06-03'") == [
        (1,)
    ]


def good_files() -> dict[str, Any]:
    """One good month of daily metrics, as the job writes them, built from the recorded bars."""
    import pyarrow as pa

    table = load_contract().tables["daily_metrics"]
    files: dict[str, Any] = {}
    for day in sorted({b["trade_date"] for b in recorded_bars() if b["trade_date"].startswith("2024-12")}):
        rows = [
            {
                **{k: b[k] for k in ("symbol", "open", "high", "low", "close", "adj_close", "volume")},
                "trade_date": date.fromisoformat(day),
                "daily_return": 0.0,
                "log_return": 0.0,
                "ma_20": b["close"],
                "ma_50": b["close"],
                "volatility_20": 0.1,
                "intraday_range": (b["high"] - b["low"]) / b["open"],
            }
            for b in recorded_bars()
            if b["trade_date"] == day
        ]
        files[f"daily_metrics/date={day}/part-00000.parquet"] = pa.Table.from_pylist(rows).select([f.name for f in table.fields])
    return files


def change_row(
    files: dict[str, Any], day: str, symbol: str, change: Callable[[dict[str, Any]], dict[str, Any] | list[dict[str, Any]]]
) -> None:
    import pyarrow as pa

    key = f"daily_metrics/date={day}/part-00000.parquet"
    rows: list[dict[str, Any]] = []
    for row in files[key].to_pylist():
        if row["symbol"] == symbol:
            changed = change(row)
            rows.extend(changed if isinstance(changed, list) else [changed])
        else:
            rows.append(row)
    files[key] = pa.Table.from_pylist(rows, schema=files[key].schema)


BAD_DATA: dict[str, tuple[Callable[[dict[str, Any]], Any], str]] = {
    "rows_per_symbol_and_date": (lambda _row: [], "check `rows_per_symbol_and_date` failed for JPM on 2024-12-10"),
    "required_not_null": (lambda row: {**row, "close": None}, "check `required_not_null` failed for JPM on 2024-12-10: `close` is null"),
    "price_bounds": (lambda row: {**row, "close": row["high"] + 1}, "check `price_bounds` failed for JPM on 2024-12-10: close"),
    "unique_key": (lambda row: [row, {**row, "volume": row["volume"] + 1}], "check `unique_key` failed for JPM on 2024-12-10"),
}


@pytest.mark.parametrize("check", [*BAD_DATA, "freshness"])
def test_each_quality_check_fails_the_run_naming_the_check_the_symbol_and_the_day_and_nothing_is_loaded(
    check: str, deployment: Deployment, snowflake_server: dict[str, Any], s3: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    files = good_files()
    if check == "freshness":
        # JPM stopped ten days before the range's end.
        for day in ("2024-12-09", "2024-12-10", "2024-12-11", "2024-12-12", "2024-12-13", "2024-12-16"):
            change_row(files, day, "JPM", lambda _row: [])
        expected = "check `freshness` failed for JPM on 2024-12-06: its newest day is 10 days before the range's end 2024-12-16"
    else:
        change, expected = BAD_DATA[check]
        change_row(files, "2024-12-10", "JPM", change)
    put_files(s3, deployment.buckets["processed"], files)

    state, tasks, log = run_dag("market_data_daily", capsys, run_conf=DECEMBER, mark_success_pattern=UPSTREAM)
    assert state == "failed"
    assert tasks["check_quality"] == "failed" and tasks["load_snowflake"] == "upstream_failed", tasks
    assert expected in log, log[-5000:]
    assert query(snowflake_server, deployment.database, "SELECT COUNT(*) FROM DAILY_METRICS") == [(0,)]


def test_good_files_pass_the_checks_and_load(
    deployment: Deployment, snowflake_server: dict[str, Any], s3: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """The bad-data tests' own baseline: without the damage the same run loads every row."""
    files = good_files()
    put_files(s3, deployment.buckets["processed"], files)
    state, tasks, log = run_dag("market_data_daily", capsys, run_conf=DECEMBER, mark_success_pattern=UPSTREAM)
    assert state == "success", f"{tasks}\n{log[-5000:]}"
    rows = sum(t.num_rows for t in files.values())
    assert query(snowflake_server, deployment.database, "SELECT COUNT(*) FROM DAILY_METRICS") == [(rows,)]


def test_the_wait_for_the_sink_times_out_within_its_bound_when_the_data_never_arrives(
    deployment: Deployment, snowflake_server: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    # A group nobody consumes with: the records the run publishes are never committed past.
    deployment.pipeline = {**deployment.pipeline, "sink_group": "nobody-consumes-with-this-group", "sink_timeout_seconds": 5}
    deployment.apply()
    started = time.monotonic()
    state, tasks, log = run_dag("market_data_daily", capsys, run_conf=DECEMBER)
    assert state == "failed"
    assert tasks["ingest"] == "success" and tasks["wait_for_sink"] == "failed", tasks
    assert {tasks[t] for t in ("daily_metrics", "check_quality", "load_snowflake")} == {"upstream_failed"}, tasks
    assert "check `sink_caught_up` failed: the sink did not land the run's records in time (partition" in log, log[-5000:]
    assert time.monotonic() - started < 120
    assert query(snowflake_server, deployment.database, "SELECT COUNT(*) FROM DAILY_METRICS") == [(0,)]
