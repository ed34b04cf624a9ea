import type { DailyBar, RecordSchema, Tick } from "./records";
import { BAR_SCHEMA, TICK_SCHEMA } from "./records";

/**
 * Where records land in the raw zone. Each flush of a topic-partition writes one object per folder
 * its records fall in, named, as the Kafka Connect S3 sink names its objects, by the topic,
 * partition and offset range of the flush:
 *
 *   ticks/date=2026-11-25/hour=14/stock-market-realtime+0+00000000000000000100+00000000000000000199.jsonl
 *   bars/year=2025/stock-market-batch+2+00000000000000000000+00000000000000000832.jsonl
 *
 * The folders are Hive-style partitions a reader can prune by (Spark discovers them as columns):
 *
 * - `ticks/date=YYYY-MM-DD/hour=HH`: the UTC day and hour of the tick's `event_time`. A minute's
 *   flush falls in one hour (two when it spans the hour), so a partition adds about one object a
 *   minute, and the hourly pipeline reads one folder.
 * - `bars/year=YYYY`: the year of the bar's `trade_date`. A year of daily bars for ten symbols is
 *   some 400 kB: finer folders would only make small objects; a backfill writes one or two objects
 *   per partition, a daily run one.
 *
 * The folder values are cut from the record's own validated fields, never from a clock, so a
 * replay of a journaled offset range (recovery after a crash) puts the same records in the same
 * folders, in offset order, and rewrites the same keys with the same bytes. Every record keeps
 * every field of its schema (symbol, dates), so readers filter on fields, not on folder names.
 */
export interface DataObject {
  dataset: string;
  /** The Hive-style folder values below the dataset, e.g. `{ date: "2026-11-25", hour: "14" }`. */
  folders: Readonly<Record<string, string>>;
  topic: string;
  partition: number;
  /** First offset of the flush (inclusive). */
  startOffset: bigint;
  /** Last offset of the flush (inclusive). */
  endOffset: bigint;
}

interface FolderSpec {
  /** Folder names below the dataset, outermost first. */
  names: readonly string[];
  pattern: RegExp;
  /** The folder path of one record, e.g. `date=2026-11-25/hour=14`. */
  of(record: Tick | DailyBar): string;
}

/**
 * A folder cut from the first `length` characters of a field. The last one is kept: a partition's
 * records come in time order, so nearly every record falls in the folder of the one before, and
 * the sink asks once per record.
 */
function folderFrom(field: (record: Tick | DailyBar) => string, length: number, path: (prefix: string) => string): (record: Tick | DailyBar) => string {
  let prefix = "";
  let folder = "";
  return (record) => {
    const value = field(record);
    if (prefix.length === length && value.startsWith(prefix)) return folder;
    prefix = value.slice(0, length);
    folder = path(prefix);
    return folder;
  };
}

/** Timestamps and dates are validated ISO-8601 (`2026-11-25T14:03:00.000Z`, `2025-11-24`) before they are filed. */
const FOLDERS = new Map<string, FolderSpec>([
  [
    TICK_SCHEMA.dataset,
    {
      names: ["date", "hour"],
      pattern: /^date=(\d{4}-\d{2}-\d{2})\/hour=(\d{2})$/,
      of: folderFrom((r) => (r as Tick).event_time, 13, (p) => `date=${p.slice(0, 10)}/hour=${p.slice(11, 13)}`),
    },
  ],
  [BAR_SCHEMA.dataset, { names: ["year"], pattern: /^year=(\d{4})$/, of: folderFrom((r) => (r as DailyBar).trade_date, 4, (p) => `year=${p}`) }],
]);

function folderSpec(dataset: string): FolderSpec {
  const spec = FOLDERS.get(dataset);
  if (!spec) throw new Error(`no object layout for dataset "${dataset}"`);
  return spec;
}

const OFFSET_DIGITS = 20;
const DATA_KEY = /^([a-z]+)\/(.+)\/([^/+]+)\+(\d+)\+(\d{20})\+(\d{20})\.jsonl$/;

function pad(offset: bigint): string {
  return offset.toString().padStart(OFFSET_DIGITS, "0");
}

/** The folder path (below the dataset) that a record of `schema` is filed under. */
export function recordFolder(schema: RecordSchema, record: Tick | DailyBar): string {
  return folderSpec(schema.dataset).of(record);
}

/** The key of the object holding a flush's records of one folder (`folder` from {@link recordFolder}). */
export function objectKeyInFolder(dataset: string, folder: string, o: Pick<DataObject, "topic" | "partition" | "startOffset" | "endOffset">): string {
  return `${dataset}/${folder}/${o.topic}+${o.partition}+${pad(o.startOffset)}+${pad(o.endOffset)}.jsonl`;
}

export function dataObjectKey(o: DataObject): string {
  const folder = folderSpec(o.dataset).names.map((name) => `${name}=${o.folders[name]}`).join("/");
  return objectKeyInFolder(o.dataset, folder, o);
}

/** The folder names of a dataset below its first key segment, outermost first (`["date", "hour"]` for ticks). */
export function folderNames(dataset: string): readonly string[] | undefined {
  return FOLDERS.get(dataset)?.names;
}

/** The inverse of {@link dataObjectKey}; undefined for keys the sink did not write. */
export function parseDataObjectKey(key: string): DataObject | undefined {
  const m = DATA_KEY.exec(key);
  if (!m) return undefined;
  const spec = FOLDERS.get(m[1]!);
  const values = spec?.pattern.exec(m[2]!);
  if (!spec || !values) return undefined;
  return {
    dataset: m[1]!,
    folders: Object.fromEntries(spec.names.map((name, i) => [name, values[i + 1]!])),
    topic: m[3]!,
    partition: Number(m[4]),
    startOffset: BigInt(m[5]!),
    endOffset: BigInt(m[6]!),
  };
}

/** Prefix under which the sink keeps its flush journal (one object per topic-partition); Spark skips `_` paths. */
export const SINK_JOURNAL_PREFIX = "_sink";

export function sinkJournalKey(topic: string, partition: number): string {
  return `${SINK_JOURNAL_PREFIX}/${topic}/${partition}.json`;
}

export function schemaForDataset(dataset: string): RecordSchema | undefined {
  return dataset === TICK_SCHEMA.dataset ? TICK_SCHEMA : dataset === BAR_SCHEMA.dataset ? BAR_SCHEMA : undefined;
}
