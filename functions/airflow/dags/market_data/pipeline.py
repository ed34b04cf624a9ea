"""The work of each task of the market-data DAGs, called from the DAG files at run time."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone
from typing import Any

from market_data.contract import load_contract
from market_data.quality import QualityError, check_daily_metrics, check_tick_windows
from market_data.runners import Program, run_program
from market_data.settings import CONNECTIONS, Settings, read_settings
from market_data.storage import DataFile, published_keys, read_files, s3_client

# A scheduled daily run fetches its day and the six before it: the producer takes a range of at
# least two days, and Yahoo's late corrections of the week are picked up (the load is a MERGE).
DAILY_LOOKBACK_DAYS = 6


def fail(message: str) -> None:
    """Fails the task at once: a bad setting or bad data does not get better on a retry."""
    from airflow.sdk.exceptions import AirflowFailException

    raise AirflowFailException(message)


def settings() -> Settings:
    from market_data.settings import SettingsError

    try:
        return read_settings()
    except SettingsError as err:
        fail(str(err))
        raise


def _date(value: Any, name: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        fail(f"the run's `{name}` must be a date YYYY-MM-DD (got {value!r})")
        raise


def run_range(params: Mapping[str, Any], data_interval_end: datetime | None) -> dict[str, str]:
    """The trading days of the run: `from`/`to` of its params, else the week up to its data interval's day."""
    if params.get("from") or params.get("to"):
        first, last = _date(params.get("from"), "from"), _date(params.get("to"), "to")
    else:
        end = (data_interval_end or datetime.now(timezone.utc)) - timedelta(microseconds=1)
        last = end.date()
        first = last - timedelta(days=DAILY_LOOKBACK_DAYS)
    if first >= last:
        fail(f"the run's `from` {first} must be before its `to` {last}")
    return {"from": first.isoformat(), "to": last.isoformat()}


def days_between(first: str, last: str) -> list[str]:
    a, b = date.fromisoformat(first), date.fromisoformat(last)
    return [(a + timedelta(days=i)).isoformat() for i in range((b - a).days + 1)]


def ingest(days: Mapping[str, str], context: Mapping[str, Any], timeout_seconds: int) -> dict[str, Any]:
    """The batch producer, once to completion, for the run's days; returns its summary (bars, end offsets)."""
    s = settings()
    env = load_contract().env
    program = Program(
        "batch-producer",
        [],
        {env["batchFrom"]: days["from"], env["batchTo"]: days["to"], env["batchSymbols"]: ",".join(s.pipeline.batch_symbols)},
        wants_result=True,
    )
    line = run_program(s.runner, program, context, timeout_seconds)
    try:
        report = json.loads(line or "")
        if report.get("msg") != "batch summary":
            raise ValueError(line)
    except ValueError:
        fail(f"the batch producer did not end with its summary line (got {line!r})")
        raise
    return dict(report)


def spark_job(job: str, args: list[str], context: Mapping[str, Any], timeout_seconds: int) -> None:
    s = settings()
    run_program(s.runner, Program("spark-submit", [f"{s.runner.jobs_dir}/{job}", *args], {}), context, timeout_seconds)


def _files(s: Settings, name: str, days: list[str]) -> list[DataFile]:
    table = load_contract().tables[name]
    client = s3_client(CONNECTIONS["s3"])
    bucket = s.buckets[table.zone]
    return read_files(client, bucket, published_keys(client, bucket, table, days))


def check_daily(days: Mapping[str, str], report: Mapping[str, Any] | None) -> dict[str, Any]:
    """The quality checks of the range's daily metrics; fails naming every check, symbol and day that failed."""
    s = settings()
    table = load_contract().tables["daily_metrics"]
    files = _files(s, "daily_metrics", days_between(days["from"], days["to"]))
    rows = [r for f in files for r in f.rows]
    published = dict(report["barsBySymbol"]) if report else None
    failures = check_daily_metrics(
        rows,
        [c.lower() for c in table.required],
        s.pipeline.batch_symbols,
        published,
        last=date.fromisoformat(days["to"]),
        max_age_days=s.pipeline.freshness_days,
    )
    if failures:
        fail(str(QualityError(failures)))
    return {"files": [f.key for f in files], "rows": len(rows)}


