"""market_data_daily: a day of bars from the batch producer to Snowflake, through every gate.

    run_range -> ingest -> wait_for_sink -> daily_metrics -> check_quality -> load_snowflake

Declaration only: the tasks import their work (market_data.pipeline) when they run, and read how
to run it from the deployment's Airflow variables and connections.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from airflow.sdk import Param, dag, get_current_context, task

from market_data.declare import dag_arguments, program_seconds
from market_data.sink_wait import SinkCaughtUpSensor

PROGRAM_TIMEOUT = timedelta(minutes=40)


@dag(
    **dag_arguments(
        "market_data_daily",
        schedule="0 23 * * 1-5",
        task_timeout=timedelta(minutes=20),
        dagrun_timeout=timedelta(hours=3),
        params={
            "from": Param(None, type=["null", "string"], format="date", description="first trading day; unset: a week before `to`"),
            "to": Param(None, type=["null", "string"], format="date", description="last trading day; unset: the run's day"),
        },
    )
)
def market_data_daily() -> None:
    @task
    def run_range() -> dict[str, str]:
        from market_data.pipeline import run_range

        context = get_current_context()
        return run_range(context["params"], context.get("data_interval_end"))

    @task(execution_timeout=PROGRAM_TIMEOUT)
    def ingest(days: dict[str, str]) -> dict[str, Any]:
        from market_data.pipeline import ingest

        return ingest(days, get_current_context(), program_seconds(PROGRAM_TIMEOUT))

    @task(execution_timeout=PROGRAM_TIMEOUT)
    def daily_metrics(days: dict[str, str]) -> None:
        from market_data.pipeline import spark_job

        spark_job(
            "daily_metrics.py",
            ["--from", days["from"], "--to", days["to"]],
            get_current_context(),
            program_seconds(PROGRAM_TIMEOUT),
        )

    @task
    def check_quality(days: dict[str, str]) -> dict[str, Any]:
        from market_data.pipeline import check_daily

        # The producer's summary, when this run produced (a run of the later tasks alone has none).
        return check_daily(days, get_current_context()["ti"].xcom_pull(task_ids="ingest"))

    @task
    def load_snowflake(checked: dict[str, Any]) -> dict[str, int]:
        from market_data.pipeline import load_snowflake

        return load_snowflake("daily_metrics", checked)

    days = run_range()
    report = ingest(days)
    # The sensor holds no worker while it waits: it defers to the triggerer, bounded by its own deadline.
    landed = SinkCaughtUpSensor(task_id="wait_for_sink", report=report, execution_timeout=timedelta(hours=1))
    metrics = daily_metrics(days)
    checked = check_quality(days)
    landed >> metrics >> checked
    load_snowflake(checked)


market_data_daily()
