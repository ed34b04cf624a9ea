"""Spark's side of the settings: the session's configuration and the Kafka source's options."""

from __future__ import annotations

from urllib.parse import urlparse

from pyspark.sql import SparkSession

from job_settings import JobSettings, KafkaSettings, S3Settings

# Environment keys in dev and the tests, the pod's web identity (IRSA) on AWS.
CREDENTIAL_PROVIDERS = ",".join(
    [
        "software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider",
        "software.amazon.awssdk.auth.credentials.WebIdentityTokenFileCredentialsProvider",
    ]
)


def s3a_conf(s3: S3Settings) -> dict[str, str]:
    conf = {
        "spark.hadoop.fs.s3a.aws.credentials.provider": CREDENTIAL_PROVIDERS,
        "spark.hadoop.fs.s3a.path.style.access": str(s3.path_style).lower(),
    }
    if s3.region:
        conf["spark.hadoop.fs.s3a.endpoint.region"] = s3.region
    if s3.endpoint:
        conf["spark.hadoop.fs.s3a.endpoint"] = s3.endpoint
        conf["spark.hadoop.fs.s3a.connection.ssl.enabled"] = str(urlparse(s3.endpoint).scheme == "https").lower()
    return conf


def session_conf(s3: S3Settings) -> dict[str, str]:
    """What every job relies on, whoever starts the session (spark-submit, the tests)."""
    return {
        # Dates and window boundaries are UTC, as the contract's timestamps are.
        "spark.sql.session.timeZone": "UTC",
        # The standard Parquet timestamp (Snowflake, pyarrow and DuckDB read it), not Spark's legacy INT96.
        "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
        # No _SUCCESS objects: a job's exit code says whether its output is committed, and a rerun of
        # one date must leave every other object as it was.
        "spark.hadoop.mapreduce.fileoutputcommitter.marksuccessfuljobs": "false",
        **s3a_conf(s3),
    }


def get_session(app: str, settings: JobSettings) -> SparkSession:
    """The session spark-submit prepared (master, resources), with the jobs' settings on top."""
    builder = SparkSession.builder.appName(app)
    for key, value in session_conf(settings.s3).items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def s3a_url(bucket: str, *parts: str) -> str:
    return "/".join([f"s3a://{bucket}", *parts])


def _jaas_quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def kafka_options(kafka: KafkaSettings) -> dict[str, str]:
    """The Kafka source's client settings: plaintext in dev, TLS + SCRAM with the cluster's CA on prod."""
    options = {"kafka.bootstrap.servers": kafka.brokers}
    sasl = kafka.sasl_mechanism is not None
    options["kafka.security.protocol"] = {
        (False, False): "PLAINTEXT",
        (True, False): "SSL",
        (False, True): "SASL_PLAINTEXT",
        (True, True): "SASL_SSL",
    }[(kafka.ssl, sasl)]
    if kafka.sasl_mechanism is not None:
        options["kafka.sasl.mechanism"] = kafka.sasl_mechanism.upper()
        options["kafka.sasl.jaas.config"] = (
            "org.apache.kafka.common.security.scram.ScramLoginModule required "
            f"username={_jaas_quote(kafka.username or '')} password={_jaas_quote(kafka.password or '')};"
        )
    if kafka.ca_pem:
        # Inline, not a path: the executors that read Kafka have no copy of the file.
        options["kafka.ssl.truststore.type"] = "PEM"
        options["kafka.ssl.truststore.certificates"] = kafka.ca_pem
    return options
