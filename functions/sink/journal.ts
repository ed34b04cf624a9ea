/**
 * The flush journal: before writing a batch's objects, the sink records the offset range of every
 * batch of the topic-partition whose objects may be partly written, the new one last. A partition
 * writes a few batches at once (see Sink.drain), and its journal writes follow one another, so
 * every offset before the journal's first range is in durable objects, and the journaled ranges
 * may be partly written. This is what the Kafka Connect HDFS sink recovers from its file names,
 * kept in one small object so that recovery costs one read, however many objects the partition
 * has written.
 */
export interface Journal {
  version: 2;
  topic: string;
  partition: number;
  /**
   * In offset order, none overlapping the next: each usually starts right after the previous one's
   * end (after records deleted by retention were skipped, later).
   */
  batches: JournaledBatch[];
}

export interface JournaledBatch {
  start: bigint;
  end: bigint;
  /** How many objects the batch writes. */
  objects: number;
}

export function encodeJournal(j: Journal): string {
  return JSON.stringify({ ...j, batches: j.batches.map((b) => ({ start: b.start.toString(), end: b.end.toString(), objects: b.objects })) });
}

const isOffset = (v: unknown): v is string => typeof v === "string" && /^\d+$/.test(v);
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/**
 * Reads a journal of either version: version 1, which sinks before pipelined writes left (one
 * batch, `start`, `end` and `objects` at the top level), or version 2.
 */
export function decodeJournal(text: string, where: string): Journal {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`the sink journal ${where} is not JSON: ${(err as Error).message}`);
  }
  const bad = (why: string) => new Error(`the sink journal ${where} is not a valid journal (${why}): ${text.slice(0, 200)}`);
  if (typeof raw !== "object" || raw === null) throw bad("not an object");
  if (typeof raw.topic !== "string" || !Number.isSafeInteger(raw.partition)) throw bad("no topic or partition");
  const listed = raw.version === 1 ? [raw] : raw.version === 2 && Array.isArray(raw.batches) ? (raw.batches as Record<string, unknown>[]) : undefined;
  if (!listed) throw bad(`version ${JSON.stringify(raw.version)} is neither 1 nor 2 with batches`);
  if (listed.length === 0) throw bad("no batch");
  const batches = listed.map((b, i) => {
    if (typeof b !== "object" || b === null || !isOffset(b.start) || !isOffset(b.end) || !isCount(b.objects)) throw bad(`batch ${i} needs start and end offsets as decimal text and an object count`);
    const batch = { start: BigInt(b.start), end: BigInt(b.end), objects: b.objects };
    if (batch.end < batch.start) throw bad(`batch ${i} ends before it starts`);
    return batch;
  });
  for (let i = 1; i < batches.length; i++) {
    if (batches[i]!.start <= batches[i - 1]!.end) throw bad(`batch ${i} starts before batch ${i - 1} ends`);
  }
  return { version: 2, topic: raw.topic, partition: raw.partition as number, batches };
}

export interface RecoveryPlan {
  /** Offset to consume from; undefined means the group's default (the earliest offset). */
  from?: bigint;
  /**
   * The journaled batches to rewrite with the same keys, in order: the first batches must end where
   * these end. Until each is written again, the sink's journals list it (see Sink.drain).
   */
  replay: JournaledBatch[];
  reason: string;
}

/**
 * Where a partition resumes. The journaled ranges that the committed offset has not passed may
 * be partly written: they are replayed as batches with the same boundaries, so that their objects
 * are rewritten with identical keys and contents. Otherwise the committed offset holds.
 */
export function planRecovery(committed: bigint | undefined, journal: Journal | undefined): RecoveryPlan {
  const open = journal?.batches.filter((b) => committed === undefined || b.end >= committed) ?? [];
  if (open.length > 0) {
    return { from: open[0]!.start, replay: open, reason: open.length === 1 ? "replaying the journaled flush" : `replaying ${open.length} journaled flushes` };
  }
  if (committed !== undefined) return { from: committed, replay: [], reason: "resuming at the committed offset" };
  return { replay: [], reason: "no committed offset and no journal: starting at the earliest offset" };
}
