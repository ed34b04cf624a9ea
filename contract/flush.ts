import type { TopicRole } from "./topics";

/**
 * How the sink batches a partition's records into objects by default, shared by the stack config
 * and the sink's own environment defaults. The raw zone is an archive (the streaming job and the
 * dashboard read Kafka for latency): a partition's ticks are written about once a minute, and a
 * burst of bars (a backfill, a daily run) as soon as it ends.
 */
export const SINK_FLUSH_DEFAULTS = {
  /** A batch is written at this many records... */
  records: 100_000,
  /** ...or this many bytes of JSON Lines... */
  bytes: 16 * 1024 * 1024,
  /** ...or when its first record has waited this long... */
  intervalMs: 60_000,
  /** ...or, per topic, when no record has arrived for this long (0: never). */
  idleMs: { realtime: 0, batch: 500 } satisfies Partial<Record<TopicRole, number>>,
} as const;
