"""Fixtures of the DAGs' tests: one Airflow metadata DB (SQLite, migrated once), the harness's servers,
and the deployment settings of a local runner, as Airflow variables and connections in the environment.

`functions/airflow/dags.itest.ts` runs these tests with the servers' addresses (and a running sink)
in the environment; `test/harness/serve.ts` prints them for a run by hand.
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[4]
DAGS = REPO / "functions" / "airflow" / "dags"
_HOME = Path(tempfile.mkdtemp(prefix="airflow-tests-"))

# Before anything imports Airflow: its home, its DB, the DAGs, the auth manager of the deployments.
os.environ.update(
    {
        "AIRFLOW_HOME": str(_HOME),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{_HOME / 'airflow.db'}",
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "false",
        "AIRFLOW__CORE__AUTH_MANAGER": "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager",
        "AIRFLOW__DATABASE__EXTERNAL_DB_MANAGERS": "airflow.providers.fab.auth_manager.models.db.FABDBManager",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
    }
)


def airflow_cli(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(DAGS)}
    return subprocess.run(
        [str(Path(sys.executable).with_name("airflow")), *args], env=env, capture_output=True, text=True, check=check, timeout=300
    )


@pytest.fixture(scope="session", autouse=True)
def airflow_db() -> Path:
    """The metadata DB, migrated once for the whole run (about 10 s), before any test touches Airflow."""
    airflow_cli("db", "migrate")
    return _HOME / "airflow.db"


def spark_home() -> str:
    spec = importlib.util.find_spec("pyspark")
    assert spec is not None and spec.origin is not None, "pyspark is not installed"
    return str(Path(spec.origin).parent)


def env(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        pytest.fail(f"`{name}` is not set: run the tests with `npm run test:integration`, or with what test/harness/serve.ts prints")
    return value


def conn_uri(conn: dict[str, Any]) -> str:
    return json.dumps(conn)


class Deployment:
    """The Airflow variables and connections of a deployment whose tasks run as local processes."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, buckets: dict[str, str], sink_group: str) -> None:
        self.monkeypatch = monkeypatch
        self.buckets = buckets
        s3 = {
            "S3_ENDPOINT": env("S3_ENDPOINT"),
            "S3_REGION": os.environ.get("S3_REGION", "us-east-1"),
            "S3_FORCE_PATH_STYLE": "true",
            **{f"{zone.upper()}_BUCKET": name for zone, name in buckets.items()},
        }
        self.runner = {
            "kind": "local",
            "jobs_dir": str(REPO / "functions" / "spark" / "jobs"),
            "programs": {
                "batch-producer": {
                    "command": [
                        shutil.which("node") or "node",
                        "-r",
                        "ts-node/register/transpile-only",
                        "test/harness/recorded-batch-producer.ts",
                    ],
                    "env": {"KAFKA_BROKERS": env("KAFKA_BROKERS"), "LOG_LEVEL": "warn"},
                    "secrets": ["kafka"],
                },
                "spark-submit": {
                    "command": [
                        str(Path(sys.executable).with_name("spark-submit")),
                        "--master",
                        "local[2]",
                        "--driver-memory",
                        "2g",
                        "--conf",
                        "spark.ui.enabled=false",
                        "--conf",
                        "spark.sql.shuffle.partitions=4",
                    ],
                    "env": {
                        **s3,
                        "KAFKA_BROKERS": env("KAFKA_BROKERS"),
                        "SPARK_LOCAL_IP": "127.0.0.1",
                        "TICK_WINDOWS_WATERMARK": "5 seconds",
                        # pyspark's own Spark, driven by this environment's python.
                        "SPARK_HOME": spark_home(),
                        "PYSPARK_PYTHON": sys.executable,
                    },
                    "secrets": ["s3"],
                },
            },
        }
        self.pipeline: dict[str, Any] = {
            "sink_group": sink_group,
            "batch_symbols": ["AAPL", "MSFT", "GOOGL", "AMZN", "META", "TSLA", "NVDA", "INTC", "JPM", "V"],
            "realtime_symbols": ["AAPL", "MSFT"],
            "sink_timeout_seconds": 600,
            "sink_poll_seconds": 1,
            "freshness_days": 5,
            "max_window_gap_minutes": 5,
            "tick_windows_mode": "available-now",
        }
        self.snowflake: dict[str, Any] = {"enabled": False}
        # The Snowflake database of the deployment's connection, when it has one.
        self.database = ""
        self.connections = {
            "market_data_kafka": {"conn_type": "kafka", "extra": {"bootstrap.servers": env("KAFKA_BROKERS")}},
            "market_data_s3": {
                "conn_type": "aws",
                "login": env("AWS_ACCESS_KEY_ID"),
                "password": env("AWS_SECRET_ACCESS_KEY"),
                "extra": {"endpoint_url": env("S3_ENDPOINT"), "region_name": os.environ.get("S3_REGION", "us-east-1")},
            },
        }
        self.apply()

    def apply(self) -> None:
        for name, value in {
            "MARKET_DATA_RUNNER": self.runner,
            "MARKET_DATA_BUCKETS": self.buckets,
            "MARKET_DATA_PIPELINE": self.pipeline,
            "MARKET_DATA_SNOWFLAKE": self.snowflake,
        }.items():
            self.monkeypatch.setenv(f"AIRFLOW_VAR_{name}", json.dumps(value))
        for conn_id, conn in self.connections.items():
            self.monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", conn_uri(conn))


