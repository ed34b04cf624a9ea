"""Waiting for the sink: until its consumer group has committed past every offset a run wrote.

The batch producer reports, per partition of the batch topic, the offset just past its last
record. The sink commits an offset only after the objects holding the records before it are
durable, so a committed offset at or past that end means every bar of the run has landed. The
sensor defers to a trigger (the triggerer, not a worker slot, does the waiting); the trigger asks
Kafka every few seconds and gives up at its deadline with the partitions still behind.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from airflow.sdk import BaseOperator
from airflow.triggers.base import BaseTrigger, TriggerEvent

# The connection's extra that names a file holding `sasl.password`.
PASSWORD_FILE = "sasl.password.file"
# librdkafka's value for "no offset committed".
NO_OFFSET = -1001


def behind(end_offsets: Mapping[str, str], committed: Mapping[int, int]) -> dict[str, dict[str, int]]:
    """The partitions whose committed offset is short of the end, with both offsets."""
    out: dict[str, dict[str, int]] = {}
    for partition, end in sorted(end_offsets.items(), key=lambda kv: int(kv[0])):
        at = committed.get(int(partition), NO_OFFSET)
        if at < int(end):
            out[partition] = {"committed": max(at, 0), "end": int(end)}
    return out


def committed_offsets(config: Mapping[str, Any], group: str, topic: str, partitions: Sequence[int], timeout: float) -> dict[int, int]:
    """The group's committed offset of each partition, from Kafka (confluent-kafka's admin client)."""
    from confluent_kafka import ConsumerGroupTopicPartitions, TopicPartition
    from confluent_kafka.admin import AdminClient

    admin = AdminClient(dict(config))
    request = ConsumerGroupTopicPartitions(group, [TopicPartition(topic, p) for p in partitions])
    futures = admin.list_consumer_group_offsets([request], request_timeout=timeout)
    result = futures[group].result(timeout=timeout)
    return {tp.partition: tp.offset for tp in result.topic_partitions if tp.error is None}


def kafka_config(conn_id: str) -> dict[str, Any]:
    """librdkafka settings of a `kafka` connection: its extra, as the Kafka provider keeps them."""
    from airflow.sdk import BaseHook

    from market_data.settings import connection_env

    config = dict(connection_env(BaseHook.get_connection(conn_id)))
    # On Kubernetes the password is a file of the Kafka user's mounted Secret, never in the connection.
    if path := config.pop(PASSWORD_FILE, None):
        config["sasl.password"] = Path(str(path)).read_text(encoding="utf-8").strip()
    config.setdefault("socket.timeout.ms", 10_000)
    return config


class SinkCaughtUpTrigger(BaseTrigger):
    def __init__(self, *, conn_id: str, group: str, topic: str, end_offsets: dict[str, str], poll_seconds: float, deadline: str) -> None:
        super().__init__()
        self.conn_id = conn_id
        self.group = group
        self.topic = topic
        self.end_offsets = end_offsets
        self.poll_seconds = poll_seconds
        self.deadline = deadline

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "conn_id": self.conn_id,
                "group": self.group,
                "topic": self.topic,
                "end_offsets": self.end_offsets,
                "poll_seconds": self.poll_seconds,
                "deadline": self.deadline,
            },
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        deadline = datetime.fromisoformat(self.deadline)
        partitions = [int(p) for p in self.end_offsets]
        config = await asyncio.to_thread(kafka_config, self.conn_id)
        lagging: dict[str, dict[str, int]] = {}
        error: str | None = None
        while True:
            try:
                committed = await asyncio.to_thread(committed_offsets, config, self.group, self.topic, partitions, 10.0)
                lagging, error = behind(self.end_offsets, committed), None
            except Exception as err:
                error = repr(err)
            if not lagging and error is None:
                yield TriggerEvent({"status": "caught_up"})
                return
            if datetime.now(timezone.utc) >= deadline:
                yield TriggerEvent({"status": "timeout", "behind": lagging, "error": error})
                return
            await asyncio.sleep(self.poll_seconds)


class SinkCaughtUpSensor(BaseOperator):
    """Succeeds once the sink's consumer group has committed past the run's end offsets; fails at its bound."""

    template_fields: Sequence[str] = ("report",)

    def __init__(self, *, report: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.report = report

    def execute(self, context: Any) -> None:  # noqa: ARG002 (the operator interface)
        from market_data.settings import CONNECTIONS, read_settings

        pipeline = read_settings().pipeline
        report = self.report
        end_offsets = {str(k): str(v) for k, v in dict(report["endOffsets"]).items()}
        if not end_offsets:
            self.log.info("the run wrote no records: nothing to wait for")
            return
        timeout = timedelta(seconds=pipeline.sink_timeout_seconds)
        deadline = datetime.now(timezone.utc) + timeout
        self.log.info("waiting for %s to commit past %s on %s (at most %s)", pipeline.sink_group, end_offsets, report["topic"], timeout)
        self.defer(
            trigger=SinkCaughtUpTrigger(
                conn_id=CONNECTIONS["kafka"],
                group=pipeline.sink_group,
                topic=str(report["topic"]),
                end_offsets=end_offsets,
                poll_seconds=pipeline.sink_poll_seconds,
                deadline=deadline.isoformat(),
            ),
            method_name="execute_complete",
            # A backstop: the trigger reports its own deadline with the partitions still behind.
            timeout=timeout + timedelta(minutes=5),
        )

    def execute_complete(self, context: Any, event: dict[str, Any]) -> None:  # noqa: ARG002 (the operator interface)
        if event["status"] == "caught_up":
            self.log.info("the sink has landed every record of the run")
            return
        detail = ", ".join(f"partition {p} committed {o['committed']} of {o['end']}" for p, o in event["behind"].items())
        from airflow.sdk.exceptions import AirflowFailException

        # The bound is the bound: a retry would only wait again for what did not come.
        raise AirflowFailException(
            "check `sink_caught_up` failed: the sink did not land the run's records in time"
            + (f" ({detail})" if detail else "")
            + (f"; last error: {event['error']}" if event.get("error") else "")
        )
