"""Helpers of the jobs' tests: the harness's S3 server through boto3, Parquet read without Spark, Kafka."""

from __future__ import annotations

import hashlib
import io
import json
import os
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import boto3
import pyarrow.parquet as pq
import pytest
from pyspark.sql import SparkSession

from contract import CONTRACT
from job_settings import JobSettings, KafkaSettings, S3Settings

ENV = CONTRACT.env


def required_env(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        pytest.fail(f"`{name}` is not set: run the tests with `npm run test:integration`, or with what test/harness/serve.ts prints")
    return value


def job_settings(
    s3: S3Settings, buckets: Mapping[str, str], kafka: KafkaSettings | None = None, watermark: str = "2 minutes"
) -> JobSettings:
    return JobSettings(s3=s3, buckets=dict(buckets), kafka=kafka, watermark=watermark, trigger="1 second")


@dataclass(frozen=True)
class StoredObject:
    key: str
    etag: str
    size: int
    sha256: str


class S3:
    """The harness's S3 server, as a reader of the zones would see it."""

    def __init__(self, client: Any) -> None:
        self.client = client

    @staticmethod
    def from_env() -> S3:
        return S3(
            boto3.client(
                "s3",
                endpoint_url=required_env(ENV["s3Endpoint"]),
                region_name=os.environ.get(ENV["s3Region"], "us-east-1"),
                aws_access_key_id=required_env(ENV["awsAccessKeyId"]),
                aws_secret_access_key=required_env(ENV["awsSecretAccessKey"]),
                config=boto3.session.Config(s3={"addressing_style": "path"}),
            )
        )

    def new_bucket(self, role: str) -> str:
        name = f"t-{role}-{uuid.uuid4().hex[:8]}"
        self.client.create_bucket(Bucket=name)
        return name

    def put(self, bucket: str, key: str, body: str | bytes) -> None:
        self.client.put_object(Bucket=bucket, Key=key, Body=body.encode() if isinstance(body, str) else body)

    def put_jsonl(self, bucket: str, key: str, records: Iterable[Mapping[str, Any]]) -> None:
        self.put(bucket, key, "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in records))

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        keys: list[str] = []
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            keys.extend(o["Key"] for o in page.get("Contents", []))
        return sorted(keys)

    def get(self, bucket: str, key: str) -> bytes:
        body: bytes = self.client.get_object(Bucket=bucket, Key=key)["Body"].read()
        return body

    def snapshot(self, bucket: str, prefix: str = "") -> dict[str, StoredObject]:
        """Every object under `prefix` with its ETag and a hash of its bytes."""
        out = {}
        for key in self.keys(bucket, prefix):
            head = self.client.head_object(Bucket=bucket, Key=key)
            out[key] = StoredObject(key, head["ETag"], head["ContentLength"], hashlib.sha256(self.get(bucket, key)).hexdigest())
        return out

    def parquet_files(self, bucket: str, prefix: str) -> list[str]:
        return [k for k in self.keys(bucket, prefix) if k.endswith(".parquet")]

    def read_parquet(self, bucket: str, key: str) -> Any:
        """A pyarrow Table: the file as any Parquet reader sees it, without Spark."""
        return pq.read_table(io.BytesIO(self.get(bucket, key)))

    def read_rows(self, bucket: str, prefix: str) -> list[dict[str, Any]]:
        """Every row of every Parquet object under `prefix`, as a reader that lists the folder would load them."""
        rows: list[dict[str, Any]] = []
        for key in self.parquet_files(bucket, prefix):
            rows.extend(self.read_parquet(bucket, key).to_pylist())
        return rows


def create_topic(spark: SparkSession, brokers: str, topic: str, partitions: int) -> None:
    """Through Kafka's own AdminClient, which the connector jars put on the driver's classpath."""
    jvm: Any = spark._jvm
    props = jvm.java.util.Properties()
    props.put("bootstrap.servers", brokers)
    admin = jvm.org.apache.kafka.clients.admin.Admin.create(props)
    try:
        new_topic = jvm.org.apache.kafka.clients.admin.NewTopic(topic, partitions, jvm.java.lang.Short.valueOf("1"))
        topics = jvm.java.util.Collections.singletonList(new_topic)
        admin.createTopics(topics).all().get()
    finally:
        admin.close()


def produce(spark: SparkSession, brokers: str, topic: str, messages: Sequence[tuple[str | None, str]]) -> None:
    """(key, value) pairs, in order per key, through Spark's Kafka sink (acks=all)."""
    frame = spark.createDataFrame(list(messages), "key string, value string")
    frame.write.format("kafka").option("kafka.bootstrap.servers", brokers).option("kafka.acks", "all").option("topic", topic).save()
