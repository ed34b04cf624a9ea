"""The idempotent Snowflake load: files land in a staging table, then one MERGE per load on the keys.

Where a pipe stages the files (prod's daily metrics), the DAG waits until the staging table holds
every file its checks passed; elsewhere it lands them itself: one Parquet file of their rows, each
stamped with its file's key and the load's time, PUT to the internal load stage and copied by
column name. Then the contract's MERGE takes, per key, the newest staged row of exactly those
files into the final table, and their staged rows are removed. Running it again changes nothing;
a re-run day updates its rows in place.
"""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from market_data.contract import Contract, LoadedTable
from market_data.storage import DataFile


@dataclass(frozen=True)
class LoadResult:
    files: int
    rows_staged: int
    inserted: int
    updated: int


def connect_kwargs(conn: Any, extra: Mapping[str, Any]) -> dict[str, Any]:
    """snowflake-connector-python's arguments from a `snowflake` connection: login, password or key, and the extra."""
    kwargs = {k: v for k, v in extra.items() if k != "private_key_content"}
    if conn.login:
        kwargs["user"] = conn.login
    if conn.password:
        kwargs["password"] = conn.password
    if pem := extra.get("private_key_content"):
        from cryptography.hazmat.primitives import serialization

        key = serialization.load_pem_private_key(str(pem).encode(), password=None)
        kwargs["private_key"] = key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    if conn.schema:
        kwargs.setdefault("schema", conn.schema)
    return kwargs


def connect(conn_id: str) -> Any:
    import snowflake.connector
    from airflow.sdk import BaseHook

    from market_data.settings import connection_env

    conn = BaseHook.get_connection(conn_id)
    return snowflake.connector.connect(**connect_kwargs(conn, connection_env(conn)))


def staging_file(contract: Contract, files: Sequence[DataFile], loaded_at: datetime) -> Any:
    """Every row of `files` in one Parquet table, with the load columns filled."""
    import pyarrow as pa

    cols = contract.load_columns
    tables = [
        f.table.append_column(cols["sourceFile"], pa.array([f.key] * f.table.num_rows, pa.string())).append_column(
            cols["loadedAt"], pa.array([loaded_at] * f.table.num_rows, pa.timestamp("ms"))
        )
        for f in files
    ]
    return pa.concat_tables(tables, promote_options="default")


def land_files(cursor: Any, contract: Contract, table: LoadedTable, files: Sequence[DataFile], loaded_at: datetime) -> int:
    """PUT one file of the rows to the load stage and COPY it into the staging table; the rows staged."""
    import pyarrow.parquet as pq

    prefix = f"{table.dataset}/{loaded_at.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory() as tmp:
        local = os.path.join(tmp, "rows.parquet")
        pq.write_table(staging_file(contract, files, loaded_at.replace(tzinfo=None)), local)
        cursor.execute(f"PUT 'file://{local}' @{contract.load_stage}/{prefix}/ AUTO_COMPRESS = FALSE OVERWRITE = TRUE")
    cursor.execute(table.statements["copyIntoStaging"].format(prefix=prefix))
    return sum(int(row[3]) for row in cursor.fetchall())


def wait_for_pipe(
    cursor: Any, table: LoadedTable, keys: Sequence[str], timeout_seconds: int, sleep: Callable[[float], None] = time.sleep
) -> None:
    """Until the pipe has staged every file in `keys`; raises TimeoutError naming the missing ones."""
    deadline = time.monotonic() + timeout_seconds
    while True:
        cursor.execute(table.statements["stagedFiles"], {"files": tuple(keys)})
        missing = sorted(set(keys) - {row[0] for row in cursor.fetchall()})
        if not missing:
            return
        if time.monotonic() >= deadline:
            raise TimeoutError(
                f"the pipe staged {len(keys) - len(missing)} of {len(keys)} files of {table.table} "
                f"within {timeout_seconds} s; missing: {missing[:5]}"
            )
        sleep(10)


def merge(cursor: Any, table: LoadedTable, keys: Sequence[str]) -> tuple[int, int]:
    """The MERGE of the staged rows of `keys` into the final table, then their staged rows removed."""
    cursor.execute(table.statements["merge"], {"files": tuple(keys)})
    inserted, updated = (int(v) for v in cursor.fetchone()[:2])
    cursor.execute(table.statements["clearStaging"], {"files": tuple(keys)})
    return inserted, updated


def load(
    conn: Any, contract: Contract, table: LoadedTable, files: Sequence[DataFile], *, landing: str, pipe_timeout_seconds: int
) -> LoadResult:
    keys = [f.key for f in files]
    if not keys:
        return LoadResult(0, 0, 0, 0)
    cursor = conn.cursor()
    try:
        if landing == "pipe":
            wait_for_pipe(cursor, table, keys, pipe_timeout_seconds)
            staged = sum(f.table.num_rows for f in files)
        else:
            staged = land_files(cursor, contract, table, files, datetime.now(timezone.utc))
        inserted, updated = merge(cursor, table, keys)
    finally:
        cursor.close()
    return LoadResult(files=len(keys), rows_staged=staged, inserted=inserted, updated=updated)
