"""Fixtures of the jobs' tests: one SparkSession for the whole run, the harness's S3 server and Kafka broker.

The servers are the test harness's (test/harness): `npm run test:integration` starts them and runs
these tests with their addresses in the environment; `test/harness/serve.ts` does the same for a
run by hand.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from pyspark.sql import SparkSession

from contract import CONTRACT
from job_settings import KafkaSettings, S3Settings
from spark_session import session_conf
from testing import S3, required_env


@pytest.fixture(scope="session")
def s3_settings() -> S3Settings:
    return S3Settings(
        endpoint=required_env(CONTRACT.env["s3Endpoint"]), region=os.environ.get(CONTRACT.env["s3Region"], "us-east-1"), path_style=True
    )


@pytest.fixture(scope="session")
def kafka_settings() -> KafkaSettings:
    return KafkaSettings(
        brokers=required_env(CONTRACT.env["kafkaBrokers"]), ssl=False, sasl_mechanism=None, username=None, password=None, ca_pem=None
    )


@pytest.fixture(scope="session")
def spark(s3_settings: S3Settings) -> Iterator[SparkSession]:
    builder = (
        SparkSession.builder.master("local[2]")
        .appName("jobs-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.driver.memory", "2g")
    )
    for key, value in session_conf(s3_settings).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("WARN")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def s3() -> S3:
    return S3.from_env()
