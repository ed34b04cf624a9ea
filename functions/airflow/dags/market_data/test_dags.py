"""The DAG files in a real Airflow: they import without errors, declare only, and have the task graphs the README shows."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from market_data.conftest import DAGS, REPO, airflow_cli

EXPECTED = {"market_data_daily", "market_data_hourly"}


@pytest.fixture(scope="module")
def dagbag() -> Any:
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS))


def chain_of(dag: Any) -> list[str]:
    """The task graph without its shortcut edges (an XCom passed past a neighbour): a chain, from the first task."""
    downstream = {t.task_id: set(t.downstream_task_ids) for t in dag.tasks}

    def reachable(a: str, skip: str) -> set[str]:
        seen: set[str] = set()
        todo = [n for n in downstream[a] if n != skip]
        while todo:
            n = todo.pop()
            if n not in seen:
                seen.add(n)
                todo.extend(downstream[n])
        return seen

    reduced = {a: {b for b in bs if b not in reachable(a, b)} for a, bs in downstream.items()}
    roots = [t for t in downstream if not any(t in bs for bs in downstream.values())]
    assert len(roots) == 1, roots
    chain = roots
    while reduced[chain[-1]]:
        (nxt,) = reduced[chain[-1]]
        chain.append(nxt)
    assert len(chain) == len(dag.tasks), f"not a chain: {reduced}"
    return chain


def readme_graphs() -> dict[str, list[str]]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    return {m[1]: [t.strip() for t in m[2].split("→")] for m in re.finditer(r"^(market_data_\w+):\s+(\w+(?:\s+→\s+\w+)+)\s*$", text, re.M)}


def test_every_dag_file_imports_without_errors(dagbag: Any) -> None:
    assert dagbag.import_errors == {}
    assert set(dagbag.dag_ids) == EXPECTED


def test_the_cli_finds_no_import_error() -> None:
    done = airflow_cli("dags", "list-import-errors", "--local", check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_task_graphs_are_the_readmes(dagbag: Any) -> None:
    graphs = readme_graphs()
    assert set(graphs) == EXPECTED, "the README shows each DAG as `<dag_id>: task → task → ...`"
    for dag_id in EXPECTED:
        assert chain_of(dagbag.get_dag(dag_id)) == graphs[dag_id], dag_id


def test_every_task_retries_with_backoff_and_has_a_timeout(dagbag: Any) -> None:
    for dag_id in EXPECTED:
        dag = dagbag.get_dag(dag_id)
        assert dag.max_active_runs == 1 and dag.dagrun_timeout is not None, dag_id
        for t in dag.tasks:
            assert t.retries >= 1 and t.retry_exponential_backoff, f"{dag_id}.{t.task_id} retries"
            assert t.execution_timeout is not None and t.execution_timeout <= timedelta(hours=1), f"{dag_id}.{t.task_id} timeout"


def test_parsing_reads_no_setting_and_imports_nothing_heavy() -> None:
    """A DAG file parses with no variable or connection set, quickly, without pulling in a provider, Spark or Snowflake."""
    code = (
        "import sys, time, runpy\n"
        "t = time.monotonic()\n"
        f"for f in ['market_data_daily.py', 'market_data_hourly.py']: runpy.run_path({str(DAGS)!r} + '/' + f)\n"
        "heavy = [m for m in ('pyspark', 'snowflake.connector', 'confluent_kafka', 'pyarrow', 'boto3', 'docker', 'kubernetes')"
        " if m in sys.modules]\n"
        "print(heavy, time.monotonic() - t)\n"
    )
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW_VAR_", "AIRFLOW_CONN_"))}
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={**env, "PYTHONPATH": str(DAGS)}, check=False, timeout=120
    )
    assert done.returncode == 0, done.stderr
    heavy, _ = done.stdout.strip().rsplit(" ", 1)
    assert heavy == "[]", done.stdout
    assert time.monotonic() - started < 60


def pins(path: Path) -> dict[str, str]:
    lines = (line.split("#")[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    return dict(line.split("==", 1) for line in lines if "==" in line)


def test_the_image_installs_what_the_tests_ran() -> None:
    """The Airflow image's packages are pinned to the versions of the tests' lock, and Airflow's own release is the image's."""
    image = pins(REPO / "functions" / "airflow" / "requirements.txt")
    tested = pins(REPO / "python" / "requirements.in")
    assert image, "functions/airflow/requirements.txt pins nothing"
    assert {name: tested.get(name) for name in image} == image
    dockerfile = (REPO / "functions" / "airflow" / "Dockerfile").read_text(encoding="utf-8")
    assert f"apache/airflow:{tested['apache-airflow']}-python" in dockerfile