def hour_window(params: Mapping[str, Any], data_interval_start: datetime | None, data_interval_end: datetime | None) -> dict[str, str]:
    if params.get("hour"):
        try:
            start = datetime.fromisoformat(str(params["hour"])).replace(minute=0, second=0, microsecond=0, tzinfo=timezone.utc)
        except ValueError:
            fail(f"the run's `hour` must be a time such as 2026-03-03T10:00 (got {params['hour']!r})")
            raise
        end = start + timedelta(hours=1)
    else:
        end = data_interval_end or datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
        start = data_interval_start if data_interval_start and data_interval_start < end else end - timedelta(hours=1)
    return {"start": start.isoformat(), "end": end.isoformat()}


def _utc(t: datetime) -> datetime:
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)


def in_window(files: list[DataFile], start: datetime, end: datetime) -> list[DataFile]:
    """Each file cut to its rows of [start, end); files without one are left out. A file of the streaming
    job holds every window of its micro-batch, which may reach past the hour: only what is checked loads."""
    import pyarrow as pa

    out = []
    for f in files:
        mask = [start <= _utc(t) < end for t in f.table.column("window_start").to_pylist()]
        if any(mask):
            out.append(DataFile(f.key, f.table.filter(pa.array(mask))))
    return out


def _window_files(s: Settings, window: Mapping[str, str]) -> tuple[list[DataFile], datetime, datetime]:
    start, end = datetime.fromisoformat(window["start"]), datetime.fromisoformat(window["end"])
    files = _files(s, "tick_windows", sorted({start.date().isoformat(), (end - timedelta(microseconds=1)).date().isoformat()}))
    return in_window(files, start, end), start, end


def catch_up_windows(window: Mapping[str, str], context: Mapping[str, Any], timeout_seconds: int) -> str:
    """`available-now`: the streaming job to Kafka's current end; `continuous`: a window at or past the hour's end exists."""
    s = settings()
    if s.pipeline.tick_windows_mode == "available-now":
        spark_job("tick_windows.py", ["--available-now"], context, timeout_seconds)
        return "caught up"
    table = load_contract().tables["tick_windows"]
    end = datetime.fromisoformat(window["end"])
    client = s3_client(CONNECTIONS["s3"])
    keys = published_keys(client, s.buckets[table.zone], table, [end.date().isoformat(), (end + timedelta(days=1)).date().isoformat()])
    newest = max((r["window_end"] for f in read_files(client, s.buckets[table.zone], keys[-5:]) for r in f.rows), default=None)
    if newest is None or _utc(newest) < end:
        fail(
            f"check `tick_windows_current` failed for every symbol on {window['end']}: "
            f"the streaming job's newest window ends at {newest}, before the hour's end"
        )
    return "current"


def check_hourly(window: Mapping[str, str]) -> dict[str, Any]:
    s = settings()
    table = load_contract().tables["tick_windows"]
    files, start, end = _window_files(s, window)
    rows = [{**r, "window_start": _utc(r["window_start"])} for f in files for r in f.rows]
    failures = check_tick_windows(
        rows,
        [c.lower() for c in table.required],
        s.pipeline.realtime_symbols,
        start=start,
        end=end,
        max_gap=timedelta(minutes=s.pipeline.max_window_gap_minutes),
    )
    if failures:
        fail(str(QualityError(failures)))
    return {"files": [f.key for f in files], "rows": len(rows), "window": dict(window)}


def load_snowflake(name: str, checked: Mapping[str, Any]) -> dict[str, int]:
    """Stages the checked files and MERGEs them; skips, visibly, where Snowflake is disabled."""
    from airflow.sdk.exceptions import AirflowSkipException

    from market_data import warehouse

    s = settings()
    if not s.snowflake.enabled:
        raise AirflowSkipException("Snowflake is disabled on this stack (`market_data_snowflake`.enabled is false): nothing is loaded")
    contract = load_contract()
    table = contract.tables[name]
    client = s3_client(CONNECTIONS["s3"])
    files = read_files(client, s.buckets[table.zone], checked["files"])
    if "window" in checked:
        # The rows its checks saw, not the rest of their files.
        files = in_window(files, datetime.fromisoformat(checked["window"]["start"]), datetime.fromisoformat(checked["window"]["end"]))
    conn = warehouse.connect(CONNECTIONS["snowflake"])
    try:
        result = warehouse.load(
            conn,
            contract,
            table,
            files,
            landing=s.snowflake.landing.get(name, "dag"),
            pipe_timeout_seconds=s.snowflake.pipe_timeout_seconds,
        )
    finally:
        conn.close()
    logging.getLogger("airflow.task").info("loaded %s: %s", table.table, result)
    return {"files": result.files, "rows_staged": result.rows_staged, "inserted": result.inserted, "updated": result.updated}
