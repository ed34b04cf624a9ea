import type { IHeaders, KafkaMessage } from "kafkajs";
import { objectKeyInFolder, type RejectCode } from "../../contract";
import type { FlushPolicy } from "./config";
import type { Validated } from "./validation";

/** A message that failed validation, kept with its origin for the dead-letter topic. */
export interface DeadLetter {
  offset: bigint;
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
  code: RejectCode;
  reason: string;
}

export interface ObjectToWrite {
  key: string;
  /** JSON Lines: one record a line, each ending in a newline. */
  body: Buffer;
  records: number;
}

interface Group {
  dataset: string;
  folder: string;
  lines: JsonLines;
}

const NEWLINE = 0x0a;

/**
 * An object's body as it grows: each line copied in as it is added, so that a batch holds a few
 * large buffers rather than one small buffer per message (which the garbage collector would have
 * to trace until the flush).
 */
class JsonLines {
  private readonly full: Uint8Array[] = [];
  private current = Buffer.allocUnsafe(16 * 1024);
  private used = 0;
  bytes = 0;
  count = 0;

  /** Adds `count` lines that are already JSON Lines (each ending in a newline), keeping `lines` itself rather than a copy. */
  addLines(lines: Uint8Array, count: number): void {
    if (this.used > 0) {
      this.full.push(this.current.subarray(0, this.used));
      this.current = this.current.subarray(this.used);
      this.used = 0;
    }
    this.full.push(lines);
    this.bytes += lines.length;
    this.count += count;
  }

  add(line: Uint8Array): void {
    const size = line.length + 1;
    if (this.used + size > this.current.length) {
      this.full.push(this.current.subarray(0, this.used));
      this.current = Buffer.allocUnsafe(Math.max(size, Math.min(2 * this.current.length, 1024 * 1024)));
      this.used = 0;
    }
    this.current.set(line, this.used);
    this.used += line.length;
    this.current[this.used++] = NEWLINE;
    this.bytes += size;
    this.count += 1;
  }

  body(): Buffer {
    return Buffer.concat([...this.full, this.current.subarray(0, this.used)], this.bytes);
  }
}

/**
 * The records of one topic-partition between two flushes. Its offset range names every object it
 * writes, so writing the same range again (after a crash) produces the same keys and bytes.
 */
export class PartitionBatch {
  records = 0;
  bytes = 0;
  /** When the latest record arrived (the fetch that brought it). */
  lastRecordAt: number;
  private readonly groups = new Map<string, Group>();
  private last?: Group;
  readonly deadLetters: DeadLetter[] = [];
  /** The last offset added, as it came (Kafka's text); made a bigint only when asked for. */
  private lastOffset?: bigint | string;
  private end?: bigint;

  constructor(
    readonly topic: string,
    readonly partition: number,
    /** The first offset this batch covers: the position it was opened at. */
    readonly startOffset: bigint,
    readonly openedAt: number,
    /** Set when replaying a flush a previous run journaled: the batch must end exactly there. */
    readonly forcedEnd?: bigint,
  ) {
    this.lastRecordAt = openedAt;
  }

  /** The last offset the batch covers (the one before its start while it is empty). */
  get endOffset(): bigint {
    this.end ??= this.lastOffset === undefined ? this.startOffset - 1n : BigInt(this.lastOffset);
    return this.end;
  }

  /**
   * Adds message `i` of a validated fetch at `offset` (a bigint, or Kafka's decimal text: the sink
   * passes the text, so that no record costs a bigint), which arrived at `at` (the batch's opening
   * time if not given): its line to its folder's object, or the message to the dead letters.
   */
  addValidated(offset: bigint | string, message: { key: Buffer | null; value: Buffer | null; headers?: IHeaders }, v: Validated, i: number, at?: number): void {
    const folder = v.verdicts.folderOf[i]!;
    if (folder < 0) {
      const { code, reason } = v.rejects.get(i)!;
      return this.addDeadLetter(offset, message, code, reason, at);
    }
    // A canonical message is already the record's encoding: its bytes are stored as they came.
    this.addLine(offset, v.verdicts.dataset, v.verdicts.folders[folder]!, v.lines.get(i) ?? message.value!, at);
  }

