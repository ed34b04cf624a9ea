/**
 * The flush journal: before writing a batch's objects, the sink records the batch's offset range
 * for its topic-partition. Batches are flushed one after another per partition, so every offset
 * before the journal's start is in durable objects, and the journaled range may be partly written.
 * This is what the Kafka Connect HDFS sink recovers from its file names, kept in one small object
 * so that recovery costs one read, however many objects the partition has written.
 */
export interface Journal {
  version: 1;
  topic: string;
  partition: number;
  start: bigint;
  end: bigint;
  objects: number;
}

export function encodeJournal(j: Journal): string {
  return JSON.stringify({ ...j, start: j.start.toString(), end: j.end.toString() });
}

export function decodeJournal(text: string, where: string): Journal {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`the sink journal ${where} is not JSON: ${(err as Error).message}`);
  }
  const isOffset = (v: unknown) => typeof v === "string" && /^\d+$/.test(v);
  if (raw.version !== 1 || typeof raw.topic !== "string" || typeof raw.partition !== "number" || !isOffset(raw.start) || !isOffset(raw.end) || typeof raw.objects !== "number") {
    throw new Error(`the sink journal ${where} is not a version 1 journal: ${text.slice(0, 200)}`);
  }
  return { version: 1, topic: raw.topic, partition: raw.partition, start: BigInt(raw.start as string), end: BigInt(raw.end as string), objects: raw.objects };
}

export interface RecoveryPlan {
  /** Offset to consume from; undefined means the group's default (the earliest offset). */
  from?: bigint;
  /** The first batch must end exactly here, to rewrite a journaled flush with the same keys. */
  forcedEnd?: bigint;
  reason: string;
}

/**
 * Where a partition resumes. A journaled range that the committed offset has not passed may be
 * partly written: it is replayed as one batch with the same boundaries, so that its objects are
 * rewritten with identical keys and contents. Otherwise the committed offset holds.
 */
export function planRecovery(committed: bigint | undefined, journal: Journal | undefined): RecoveryPlan {
  if (journal && (committed === undefined || journal.end >= committed)) {
    return { from: journal.start, forcedEnd: journal.end, reason: "replaying the journaled flush" };
  }
  if (committed !== undefined) return { from: committed, reason: "resuming at the committed offset" };
  return { reason: "no committed offset and no journal: starting at the earliest offset" };
}
