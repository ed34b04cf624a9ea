import { Counter, Histogram, type Registry } from "prom-client";

export interface BatchMetrics {
  barsPublished: Counter;
  rowsSkipped: Counter<"reason">;
  fetchRetries: Counter;
  fetchSeconds: Histogram;
}

export function createBatchMetrics(registry: Registry): BatchMetrics {
  return {
    barsPublished: new Counter({
      name: "bars_published_total",
      help: "Daily bars acknowledged by Kafka.",
      registers: [registry],
    }),
    rowsSkipped: new Counter({
      name: "rows_skipped_total",
      help: "Chart rows that did not become a bar, by reason.",
      labelNames: ["reason"] as const,
      registers: [registry],
    }),
    fetchRetries: new Counter({
      name: "fetch_retries_total",
      help: "Chart requests tried again after a rate limit, server or network error.",
      registers: [registry],
    }),
    fetchSeconds: new Histogram({
      name: "fetch_duration_seconds",
      help: "Time of one chart request to Yahoo (each attempt on its own).",
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
  };
}
