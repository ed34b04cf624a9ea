"""The jobs' settings surface: the contract's variables, every bad value named at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from contract import CONTRACT
from job_settings import KafkaSettings, S3Settings, SettingsError, read_settings
from spark_session import kafka_options, s3a_conf

E = CONTRACT.env
GOOD = {
    E["kafkaBrokers"]: "kafka:9092",
    E["s3Endpoint"]: "http://objectstore:9000",
    E["realtimeBucket"]: "mdp-dev-realtime",
    E["checkpointsBucket"]: "mdp-dev-checkpoints",
}


def test_reads_the_contract_s_variables_with_their_defaults() -> None:
    s = read_settings(GOOD, zones=("realtime", "checkpoints"), kafka=True)
    assert s.buckets == {"realtime": "mdp-dev-realtime", "checkpoints": "mdp-dev-checkpoints"}
    assert s.s3 == S3Settings(endpoint="http://objectstore:9000", region=None, path_style=True)
    assert (s.watermark, s.trigger) == ("2 minutes", "30 seconds")
    assert s.kafka == KafkaSettings(brokers="kafka:9092", ssl=False, sasl_mechanism=None, username=None, password=None, ca_pem=None)


def test_reports_every_bad_value_at_once_naming_the_variable_and_the_value() -> None:
    env = {
        **GOOD,
        E["s3Endpoint"]: "objectstore:9000",
        E["s3ForcePathStyle"]: "sometimes",
        E["checkpointsBucket"]: " ",
        E["kafkaSaslMechanism"]: "plain",
        E["tickWindowsWatermark"]: "2m",
        E["tickWindowsTrigger"]: "soon",
    }
    with pytest.raises(SettingsError) as err:
        read_settings(env, zones=("realtime", "checkpoints"), kafka=True)
    assert err.value.problems == [
        "`S3_ENDPOINT` must be an http:// or https:// URL (got 'objectstore:9000')",
        "`S3_FORCE_PATH_STYLE` must be true or false (got 'sometimes')",
        "`CHECKPOINTS_BUCKET` is required",
        "`KAFKA_SASL_MECHANISM` must be one of scram-sha-256, scram-sha-512 (got 'plain')",
        "`KAFKA_USERNAME` is required",
        "`KAFKA_PASSWORD` is required (or `KAFKA_PASSWORD_FILE`, a file holding it)",
        "`TICK_WINDOWS_WATERMARK` must be an interval such as '2 minutes' or '30 seconds' (got '2m')",
        "`TICK_WINDOWS_TRIGGER` must be an interval such as '2 minutes' or '30 seconds' (got 'soon')",
    ]


def test_kafka_is_required_only_by_a_job_that_reads_it() -> None:
    env = {E["rawBucket"]: "r", E["processedBucket"]: "p"}
    assert read_settings(env, zones=("raw", "processed")).kafka is None
    with pytest.raises(SettingsError, match="`KAFKA_BROKERS` is required"):
        read_settings(env, zones=("raw", "processed"), kafka=True)


def test_reads_the_kafka_password_and_the_cluster_ca_from_mounted_files(tmp_path: Path) -> None:
    (tmp_path / "password").write_text("from-file\n")
    (tmp_path / "ca.crt").write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    env = {
        **GOOD,
        E["kafkaSsl"]: "true",
        E["kafkaSaslMechanism"]: "scram-sha-512",
        E["kafkaUsername"]: "spark",
        f"{E['kafkaPassword']}_FILE": str(tmp_path / "password"),
        E["kafkaCaFile"]: str(tmp_path / "ca.crt"),
    }
    kafka = read_settings(env, zones=("realtime", "checkpoints"), kafka=True).kafka
    assert kafka is not None
    assert kafka.password == "from-file"
    assert kafka.ca_pem is not None and kafka.ca_pem.startswith("-----BEGIN CERTIFICATE-----")


def test_refuses_a_password_given_twice_and_files_it_cannot_read(tmp_path: Path) -> None:
    env = {
        **GOOD,
        E["kafkaSaslMechanism"]: "scram-sha-512",
        E["kafkaUsername"]: "spark",
        E["kafkaPassword"]: "pw",
        f"{E['kafkaPassword']}_FILE": str(tmp_path / "password"),
        E["kafkaCaFile"]: str(tmp_path / "missing.crt"),
    }
    with pytest.raises(SettingsError) as err:
        read_settings(env, zones=("realtime", "checkpoints"), kafka=True)
    assert err.value.problems == [
        "`KAFKA_PASSWORD` and `KAFKA_PASSWORD_FILE` are both set; set only one",
        f"`KAFKA_CA_FILE` names {str(tmp_path / 'missing.crt')!r}, which cannot be read (No such file or directory)",
    ]


def test_prod_s_kafka_is_tls_and_scram_with_the_cluster_ca_as_pem_truststore() -> None:
    pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    options = kafka_options(
        KafkaSettings("k:9093", ssl=True, sasl_mechanism="scram-sha-512", username="spark", password='pa"ss\\', ca_pem=pem)
    )
    assert options == {
        "kafka.bootstrap.servers": "k:9093",
        "kafka.security.protocol": "SASL_SSL",
        "kafka.sasl.mechanism": "SCRAM-SHA-512",
        "kafka.sasl.jaas.config": 'org.apache.kafka.common.security.scram.ScramLoginModule required username="spark" password="pa\\"ss\\\\";',  # noqa: E501
        "kafka.ssl.truststore.type": "PEM",
        "kafka.ssl.truststore.certificates": pem,
    }
    plain = kafka_options(KafkaSettings("kafka:9092", ssl=False, sasl_mechanism=None, username=None, password=None, ca_pem=None))
    assert plain == {"kafka.bootstrap.servers": "kafka:9092", "kafka.security.protocol": "PLAINTEXT"}


def test_s3a_talks_to_an_s3_compatible_server_by_path_and_to_aws_by_region() -> None:
    local = s3a_conf(S3Settings("http://127.0.0.1:9000", "us-east-1", True))
    assert local["spark.hadoop.fs.s3a.endpoint"] == "http://127.0.0.1:9000"
    assert local["spark.hadoop.fs.s3a.connection.ssl.enabled"] == "false"
    assert local["spark.hadoop.fs.s3a.path.style.access"] == "true"
    aws = s3a_conf(S3Settings(None, "eu-west-1", False))
    assert "spark.hadoop.fs.s3a.endpoint" not in aws
    assert aws["spark.hadoop.fs.s3a.endpoint.region"] == "eu-west-1"
    assert "WebIdentityTokenFileCredentialsProvider" in aws["spark.hadoop.fs.s3a.aws.credentials.provider"]
