"""Publishes each micro-batch of tick windows so that any reader can list the folder.

Spark's own file sink records its files in a `_spark_metadata` log that only Spark reads; a failed
batch can leave files behind that are in no log, and a re-run batch writes new ones. A reader
such as a Snowflake stage would load both. Here a batch is first written to a staging folder
(checkpoints zone), then each of its files is copied to a name fixed by the batch:

    tick_windows/date=2026-03-03/part-000000000042.parquet

An S3 object appears whole or not at all, and Structured Streaming re-runs a batch that did not
commit with the same input and state, so a re-run rewrites the same objects with the same rows.
The realtime zone holds only complete files, each written by exactly one batch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

# The output's partition column: the UTC date of the window's start (every column stays in the files).
PARTITION = "date"


def published_name(batch_id: int) -> str:
    return f"part-{batch_id:012d}.parquet"


class WindowPublisher:
    def __init__(
        self, spark: SparkSession, final: str, staging: str, on_published: Callable[[int, int], None] = lambda _b, _n: None
    ) -> None:
        self.spark = spark
        self.final = final
        self.staging = staging
        self.on_published = on_published

    def publish(self, windows: DataFrame, batch_id: int) -> None:
        staged = f"{self.staging}/batch={batch_id:012d}"
        # The batch is computed once (its state is committed once) and read twice.
        windows = windows.persist()
        try:
            rows = windows.count()
            if rows > 0:
                (
                    windows.withColumn(PARTITION, F.to_date("window_start"))
                    .repartition(PARTITION)
                    .sortWithinPartitions("symbol", "window_start")
                    .write.mode("overwrite")
                    .partitionBy(PARTITION)
                    .parquet(staged)
                )
        finally:
            windows.unpersist()
        if rows > 0:
            self._copy_to_final(staged, batch_id)
        self.on_published(batch_id, rows)

    def _copy_to_final(self, staged: str, batch_id: int) -> None:
        jvm: Any = self.spark._jvm  # Hadoop's FileSystem API has no Python binding
        conf = self.spark._jsc.hadoopConfiguration()
        path = jvm.org.apache.hadoop.fs.Path
        src_root = path(staged)
        src_fs = src_root.getFileSystem(conf)
        dst_root = path(self.final)
        dst_fs = dst_root.getFileSystem(conf)
        by_partition: dict[str, Any] = {}
        files = src_fs.listFiles(src_root, True)
        while files.hasNext():
            file = files.next().getPath()
            if not file.getName().endswith(".parquet"):
                continue
            partition = file.getParent().getName()
            if partition in by_partition:
                raise RuntimeError(f"batch {batch_id} staged two files for {partition}: {by_partition[partition]} and {file}")
            by_partition[partition] = file
        for partition, file in sorted(by_partition.items()):
            target = path(dst_root, f"{partition}/{published_name(batch_id)}")
            if not jvm.org.apache.hadoop.fs.FileUtil.copy(src_fs, file, dst_fs, target, False, True, conf):
                raise RuntimeError(f"could not copy {file} to {target}")
        src_fs.delete(src_root, True)
