import { ENV, type EnvName } from "./env";

/**
 * A whole-number setting of a function, declared once: the stack config's parser and the
 * function's environment reader both apply this default and these bounds.
 */
export interface IntSetting {
  readonly env: EnvName;
  readonly default: number;
  readonly min: number;
  readonly max: number;
  readonly doc: string;
}

/**
 * How the sink batches a partition's records into objects. The raw zone is an archive (the
 * streaming job and the dashboard read Kafka for latency): a partition's ticks are written about
 * once a minute, and a burst of bars (a backfill, a daily run) as soon as it ends.
 */
export const SINK_FLUSH = {
  records: { env: ENV.sinkFlushRecords, default: 100_000, min: 1, max: 1_000_000, doc: "A batch is written at this many records..." },
  bytes: { env: ENV.sinkFlushBytes, default: 16 * 1024 * 1024, min: 1024, max: 512 * 1024 * 1024, doc: "...or this many bytes of JSON Lines..." },
  intervalMs: { env: ENV.sinkFlushIntervalMs, default: 60_000, min: 10, max: 3_600_000, doc: "...or when its first record has waited this long..." },
  idleMs: {
    realtime: { env: ENV.sinkFlushIdleMsRealtime, default: 0, min: 0, max: 3_600_000, doc: "...or, for ticks, when no record has arrived for this long (0: never)." },
    batch: { env: ENV.sinkFlushIdleMsBatch, default: 500, min: 0, max: 3_600_000, doc: "...or, for bars, when no record has arrived for this long (0: never)." },
  },
} as const satisfies Record<"records" | "bytes" | "intervalMs", IntSetting> & { idleMs: Record<"realtime" | "batch", IntSetting> };

/** The sink's flush defaults, as plain numbers. */
export const SINK_FLUSH_DEFAULTS = {
  records: SINK_FLUSH.records.default,
  bytes: SINK_FLUSH.bytes.default,
  intervalMs: SINK_FLUSH.intervalMs.default,
  idleMs: { realtime: SINK_FLUSH.idleMs.realtime.default, batch: SINK_FLUSH.idleMs.batch.default },
} as const;
