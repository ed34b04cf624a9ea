"""A job's settings, read once from its environment (variable names from the contract).

Every problem is collected and reported at once, each naming the variable and the value it had,
as the TypeScript functions' `EnvReader` does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from contract import CONTRACT

ENV = CONTRACT.env
SASL_MECHANISMS = ("scram-sha-256", "scram-sha-512")
# A Spark interval as withWatermark and processingTime take it: "2 minutes", "30 seconds".
INTERVAL = re.compile(r"^\d+ (millisecond|second|minute|hour|day)s?$")


class SettingsError(Exception):
    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("invalid environment:\n  - " + "\n  - ".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True)
class S3Settings:
    """Unset endpoint: AWS itself, found by region. Credentials come from the environment or the pod's role."""

    endpoint: str | None
    region: str | None
    path_style: bool


@dataclass(frozen=True)
class KafkaSettings:
    brokers: str
    ssl: bool
    sasl_mechanism: str | None
    username: str | None
    password: str | None = field(repr=False)
    # The cluster CA's certificates (PEM), handed to executors inline: they have no file of it.
    ca_pem: str | None = field(repr=False)


@dataclass(frozen=True)
class JobSettings:
    s3: S3Settings
    buckets: Mapping[str, str]
    kafka: KafkaSettings | None
    watermark: str
    trigger: str

    def bucket(self, zone: str) -> str:
        return self.buckets[zone]


class _Reader:
    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self.problems: list[str] = []

    def optional(self, name: str) -> str | None:
        value = self.env.get(name, "").strip()
        return value or None

    def required(self, name: str) -> str:
        value = self.optional(name)
        if value is None:
            self.problems.append(f"`{name}` is required")
        return value or ""

    def file(self, name: str) -> str | None:
        """The content of the file that `name` names, if set."""
        path = self.optional(name)
        if path is None:
            return None
        try:
            content = Path(path).read_text(encoding="utf-8")
        except OSError as err:
            self.problems.append(f"`{name}` names {path!r}, which cannot be read ({err.strerror})")
            return None
        if not content.strip():
            self.problems.append(f"`{name}` names {path!r}, which is empty")
            return None
        return content

    def secret(self, name: str) -> str | None:
        """A credential: the value of `name`, or the content of the file `<name>_FILE` names (a mounted Secret)."""
        value = self.optional(name)
        file_name = f"{name}_FILE"
        if self.optional(file_name) is None:
            return value
        if value is not None:
            self.problems.append(f"`{name}` and `{file_name}` are both set; set only one")
            return value
        content = self.file(file_name)
        return content.rstrip("\r\n") if content is not None else None

    def flag(self, name: str, default: bool) -> bool:
        value = self.optional(name)
        if value is None:
            return default
        if value.lower() in ("true", "1", "yes"):
            return True
        if value.lower() in ("false", "0", "no"):
            return False
        self.problems.append(f"`{name}` must be true or false (got {value!r})")
        return default

    def interval(self, name: str, default: str) -> str:
        value = self.optional(name) or default
        if not INTERVAL.match(value):
            self.problems.append(f"`{name}` must be an interval such as '2 minutes' or '30 seconds' (got {value!r})")
        return value


def read_settings(env: Mapping[str, str], zones: Sequence[str], kafka: bool = False) -> JobSettings:
    """The settings of a job that uses the buckets of `zones` (and Kafka, when asked)."""
    r = _Reader(env)
    endpoint = r.optional(ENV["s3Endpoint"])
    if endpoint is not None and urlparse(endpoint).scheme not in ("http", "https"):
        r.problems.append(f"`{ENV['s3Endpoint']}` must be an http:// or https:// URL (got {endpoint!r})")
    s3 = S3Settings(endpoint=endpoint, region=r.optional(ENV["s3Region"]), path_style=r.flag(ENV["s3ForcePathStyle"], endpoint is not None))
    buckets = {zone: r.required(CONTRACT.zone_bucket_env[zone]) for zone in zones}
    kafka_settings = _kafka(r) if kafka else None
    settings = JobSettings(
        s3=s3,
        buckets=buckets,
        kafka=kafka_settings,
        watermark=r.interval(ENV["tickWindowsWatermark"], "2 minutes"),
        trigger=r.interval(ENV["tickWindowsTrigger"], "30 seconds"),
    )
    if r.problems:
        raise SettingsError(r.problems)
    return settings


def _kafka(r: _Reader) -> KafkaSettings:
    brokers = r.required(ENV["kafkaBrokers"])
    mechanism = r.optional(ENV["kafkaSaslMechanism"])
    if mechanism is not None:
        mechanism = mechanism.lower()
        if mechanism not in SASL_MECHANISMS:
            r.problems.append(f"`{ENV['kafkaSaslMechanism']}` must be one of {', '.join(SASL_MECHANISMS)} (got {mechanism!r})")
    username = r.required(ENV["kafkaUsername"]) if mechanism else None
    password = r.secret(ENV["kafkaPassword"]) if mechanism else None
    if mechanism and password is None and not any(ENV["kafkaPassword"] in p for p in r.problems):
        r.problems.append(f"`{ENV['kafkaPassword']}` is required (or `{ENV['kafkaPassword']}_FILE`, a file holding it)")
    return KafkaSettings(
        brokers=brokers,
        ssl=r.flag(ENV["kafkaSsl"], False),
        sasl_mechanism=mechanism,
        username=username,
        password=password,
        ca_pem=r.file(ENV["kafkaCaFile"]),
    )
