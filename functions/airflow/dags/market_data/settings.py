"""Per-stack settings of the DAGs: Airflow variables and connections that the Pulumi program sets.

Nothing here is read at parse time. Every problem is reported at once, naming the variable or the
connection and the value it had, so that a stack with a wrong setting fails its first task with
one clear message.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

# Airflow variables (AIRFLOW_VAR_<NAME> on every stack) and connections (AIRFLOW_CONN_<ID>).
VARIABLES = {
    "runner": "market_data_runner",
    "buckets": "market_data_buckets",
    "pipeline": "market_data_pipeline",
    "snowflake": "market_data_snowflake",
}
CONNECTIONS = {"kafka": "market_data_kafka", "s3": "market_data_s3", "snowflake": "market_data_snowflake"}
ZONES = ("raw", "processed", "realtime", "checkpoints")
RUNNER_KINDS = ("docker", "kubernetes", "local")
PROGRAMS = ("batch-producer", "spark-submit")
LANDINGS = ("pipe", "dag")


class SettingsError(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("market-data settings are invalid:\n  - " + "\n  - ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class RunnerSettings:
    """How a task runs a program: its image or command, the environment it always gets, and where."""

    kind: str
    # Per program: `command` (argv before the task's own arguments) and `env` (plain values).
    programs: dict[str, dict[str, Any]]
    # Folder of the Spark jobs as the program that runs them sees it.
    jobs_dir: str
    options: dict[str, Any] = field(default_factory=dict)

    def command(self, program: str) -> list[str]:
        return [str(part) for part in self.programs[program]["command"]]

    def env(self, program: str) -> dict[str, str]:
        return {str(k): str(v) for k, v in self.programs[program].get("env", {}).items()}


@dataclass(frozen=True)
class PipelineSettings:
    sink_group: str
    batch_symbols: tuple[str, ...]
    realtime_symbols: tuple[str, ...]
    # How long the wait for the sink may take, and how often it asks Kafka.
    sink_timeout_seconds: int
    sink_poll_seconds: float
    # A daily run fails when its newest trading day is older than this many days before its range's end.
    freshness_days: int
    # The hourly checks: the longest gap between two windows of a symbol.
    max_window_gap_minutes: int
    # `available-now` runs the streaming job to Kafka's end; `continuous` only checks it is current.
    tick_windows_mode: str


@dataclass(frozen=True)
class SnowflakeSettings:
    enabled: bool
    # Per loaded table: `pipe` (a Snowflake pipe stages its files) or `dag` (the DAG PUTs them).
    landing: dict[str, str]
    pipe_timeout_seconds: int


@dataclass(frozen=True)
class Settings:
    runner: RunnerSettings
    buckets: dict[str, str]
    pipeline: PipelineSettings
    snowflake: SnowflakeSettings


def _json(name: str, raw: str | None, problems: list[str]) -> dict[str, Any]:
    if raw is None:
        problems.append(f"the Airflow variable `{name}` is not set")
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        problems.append(f"the Airflow variable `{name}` must be a JSON object (got {raw[:80]!r})")
        return {}
    if not isinstance(value, dict):
        problems.append(f"the Airflow variable `{name}` must be a JSON object (got {raw[:80]!r})")
        return {}
    return value


def _int(where: str, value: Any, default: int, problems: list[str], minimum: int = 1) -> int:
    if value is None:
        return default
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        problems.append(f"{where} must be an integer of at least {minimum} (got {value!r})")
        return default
    return value


def parse_settings(get: Callable[[str], str | None]) -> Settings:
    """The settings from the variables' raw values (`get(name)`, None when unset)."""
    problems: list[str] = []
    runner_raw = _json(VARIABLES["runner"], get(VARIABLES["runner"]), problems)
    kind = runner_raw.get("kind")
    where = f"`{VARIABLES['runner']}`"
    if kind not in RUNNER_KINDS:
        problems.append(f"{where}.kind must be one of {', '.join(RUNNER_KINDS)} (got {kind!r})")
    programs = runner_raw.get("programs", {})
    for program in PROGRAMS:
        spec = programs.get(program) if isinstance(programs, dict) else None
        if not isinstance(spec, dict) or not isinstance(spec.get("command"), list) or not spec["command"]:
            problems.append(f"{where}.programs.{program}.command must be a non-empty list (got {spec!r})")
    jobs_dir = runner_raw.get("jobs_dir")
    if not isinstance(jobs_dir, str) or not jobs_dir:
        problems.append(f"{where}.jobs_dir must name the Spark jobs' folder (got {jobs_dir!r})")
    options = {k: v for k, v in runner_raw.items() if k not in ("kind", "programs", "jobs_dir")}
    runner = RunnerSettings(str(kind), programs if isinstance(programs, dict) else {}, str(jobs_dir), options)

    buckets_raw = _json(VARIABLES["buckets"], get(VARIABLES["buckets"]), problems)
    for zone in ZONES:
        if not isinstance(buckets_raw.get(zone), str) or not buckets_raw.get(zone):
            problems.append(f"`{VARIABLES['buckets']}`.{zone} must name the {zone} bucket (got {buckets_raw.get(zone)!r})")

    p = _json(VARIABLES["pipeline"], get(VARIABLES["pipeline"]), problems)
    pw = f"`{VARIABLES['pipeline']}`"
    symbols = p.get("batch_symbols")
    if not isinstance(symbols, list) or not symbols or not all(isinstance(s, str) for s in symbols):
        problems.append(f"{pw}.batch_symbols must be a non-empty list of tickers (got {symbols!r})")
        symbols = []
    realtime = p.get("realtime_symbols", [])
    if not isinstance(realtime, list) or not all(isinstance(s, str) for s in realtime):
        problems.append(f"{pw}.realtime_symbols must be a list of tickers (got {realtime!r})")
        realtime = []
    mode = p.get("tick_windows_mode", "continuous")
    if mode not in ("available-now", "continuous"):
        problems.append(f"{pw}.tick_windows_mode must be available-now or continuous (got {mode!r})")
    poll = p.get("sink_poll_seconds", 10)
    if not isinstance(poll, (int, float)) or isinstance(poll, bool) or poll <= 0:
        problems.append(f"{pw}.sink_poll_seconds must be a positive number (got {poll!r})")
        poll = 10
    pipeline = PipelineSettings(
        sink_group=str(p.get("sink_group") or ""),
        batch_symbols=tuple(symbols),
        realtime_symbols=tuple(realtime),
        sink_timeout_seconds=_int(f"{pw}.sink_timeout_seconds", p.get("sink_timeout_seconds"), 1800, problems),
        sink_poll_seconds=float(poll),
        freshness_days=_int(f"{pw}.freshness_days", p.get("freshness_days"), 5, problems, minimum=0),
        max_window_gap_minutes=_int(f"{pw}.max_window_gap_minutes", p.get("max_window_gap_minutes"), 5, problems),
        tick_windows_mode=str(mode),
    )
    if not pipeline.sink_group:
        problems.append(f"{pw}.sink_group must name the sink's consumer group (got {p.get('sink_group')!r})")

    sf = _json(VARIABLES["snowflake"], get(VARIABLES["snowflake"]), problems)
    enabled = sf.get("enabled")
    if not isinstance(enabled, bool):
        problems.append(f"`{VARIABLES['snowflake']}`.enabled must be true or false (got {enabled!r})")
    landing = sf.get("landing", {})
    if not isinstance(landing, dict) or any(v not in LANDINGS for v in landing.values()):
        problems.append(f"`{VARIABLES['snowflake']}`.landing must map tables to pipe or dag (got {landing!r})")
        landing = {}
    snowflake = SnowflakeSettings(
        enabled=bool(enabled),
        landing={str(k): str(v) for k, v in landing.items()},
        pipe_timeout_seconds=_int(f"`{VARIABLES['snowflake']}`.pipe_timeout_seconds", sf.get("pipe_timeout_seconds"), 900, problems),
    )
    if problems:
        raise SettingsError(problems)
    return Settings(runner=runner, buckets={z: str(buckets_raw[z]) for z in ZONES}, pipeline=pipeline, snowflake=snowflake)


def read_settings() -> Settings:
    """The settings of this deployment, from Airflow's variables (at run time only)."""
    from airflow.sdk import Variable

    return parse_settings(lambda name: Variable.get(name, default=None))


def connection_env(conn: Any) -> Mapping[str, Any]:
    """A connection's extra as a dict (the Airflow SDK's and the models' connections alike)."""
    extra = getattr(conn, "extra_dejson", None)
    if extra is None:
        extra = json.loads(conn.extra or "{}")
    return dict(extra)
