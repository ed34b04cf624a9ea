import type { DailyBar, RecordSchema, Tick } from "./records";
import { BAR_SCHEMA, TICK_SCHEMA } from "./records";

/**
 * Where records land in the raw zone. Keys are Hive-style partitions (Spark discovers `date` and
 * `symbol` as columns) and name the topic, partition and the offset range of the flush that wrote
 * them, as the Kafka Connect S3 sink does: rewriting a flush after a crash gives the same keys.
 *
 *   ticks/date=2026-11-25/symbol=AAPL/stock-market-realtime+0+00000000000000000100+00000000000000000199.jsonl
 */
export interface DataObject {
  dataset: string;
  date: string;
  symbol: string;
  topic: string;
  partition: number;
  /** First offset of the flush (inclusive). */
  startOffset: bigint;
  /** Last offset of the flush (inclusive). */
  endOffset: bigint;
}

const OFFSET_DIGITS = 20;
const DATA_KEY = /^([a-z]+)\/date=(\d{4}-\d{2}-\d{2})\/symbol=([^/]+)\/([^/+]+)\+(\d+)\+(\d{20})\+(\d{20})\.jsonl$/;

function pad(offset: bigint): string {
  return offset.toString().padStart(OFFSET_DIGITS, "0");
}

export function dataObjectKey(o: DataObject): string {
  return `${o.dataset}/date=${o.date}/symbol=${o.symbol}/${o.topic}+${o.partition}+${pad(o.startOffset)}+${pad(o.endOffset)}.jsonl`;
}

/** The inverse of {@link dataObjectKey}; undefined for keys the sink did not write. */
export function parseDataObjectKey(key: string): DataObject | undefined {
  const m = DATA_KEY.exec(key);
  if (!m) return undefined;
  return {
    dataset: m[1]!,
    date: m[2]!,
    symbol: m[3]!,
    topic: m[4]!,
    partition: Number(m[5]),
    startOffset: BigInt(m[6]!),
    endOffset: BigInt(m[7]!),
  };
}

/** The trading date a record is filed under: the UTC date of a tick, the trading day of a bar. */
export function recordDate(schema: RecordSchema, record: Tick | DailyBar): string {
  return schema === TICK_SCHEMA ? (record as Tick).event_time.slice(0, 10) : (record as DailyBar).trade_date;
}

/** Prefix under which the sink keeps its flush journal (one object per topic-partition); Spark skips `_` paths. */
export const SINK_JOURNAL_PREFIX = "_sink";

export function sinkJournalKey(topic: string, partition: number): string {
  return `${SINK_JOURNAL_PREFIX}/${topic}/${partition}.json`;
}

export function schemaForDataset(dataset: string): RecordSchema | undefined {
  return dataset === TICK_SCHEMA.dataset ? TICK_SCHEMA : dataset === BAR_SCHEMA.dataset ? BAR_SCHEMA : undefined;
}
