import type { IHeaders } from "kafkajs";
import { dataObjectKey, encodeRecord, recordDate, SCHEMAS, type Decoded, type RejectCode } from "../../contract";
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
  body: string;
  records: number;
}

interface Group {
  dataset: string;
  date: string;
  symbol: string;
  lines: string[];
}

/**
 * The records of one topic-partition between two flushes. Its offset range names every object it
 * writes, so writing the same range again (after a crash) produces the same keys and bytes.
 */
export class PartitionBatch {
  endOffset: bigint;
  records = 0;
  bytes = 0;
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
  }

  add(offset: bigint, decoded: Decoded, message: { key: Buffer | null; value: Buffer | null; headers?: IHeaders }): void {
    this.endOffset = offset;
    this.records += 1;
    if (!decoded.ok) {
      this.deadLetters.push({ offset, key: message.key, value: message.value, headers: message.headers ?? {}, code: decoded.code, reason: decoded.reason });
      this.bytes += message.value?.length ?? 0;
      return;
    }
    const schema = SCHEMAS[decoded.kind];
    const date = recordDate(schema, decoded.record);
    const id = `${schema.dataset}/${date}/${decoded.record.symbol}`;
    let group = this.groups.get(id);
    if (!group) {
      group = { dataset: schema.dataset, date, symbol: decoded.record.symbol, lines: [] };
      this.groups.set(id, group);
    }
    const line = encodeRecord(schema, decoded.record);
    group.lines.push(line);
    this.bytes += Buffer.byteLength(line) + 1;
  }

  /** A replayed batch ends exactly where the journal says; any other ends at the first threshold reached. */
  isComplete(policy: FlushPolicy, now: number): boolean {
    if (this.forcedEnd !== undefined) return this.endOffset >= this.forcedEnd;
    if (this.records === 0) return false;
    return this.records >= policy.records || this.bytes >= policy.bytes || now - this.openedAt >= policy.intervalMs;
  }

  /** One object per (dataset, date, symbol), in key order, each line a record in offset order. */
  objects(): ObjectToWrite[] {
    return [...this.groups.values()]
      .map((g) => ({
        key: dataObjectKey({ dataset: g.dataset, date: g.date, symbol: g.symbol, topic: this.topic, partition: this.partition, startOffset: this.startOffset, endOffset: this.endOffset }),
        body: `${g.lines.join("\n")}\n`,
        records: g.lines.length,
      }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  get validRecords(): number {
    return this.records - this.deadLetters.length;
  }
}
