"""market_data_hourly: the last hour's 1-minute tick windows, checked and loaded into Snowflake.

    hour_window -> catch_up_windows -> check_windows -> load_snowflake

`catch_up_windows` runs the streaming job with `--available-now` where no streaming job runs
continuously, and otherwise only checks that it has written past the hour.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from airflow.sdk import Param, dag, get_current_context, task

from market_data.declare import dag_arguments, program_seconds

PROGRAM_TIMEOUT = timedelta(minutes=30)


@dag(
    **dag_arguments(
        "market_data_hourly",
        schedule="5 * * * *",
        task_timeout=timedelta(minutes=10),
        dagrun_timeout=timedelta(minutes=55),
        params={
            "hour": Param(None, type=["null", "string"], description="start of the hour to check (UTC); unset: the run's data interval"),
        },
    )
)
def market_data_hourly() -> None:
    @task
    def hour_window() -> dict[str, str]:
        from market_data.pipeline import hour_window

        context = get_current_context()
        return hour_window(context["params"], context.get("data_interval_start"), context.get("data_interval_end"))

    @task(execution_timeout=PROGRAM_TIMEOUT)
    def catch_up_windows(window: dict[str, str]) -> str:
        from market_data.pipeline import catch_up_windows

        return catch_up_windows(window, get_current_context(), program_seconds(PROGRAM_TIMEOUT))

    @task
    def check_windows(window: dict[str, str]) -> dict[str, Any]:
        from market_data.pipeline import check_hourly

        return check_hourly(window)

    @task
    def load_snowflake(checked: dict[str, Any]) -> dict[str, int]:
        from market_data.pipeline import load_snowflake

        return load_snowflake("tick_windows", checked)

    window = hour_window()
    caught_up = catch_up_windows(window)
    checked = check_windows(window)
    caught_up >> checked
    load_snowflake(checked)


market_data_hourly()
