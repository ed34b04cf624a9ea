import { Counter, Gauge, Histogram, type Registry } from "prom-client";

export interface SinkMetrics {
  recordsIn: Counter<"topic">;
  recordsWritten: Counter<"topic">;
  deadLettered: Counter<"topic" | "code">;
  objectsWritten: Counter<"topic">;
  flushSeconds: Histogram<"topic">;
  /** Seconds from a batch's first record to its commit: what a reader of the raw zone waits. */
  landingSeconds: Histogram<"topic">;
  storeErrors: Counter<"operation">;
  commits: Counter<"result">;
  lag: Gauge<"topic" | "partition">;
  bufferedBytes: Gauge;
  recoveries: Counter<"reason">;
}

export function createSinkMetrics(registry: Registry): SinkMetrics {
  const registers = [registry];
  // Up to five minutes: at the default flush interval a batch waits a minute before it lands.
  const latency = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
  return {
    recordsIn: new Counter({ name: "sink_records_in_total", help: "Messages consumed.", labelNames: ["topic"] as const, registers }),
    recordsWritten: new Counter({ name: "sink_records_written_total", help: "Records in durable objects of the raw zone.", labelNames: ["topic"] as const, registers }),
    deadLettered: new Counter({ name: "sink_dead_lettered_total", help: "Messages sent to the dead-letter topic, by reason.", labelNames: ["topic", "code"] as const, registers }),
    objectsWritten: new Counter({ name: "sink_objects_written_total", help: "Objects written to the raw zone.", labelNames: ["topic"] as const, registers }),
    flushSeconds: new Histogram({ name: "sink_flush_duration_seconds", help: "Time to write and commit one batch.", labelNames: ["topic"] as const, buckets: latency, registers }),
    landingSeconds: new Histogram({ name: "sink_landing_latency_seconds", help: "Time from a batch's first record to its commit.", labelNames: ["topic"] as const, buckets: latency, registers }),
    storeErrors: new Counter({ name: "sink_object_store_errors_total", help: "Failed object-store requests (retried).", labelNames: ["operation"] as const, registers }),
    commits: new Counter({ name: "sink_commits_total", help: "Offset commits, by result.", labelNames: ["result"] as const, registers }),
    lag: new Gauge({ name: "sink_consumer_lag", help: "High watermark minus the committed offset.", labelNames: ["topic", "partition"] as const, registers }),
    bufferedBytes: new Gauge({ name: "sink_buffered_bytes", help: "Bytes consumed but not yet durable.", registers }),
    recoveries: new Counter({ name: "sink_recoveries_total", help: "Partition recoveries on assignment, by outcome.", labelNames: ["reason"] as const, registers }),
  };
}
