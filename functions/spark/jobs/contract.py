"""The platform's contract (`contract/` in TypeScript), loaded from its generated export.

Every name and record shape the jobs use comes from here; Spark schemas are derived from it, never
typed a second time. `contract.json` is written by `contract/export.ts`, and a TypeScript test
fails while the committed file differs from what the generator writes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyspark.sql import types as T

CONTRACT_FILE = Path(__file__).with_name("contract.json")

SPARK_TYPES: dict[str, T.DataType] = {
    "string": T.StringType(),
    "double": T.DoubleType(),
    "long": T.LongType(),
    "timestamp": T.TimestampType(),
    "date": T.DateType(),
}


class ContractError(Exception):
    """The export is not what the jobs expect (an old or hand-edited file)."""


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    doc: str
    nullable: bool = False
    values: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Schema:
    name: str
    version: int
    dataset: str
    fields: tuple[Field, ...]
    topic: str | None = None

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.fields]

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"{self.name} has no field `{name}`")


@dataclass(frozen=True)
class Contract:
    topics: dict[str, str]
    zones: tuple[str, ...]
    dataset_zones: dict[str, str]
    env: dict[str, str]
    zone_bucket_env: dict[str, str]
    sink_journal_prefix: str
    symbol_pattern: str
    iso_timestamp_pattern: str
    iso_date_pattern: str
    max_clock_skew_ms: int
    records: dict[str, Schema]
    tables: dict[str, Schema]

    @property
    def tick(self) -> Schema:
        return self.records["tick"]

    @property
    def bar(self) -> Schema:
        return self.records["bar"]

    @property
    def daily_metrics(self) -> Schema:
        return self.tables["daily_metrics"]

    @property
    def tick_windows(self) -> Schema:
        return self.tables["tick_windows"]


def _schema(raw: dict[str, Any]) -> Schema:
    fields = []
    for f in raw["fields"]:
        if f["type"] not in SPARK_TYPES:
            raise ContractError(f"field `{raw['name']}.{f['name']}` has the type {f['type']!r}, which has no Spark type")
        values = f.get("values")
        fields.append(Field(f["name"], f["type"], f["doc"], bool(f.get("nullable", False)), tuple(values) if values else None))
    return Schema(raw["name"], int(raw["version"]), raw["dataset"], tuple(fields), raw.get("topic"))


def load_contract(path: Path = CONTRACT_FILE) -> Contract:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return Contract(
            topics=dict(raw["topics"]),
            zones=tuple(raw["zones"]),
            dataset_zones=dict(raw["datasetZones"]),
            env=dict(raw["env"]),
            zone_bucket_env=dict(raw["zoneBucketEnv"]),
            sink_journal_prefix=raw["sinkJournalPrefix"],
            symbol_pattern=raw["symbolPattern"],
            iso_timestamp_pattern=raw["isoTimestampPattern"],
            iso_date_pattern=raw["isoDatePattern"],
            max_clock_skew_ms=int(raw["maxClockSkewMs"]),
            records={k: _schema(v) for k, v in raw["records"].items()},
            tables={k: _schema(v) for k, v in raw["tables"].items()},
        )
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise ContractError(f"{path} is not a contract export: {err!r}") from err


def struct_type(schema: Schema) -> T.StructType:
    """The Spark schema of a record or table, field for field."""
    return T.StructType([T.StructField(f.name, SPARK_TYPES[f.type], f.nullable) for f in schema.fields])


def wire_struct_type(schema: Schema) -> T.StructType:
    """How a record arrives as JSON: times and dates as the strings they are, anything may be missing."""
    wire = {"timestamp": T.StringType(), "date": T.StringType()}
    return T.StructType([T.StructField(f.name, wire.get(f.type, SPARK_TYPES[f.type]), True) for f in schema.fields])


CONTRACT = load_contract()