@pytest.fixture(scope="session")
def s3() -> Any:
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=env("S3_ENDPOINT"),
        region_name=os.environ.get("S3_REGION", "us-east-1"),
        aws_access_key_id=env("AWS_ACCESS_KEY_ID"),
        aws_secret_access_key=env("AWS_SECRET_ACCESS_KEY"),
        config=boto3.session.Config(s3={"addressing_style": "path"}),
    )


def new_buckets(s3: Any, role: str) -> dict[str, str]:
    suffix = uuid.uuid4().hex[:6]
    buckets = {zone: f"af-{role}-{zone}-{suffix}" for zone in ("raw", "processed", "realtime", "checkpoints")}
    for name in buckets.values():
        s3.create_bucket(Bucket=name)
    return buckets


@pytest.fixture(scope="session")
def snowflake_server() -> Iterator[dict[str, Any]]:
    """fakesnow's server on 127.0.0.1: the connector talks to it over HTTP as it would to Snowflake."""
    import fakesnow

    with fakesnow.server() as kwargs:
        yield kwargs


def snowflake_connection(server: dict[str, Any], database: str) -> dict[str, Any]:
    extra = {k: v for k, v in server.items() if k not in ("user", "password")}
    return {
        "conn_type": "snowflake",
        "login": server["user"],
        "password": server["password"],
        "extra": {**extra, "database": database, "schema": "ANALYTICS"},
    }


def create_warehouse(server: dict[str, Any], database: str) -> None:
    """What the Pulumi program declares in Snowflake, from the contract's statements."""
    import snowflake.connector

    from market_data.contract import load_contract

    contract = load_contract()
    conn = snowflake.connector.connect(**server)
    try:
        cur = conn.cursor()
        cur.execute(f"CREATE DATABASE IF NOT EXISTS {database}")
        cur.execute(f"CREATE SCHEMA IF NOT EXISTS {database}.ANALYTICS")
        cur.execute(f"USE SCHEMA {database}.ANALYTICS")
        for table in contract.tables.values():
            for statement in ("createTable", "createStaging", "createLoadStage"):
                cur.execute(table.statements[statement])
    finally:
        conn.close()


def run_dag(dag_id: str, capsys: pytest.CaptureFixture[str], **kwargs: Any) -> tuple[str, dict[str, str], str]:
    """One `dag.test()` run: its state, each task's state, and everything its tasks logged."""
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder=str(DAGS / f"{dag_id}.py")).get_dag(dag_id)
    assert dag is not None
    # A failed task fails the run at once here: its retries (with their minutes of backoff) are the scheduler's business.
    for task in dag.tasks:
        task.retries = 0
    capsys.readouterr()
    run = dag.test(**kwargs)
    states = {ti.task_id: str(ti.state) for ti in run.get_task_instances()}
    # The tasks' logs, their errors among them, go to the process's output.
    out = capsys.readouterr()
    return str(run.state), states, out.out + out.err


def query(server: dict[str, Any], database: str, sql: str) -> list[tuple[Any, ...]]:
    import snowflake.connector

    conn = snowflake.connector.connect(**server, database=database, schema="ANALYTICS")
    try:
        cur = conn.cursor()
        cur.execute(sql)
        return list(cur.fetchall())
    finally:
        conn.close()


def with_warehouse(d: Deployment, server: dict[str, Any], test_name: str) -> Deployment:
    """`d` with a fresh Snowflake database of its own (named after the test) and the load on, landed by the DAG."""
    name = "".join(ch if ch.isalnum() else "_" for ch in test_name.upper())[:32]
    database = f"MD_{name}_{uuid.uuid4().hex[:6].upper()}"
    create_warehouse(server, database)
    d.snowflake = {"enabled": True, "landing": {"daily_metrics": "dag", "tick_windows": "dag"}}
    d.connections["market_data_snowflake"] = snowflake_connection(server, database)
    d.database = database
    d.apply()
    return d


def put_files(s3: Any, bucket: str, files: dict[str, Any]) -> None:
    import pyarrow.parquet as pq

    for key, table in files.items():
        body = io.BytesIO()
        pq.write_table(table, body)
        s3.put_object(Bucket=bucket, Key=key, Body=body.getvalue())
