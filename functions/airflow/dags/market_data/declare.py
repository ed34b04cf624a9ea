"""What every market-data DAG declares alike: owner, retries, timeouts, one active run, tags.

Imported by the DAG files at parse time: nothing here reads a setting or imports anything heavy.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

# Before this day no run is scheduled (and none is caught up: `catchup` is off).
START_DATE = datetime(2026, 1, 1)
# What a program run by a task leaves of its task's timeout for the task to report its failure.
REPORT_MARGIN = timedelta(minutes=1)


def default_args(task_timeout: timedelta) -> dict[str, Any]:
    """Retries with exponential backoff for what is transient (a broker or the object store away for a
    while); bad settings and bad data fail at once (AirflowFailException). No task outlives its timeout."""
    return {
        "owner": "market-data",
        "retries": 2,
        "retry_delay": timedelta(seconds=30),
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(minutes=10),
        "execution_timeout": task_timeout,
    }


def dag_arguments(
    dag_id: str, *, schedule: str, task_timeout: timedelta, dagrun_timeout: timedelta, params: dict[str, Any]
) -> dict[str, Any]:
    """The `@dag(...)` arguments of a market-data DAG: scheduled from START_DATE without catch-up, one run at a time."""
    return {
        "dag_id": dag_id,
        "schedule": schedule,
        "start_date": START_DATE,
        "catchup": False,
        "max_active_runs": 1,
        "default_args": default_args(task_timeout),
        "dagrun_timeout": dagrun_timeout,
        "params": params,
        "tags": ["market-data"],
    }


def program_seconds(task_timeout: timedelta) -> int:
    """How long a program may run inside a task of `task_timeout`: the task ends it first, and says why."""
    return int((task_timeout - REPORT_MARGIN).total_seconds())
