"""`dag.test()` of market_data_hourly against the harness's Kafka and S3 server, Spark in local mode
and fakesnow: an hour of ticks becomes windows that are checked and loaded once, a re-run loads
nothing twice, and every hourly check stops a run with bad windows of its kind.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from market_data.conftest import Deployment, env, new_buckets, put_files, query, run_dag, with_warehouse
from market_data.contract import load_contract

# A whole hour in the past: no tick is in the future, and the windows line up with minutes.
HOUR = (datetime.now(timezone.utc) - timedelta(hours=3)).replace(minute=0, second=0, microsecond=0)
END = HOUR + timedelta(hours=1)
RUN = {"hour": HOUR.replace(tzinfo=None).isoformat()}
TICK_EVERY = timedelta(seconds=20)
# The bad-data tests check files written beforehand, as a re-run of only the later tasks would.
UPSTREAM = "^catch_up_windows$"


@pytest.fixture
def deployment(monkeypatch: pytest.MonkeyPatch, s3: Any, snowflake_server: dict[str, Any], request: pytest.FixtureRequest) -> Deployment:
    """A local deployment with fresh buckets (the streaming job's checkpoint among them) and a fresh Snowflake database."""
    d = Deployment(monkeypatch, new_buckets(s3, "hourly"), env("DAG_TEST_SINK_GROUP"))
    # Symbols of this run alone: the realtime topic is shared with every other test of the broker.
    suffix = uuid.uuid4().hex[:4].upper()
    d.pipeline = {**d.pipeline, "realtime_symbols": [f"HA{suffix}", f"HB{suffix}"]}
    return with_warehouse(d, snowflake_server, request.node.name)


def symbols(d: Deployment) -> list[str]:
    return list(d.pipeline["realtime_symbols"])


def iso(t: datetime) -> str:
    return t.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def publish_ticks(ticks: list[dict[str, Any]]) -> None:
    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": env("KAFKA_BROKERS"), "acks": "all"})
    for t in ticks:
        producer.produce(load_contract().topics["realtime"], key=t["symbol"], value=json.dumps(t, separators=(",", ":")))
    assert producer.flush(30) == 0


def an_hour_of_ticks(symbol: str, base: float) -> list[dict[str, Any]]:
    """A tick every 20 s through the hour, and two after it: the first window past the hour is written with
    the hour's (one file of the micro-batch), and the second moves the watermark past it."""
    times = [HOUR + i * TICK_EVERY for i in range(int(timedelta(hours=1) / TICK_EVERY))] + [
        END + timedelta(seconds=10),
        END + timedelta(minutes=2),
    ]
    return [
        {
            "symbol": symbol,
            "event_time": iso(at),
            "price": round(base + (i % 7) * 0.25, 2),
            "bid": round(base + (i % 7) * 0.25 - 0.01, 2),
            "ask": round(base + (i % 7) * 0.25 + 0.01, 2),
            "volume": 100 + i,
            "source": "simulated",
        }
        for i, at in enumerate(times)
    ]


def test_an_hour_of_ticks_is_windowed_checked_and_loaded_once_and_a_rerun_loads_nothing_twice(
    deployment: Deployment, snowflake_server: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = symbols(deployment)
    publish_ticks([*an_hour_of_ticks(a, 100.0), *an_hour_of_ticks(b, 300.0)])
    database = deployment.database

    state, tasks, log = run_dag("market_data_hourly", capsys, run_conf=RUN)
    assert state == "success", f"{tasks}\n{log[-5000:]}"
    assert set(tasks.values()) == {"success"}, tasks
    ours = f"SELECT SYMBOL, COUNT(*), MIN(WINDOW_START), MAX(WINDOW_START) FROM TICK_WINDOWS WHERE SYMBOL IN ('{a}', '{b}') GROUP BY SYMBOL"
    expected = sorted((s, 60, window_start(0), window_start(59)) for s in (a, b))
    assert sorted(query(snowflake_server, database, ours)) == expected
    [(ticks,)] = query(snowflake_server, database, f"SELECT SUM(TICK_COUNT) FROM TICK_WINDOWS WHERE SYMBOL = '{a}'")
    assert ticks == 180, "every tick of the hour in its window"
    outside = f"SELECT COUNT(*) FROM TICK_WINDOWS WHERE WINDOW_START < '{window_start(0)}' OR WINDOW_START >= '{window_start(60)}'"
    assert query(snowflake_server, database, outside) == [(0,)], "only the checked hour loads, not the rest of its files"
    assert query(snowflake_server, database, "SELECT COUNT(*) FROM TICK_WINDOWS_STAGING") == [(0,)], "the staged rows of a load are removed"
    [(total,)] = query(snowflake_server, database, "SELECT COUNT(*) FROM TICK_WINDOWS")

    state, tasks, log = run_dag("market_data_hourly", capsys, run_conf=RUN)
    assert state == "success", f"{tasks}\n{log[-5000:]}"
    assert query(snowflake_server, database, "SELECT COUNT(*) FROM TICK_WINDOWS") == [(total,)], "the MERGE of a re-run adds no row"
    assert sorted(query(snowflake_server, database, ours)) == expected


def good_windows(d: Deployment) -> list[dict[str, Any]]:
    """The hour's 1-minute windows of both symbols, as the streaming job writes them, in two files of one date."""
    rows = []
    for n, symbol in enumerate(symbols(d)):
        for minute in range(60):
            start = window_start(minute)
            base = 100.0 + 200 * n + minute * 0.1
            rows.append(
                {
                    "symbol": symbol,
                    "window_start": start,
                    "window_end": start + timedelta(minutes=1),
                    "open": base,
                    "high": base + 1,
                    "low": base - 1,
                    "close": base + 0.5,
                    "vwap": base + 0.2,
                    "volume": 300,
                    "tick_count": 3,
                }
            )
    return rows


def window_files(rows: list[dict[str, Any]]) -> dict[str, Any]:
    import pyarrow as pa

    table = load_contract().tables["tick_windows"]
    schema = pa.schema(
        [
            (f.name, {"string": pa.string(), "timestamp": pa.timestamp("us"), "double": pa.float64(), "long": pa.int64()}[f.type], False)
            for f in table.fields
        ]
    )
    half = len(rows) // 2
    folder = f"{table.dataset}/date={HOUR.date().isoformat()}"
    return {
        f"{folder}/part-{1:012d}.parquet": pa.Table.from_pylist(rows[:half], schema=schema),
        f"{folder}/part-{2:012d}.parquet": pa.Table.from_pylist(rows[half:], schema=schema),
    }


def at(minute: int) -> str:
    """How a failure names the window at `minute` of the hour."""
    return (HOUR + timedelta(minutes=minute)).isoformat()


def window_start(minute: int) -> datetime:
    """The window at `minute` of the hour, as the files hold it (UTC without a zone)."""
    return (HOUR + timedelta(minutes=minute)).replace(tzinfo=None)


def without_symbol(rows: list[dict[str, Any]], symbol: str) -> list[dict[str, Any]]:
    return [r for r in rows if r["symbol"] != symbol]


def with_gap(rows: list[dict[str, Any]], symbol: str) -> list[dict[str, Any]]:
    """Minutes 10 to 19 of `symbol` missing: 11 minutes from the window at 9 to the one at 20."""
    return [r for r in rows if not (r["symbol"] == symbol and window_start(10) <= r["window_start"] < window_start(20))]


def with_bad_close(rows: list[dict[str, Any]], symbol: str) -> list[dict[str, Any]]:
    """`symbol`'s window at minute 30 closes above its high."""
    return [{**r, "close": r["high"] + 2} if r["symbol"] == symbol and r["window_start"] == window_start(30) else r for r in rows]


BAD_WINDOWS: dict[str, tuple[Callable[[list[dict[str, Any]], str], list[dict[str, Any]]], Callable[[str], str]]] = {
    "windows_present": (
        without_symbol,
        lambda s: f"check `windows_present` failed for {s} on {HOUR.isoformat()}..{END.isoformat()}: no windows in the hour",
    ),
    "window_gaps": (
        with_gap,
        lambda s: f"check `window_gaps` failed for {s} on {at(20)}: 11 minutes since the previous window, more than 5",
    ),
    "price_bounds": (with_bad_close, lambda s: f"check `price_bounds` failed for {s} on {at(30)}: close"),
}


@pytest.mark.parametrize("check", BAD_WINDOWS)
def test_each_hourly_check_fails_the_run_naming_the_check_the_symbol_and_the_window_and_nothing_is_loaded(
    check: str, deployment: Deployment, snowflake_server: dict[str, Any], s3: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    damage, message = BAD_WINDOWS[check]
    symbol = symbols(deployment)[1]
    put_files(s3, deployment.buckets["realtime"], window_files(damage(good_windows(deployment), symbol)))

    state, tasks, log = run_dag("market_data_hourly", capsys, run_conf=RUN, mark_success_pattern=UPSTREAM)
    assert state == "failed"
    assert tasks["check_windows"] == "failed" and tasks["load_snowflake"] == "upstream_failed", tasks
    assert message(symbol) in log, log[-5000:]
    assert query(snowflake_server, deployment.database, "SELECT COUNT(*) FROM TICK_WINDOWS") == [(0,)]


def test_good_windows_pass_the_checks_and_load(
    deployment: Deployment, snowflake_server: dict[str, Any], s3: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """The bad-data tests' own baseline: without the damage the same run loads every window."""
    put_files(s3, deployment.buckets["realtime"], window_files(good_windows(deployment)))
    state, tasks, log = run_dag("market_data_hourly", capsys, run_conf=RUN, mark_success_pattern=UPSTREAM)
    assert state == "success", f"{tasks}\n{log[-5000:]}"
    assert query(snowflake_server, deployment.database, "SELECT COUNT(*) FROM TICK_WINDOWS") == [(120,)]
