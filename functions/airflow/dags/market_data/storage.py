"""The jobs' published Parquet files in the object store, read as any reader that lists a folder would."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from market_data.contract import LoadedTable


@dataclass(frozen=True)
class DataFile:
    key: str
    table: Any  # a pyarrow Table

    @property
    def rows(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = self.table.to_pylist()
        return rows


def s3_client(conn_id: str) -> Any:
    """boto3's S3 client of an `aws` connection (keys or the pod's role, and the endpoint in its extra)."""
    from airflow.providers.amazon.aws.hooks.s3 import S3Hook

    return S3Hook(aws_conn_id=conn_id).get_conn()


def published_keys(client: Any, bucket: str, table: LoadedTable, days: Iterable[str]) -> list[str]:
    """Keys of the published files of `days` (`<dataset>/date=<day>/...`), never a job's staging objects."""
    pattern = re.compile(table.published_file_pattern)
    keys: list[str] = []
    for day in days:
        paginator = client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=bucket, Prefix=f"{table.dataset}/date={day}/"):
            keys.extend(o["Key"] for o in page.get("Contents", []) if pattern.fullmatch(o["Key"]))
    return sorted(keys)


def read_files(client: Any, bucket: str, keys: Iterable[str]) -> list[DataFile]:
    import pyarrow.parquet as pq

    return [DataFile(key, pq.read_table(io.BytesIO(client.get_object(Bucket=bucket, Key=key)["Body"].read()))) for key in keys]
