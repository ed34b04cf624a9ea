"""Publishes staged daily metrics: each trading day's file is copied to a name of this run's, then
the day's earlier files are removed.

    daily_metrics/date=2024-07-15/part-20260301T020304Z-1a2b3c4d.parquet

The job writes every day of its range in one Spark write to a staging folder outside the dataset
(`_staging/daily_metrics/<run>/task=<n>/date=<day>/part-....parquet`), then copies each day's
file, server-side and in parallel, onto its published name, and only then removes the other
objects in that day's folder. A copy appears whole or not at all, so a day's folder never holds a
partly written file and is never empty once published; for the two requests between a day's copy
and the removal of its earlier file, a reader that lists the folder sees both. Run names sort by
start time: the greatest name in a day's folder is the newest run's. A new name for each run lets
loaders that remember file names (Snowflake's pipes and load history) load a re-run day again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed

from object_store import ObjectStore

# The output's partition column and folder prefix: a copy of trade_date (the files keep every column).
PARTITION = "date"
# Copies in flight at once: each day is one copy and at most one delete request.
COPY_THREADS = 16


def published_key(dataset: str, day: str, run: str) -> str:
    return f"{dataset}/{PARTITION}={day}/part-{run}.parquet"


def day_of(key: str) -> str | None:
    """The day of a key with a `date=YYYY-MM-DD` folder in it, else None."""
    for part in key.split("/")[:-1]:
        if part.startswith(f"{PARTITION}="):
            return part[len(PARTITION) + 1 :]
    return None


def staged_files(store: ObjectStore, staging: str) -> dict[str, str]:
    """day -> the one Parquet file staged for it under `staging`."""
    by_day: dict[str, str] = {}
    for key in store.keys(f"{staging}/"):
        day = day_of(key)
        if day is None or not key.endswith(".parquet"):
            continue
        if day in by_day:
            raise RuntimeError(f"two files staged for {PARTITION}={day}: {by_day[day]} and {key}")
        by_day[day] = key
    return by_day


def published_files(store: ObjectStore, dataset: str, days: Iterable[str]) -> dict[str, list[str]]:
    """day -> every key in the day's folder, in one listing from the first day to the last."""
    wanted = sorted(days)
    out: dict[str, list[str]] = {day: [] for day in wanted}
    if not wanted:
        return out
    folder = f"{dataset}/{PARTITION}="
    # Every key of the first day's folder sorts after the folder's name without its slash.
    for key in store.keys(folder, start_after=folder + wanted[0]):
        day = key[len(folder) :].split("/", 1)[0]
        if day > wanted[-1]:
            break
        if day in out:
            out[day].append(key)
    return out


def publish(store: ObjectStore, staged: Mapping[str, str], dataset: str, run: str, threads: int = COPY_THREADS) -> None:
    """Copies each staged day onto its name for `run`, then removes the day's other objects.

    The first failure stops the days not yet started and is raised: every day is then as it was,
    or published by this run (for a day whose removal failed, with its earlier file beside it)."""
    # Listed before any copy: two runs publishing one day at once each remove only what was there
    # before both, so the day keeps both new files rather than losing both.
    earlier = published_files(store, dataset, staged)

    def publish_day(day: str) -> None:
        target = published_key(dataset, day, run)
        store.copy(staged[day], target)
        stale = [key for key in earlier[day] if key != target]
        if stale:
            store.delete(stale)

    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="publish")
    try:
        for done in as_completed([pool.submit(publish_day, day) for day in sorted(staged)]):
            done.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