  /**
   * Adds messages `i`.. (before `end`) of a validated fetch whose first message is `messages[from]`,
   * as many as this batch takes before `policy` completes it, and returns the index after the last
   * one added. A run of canonical records of one folder is added at once: their lines are one
   * stretch of the fetch's packed values (see packMessages), kept as they are. A dead letter, a
   * re-encoded record, a record of a replay (which must end at its journaled offset) and the first
   * record of a batch past its interval are added alone, as {@link addValidated} adds them. The
   * batch then holds exactly what adding the messages one by one, sealing at the first threshold
   * reached, would give it.
   */
  addFrom(messages: readonly KafkaMessage[], from: number, v: Validated, i: number, end: number, policy: FlushPolicy, now: number): number {
    const { folderOf, bounds } = v.verdicts;
    const folder = folderOf[i]!;
    if (folder < 0 || this.forcedEnd !== undefined || v.lines.has(i) || now - this.openedAt >= policy.intervalMs) {
      this.addValidated(messages[from + i]!.offset, messages[from + i]!, v, i, now);
      return i + 1;
    }
    // Record k's line starts at bounds[4k], right after record k-1's newline, while both are in the run.
    const start = bounds[4 * i]!;
    const roomBytes = policy.bytes - this.bytes;
    const last = Math.min(end, i + policy.records - this.records);
    let j = i + 1;
    while (j < last && folderOf[j] === folder && bounds[4 * j]! - start < roomBytes && !(v.lines.size > 0 && v.lines.has(j))) j++;
    const stop = bounds[4 * (j - 1)]! + bounds[4 * (j - 1) + 1]! + 1;
    this.counted(messages[from + j - 1]!.offset, now, j - i);
    this.group(v.verdicts.dataset, v.verdicts.folders[folder]!).addLines(v.verdicts.data.subarray(start, stop), j - i);
    this.bytes += stop - start;
    return j;
  }

  /** Adds a valid record at `offset`: `line` (its encoding) goes to the object of `folder` of `dataset`. */
  private addLine(offset: bigint | string, dataset: string, folder: string, line: Uint8Array, at?: number): void {
    this.counted(offset, at);
    this.group(dataset, folder).add(line);
    this.bytes += line.length + 1;
  }

  /** The lines of `folder`: one topic holds one dataset, so the folder alone tells the groups apart; most records fall in the last one's. */
  private group(dataset: string, folder: string): JsonLines {
    let group = this.last?.folder === folder ? this.last : this.groups.get(folder);
    if (!group) {
      group = { dataset, folder, lines: new JsonLines() };
      this.groups.set(folder, group);
    }
    this.last = group;
    return group.lines;
  }

  /** Adds a message at `offset` that failed validation, kept for the dead-letter topic. */
  private addDeadLetter(offset: bigint | string, message: { key: Buffer | null; value: Buffer | null; headers?: IHeaders }, code: RejectCode, reason: string, at?: number): void {
    this.counted(offset, at);
    this.deadLetters.push({ offset: BigInt(offset), key: message.key, value: message.value, headers: message.headers ?? {}, code, reason });
    this.bytes += message.value?.length ?? 0;
  }

  private counted(offset: bigint | string, at: number | undefined, records = 1): void {
    this.lastOffset = offset;
    this.end = undefined;
    this.records += records;
    if (at !== undefined) this.lastRecordAt = at;
  }

  /** A replayed batch ends exactly where the journal says; any other ends at the first threshold reached. */
  isComplete(policy: FlushPolicy, now: number): boolean {
    if (this.forcedEnd !== undefined) return this.endOffset >= this.forcedEnd;
    if (this.records === 0) return false;
    return (
      this.records >= policy.records ||
      this.bytes >= policy.bytes ||
      now - this.openedAt >= policy.intervalMs ||
      (policy.idleMs > 0 && now - this.lastRecordAt >= policy.idleMs)
    );
  }

  /** How many objects {@link objects} gives. */
  get objectCount(): number {
    return this.groups.size;
  }

  /** One object per folder of the layout (contract/layout.ts), in key order, each line a record in offset order. */
  objects(): ObjectToWrite[] {
    return [...this.groups.values()]
      .map((g) => ({ key: objectKeyInFolder(g.dataset, g.folder, this), body: g.lines.body(), records: g.lines.count }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  get validRecords(): number {
    return this.records - this.deadLetters.length;
  }
}
