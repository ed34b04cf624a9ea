import type { IHeaders } from "kafkajs";
import { encodeRecord, objectKeyInFolder, recordFolder, SCHEMAS, type Decoded, type RejectCode } from "../../contract";
import type { FlushPolicy } from "./config";

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
  /** Each record's encoding: the message's own bytes when they are canonical. */
  lines: Buffer[];
  bytes: number;
}

const NEWLINE = 0x0a;

/**
 * The records of one topic-partition between two flushes. Its offset range names every object it
 * writes, so writing the same range again (after a crash) produces the same keys and bytes.
 */
export class PartitionBatch {
  endOffset: bigint;
  records = 0;
  bytes = 0;
  /** When the latest record arrived (the fetch that brought it). */
  lastRecordAt: number;
  private readonly groups = new Map<string, Group>();
  readonly deadLetters: DeadLetter[] = [];

  constructor(
    readonly topic: string,
    readonly partition: number,
    /** The first offset this batch covers: the position it was opened at. */
    readonly startOffset: bigint,
    readonly openedAt: number,
    /** Set when replaying a flush a previous run journaled: the batch must end exactly there. */
    readonly forcedEnd?: bigint,
  ) {
    this.endOffset = startOffset - 1n;
    this.lastRecordAt = openedAt;
  }

  /** Adds the message at `offset`, which arrived at `at` (the batch's opening time if not given). */
  add(offset: bigint, decoded: Decoded, message: { key: Buffer | null; value: Buffer | null; headers?: IHeaders }, at?: number): void {
    this.endOffset = offset;
    this.records += 1;
    if (at !== undefined) this.lastRecordAt = at;
    if (!decoded.ok) {
      this.deadLetters.push({ offset, key: message.key, value: message.value, headers: message.headers ?? {}, code: decoded.code, reason: decoded.reason });
      this.bytes += message.value?.length ?? 0;
      return;
    }
    const schema = SCHEMAS[decoded.kind];
    const folder = recordFolder(schema, decoded.record);
    // One topic holds one dataset, so the folder alone tells the groups apart.
    let group = this.groups.get(folder);
    if (!group) {
      group = { dataset: schema.dataset, folder, lines: [], bytes: 0 };
      this.groups.set(folder, group);
    }
    const line = decoded.canonical && message.value ? message.value : Buffer.from(encodeRecord(schema, decoded.record));
    group.lines.push(line);
    group.bytes += line.length + 1;
    this.bytes += line.length + 1;
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

  /** One object per folder of the layout (contract/layout.ts), in key order, each line a record in offset order. */
  objects(): ObjectToWrite[] {
    return [...this.groups.values()]
      .map((g) => ({ key: objectKeyInFolder(g.dataset, g.folder, this), body: jsonLines(g), records: g.lines.length }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  get validRecords(): number {
    return this.records - this.deadLetters.length;
  }
}

function jsonLines(group: Group): Buffer {
  const body = Buffer.allocUnsafe(group.bytes);
  let at = 0;
  for (const line of group.lines) {
    at += line.copy(body, at);
    body[at++] = NEWLINE;
  }
  return body;
}
