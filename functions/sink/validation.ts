import type { KafkaMessage } from "kafkajs";
import { decodeMessage, encodeRecord, recordFolder, SCHEMAS, TICK_SCHEMA, type RejectCode } from "../../contract";
import { TickVerdicts } from "../../contract/tick-verdict";

/**
 * A fetch's keys and values copied into one buffer, for validation on another thread: message `i`
 * has its value at `bounds[4i]` for `bounds[4i+1]` bytes and its key at `bounds[4i+2]` for
 * `bounds[4i+3]` bytes; a length of -1 stands for null. The values come first, in order, each
 * followed by a newline, so that consecutive canonical records are already a stretch of JSON Lines
 * (see PartitionBatch.addFrom); the keys follow them.
 */
export interface PackedMessages {
  topic: string;
  /** The validation clock (ms since the epoch): a record beyond it plus the allowed skew is from the future. */
  now: number;
  data: Uint8Array;
  bounds: Int32Array;
}

/** What validation decided of each message of a {@link PackedMessages}, in order. */
export interface Verdicts {
  /** The dataset of the topic's records. */
  dataset: string;
  /** Where a valid record goes: an index into `folders`; -1 for a dead letter. */
  folderOf: Int32Array;
  folders: string[];
  /** Valid records not in canonical form: the line stored for them, by message index. */
  lines: [number, string][];
  /** Dead letters: why, by message index. */
  rejects: [number, RejectCode, string][];
  /** The request's buffer and bounds, handed back: the lines of canonical records are stored from it. */
  data: Uint8Array;
  bounds: Int32Array;
}

/** {@link Verdicts} with their exceptions by message index, as the sink reads them. */
export interface Validated {
  verdicts: Verdicts;
  lines: Map<number, Buffer>;
  rejects: Map<number, { code: RejectCode; reason: string }>;
}

export function validated(verdicts: Verdicts): Validated {
  return {
    verdicts,
    lines: new Map(verdicts.lines.map(([i, line]) => [i, Buffer.from(line)])),
    rejects: new Map(verdicts.rejects.map(([i, code, reason]) => [i, { code, reason }])),
  };
}

/** Validates fetched messages: at once on this thread, or on the sink's validating thread. */
export interface Validator {
  validate(packed: PackedMessages): Promise<Verdicts>;
  close(): Promise<void>;
}

const NEWLINE = 0x0a;

/** Messages `from`.. of a fetch, packed for {@link validatePacked}. */
export function packMessages(topic: string, messages: readonly KafkaMessage[], from: number, now: number): PackedMessages {
  const count = messages.length - from;
  const bounds = new Int32Array(4 * count);
  let lines = 0;
  let keys = 0;
  for (let k = from; k < messages.length; k++) {
    const { value, key } = messages[k]!;
    if (value) lines += value.length + 1;
    if (key) keys += key.length;
  }
  const data = new Uint8Array(lines + keys);
  let line = 0;
  let keyAt = lines;
  for (let k = from, b = 0; k < messages.length; k++, b += 4) {
    const { value, key } = messages[k]!;
    bounds[b] = line;
    bounds[b + 1] = value ? value.length : -1;
    if (value) {
      data.set(value, line);
      line += value.length;
      data[line++] = NEWLINE;
    }
    bounds[b + 2] = keyAt;
    bounds[b + 3] = key ? key.length : -1;
    if (key) {
      data.set(key, keyAt);
      keyAt += key.length;
    }
  }
  return { topic, now, data, bounds };
}

/** Decodes and checks every packed message (see decodeMessage), and names the folder of each valid one. */
export function validatePacked(packed: PackedMessages): Verdicts {
  const { topic, bounds } = packed;
  const data = Buffer.from(packed.data.buffer, packed.data.byteOffset, packed.data.byteLength);
  const count = bounds.length / 4;
  const dataset = Object.values(SCHEMAS).find((s) => s.topic === topic)?.dataset ?? "";
  const verdicts: Verdicts = { dataset, folderOf: new Int32Array(count), folders: [], lines: [], rejects: [], data: packed.data, bounds };
  const folderIndex = new Map<string, number>();
  const now = new Date(packed.now);
  let lastFolder: string | undefined;
  let lastIndex = -1;
  // Ticks as our producers write them are judged by their bytes, in the hour of the last tick
  // decodeMessage accepted (whose folder is `hourFolder`); the others by decodeMessage.
  const ticks = topic === TICK_SCHEMA.topic ? new TickVerdicts(packed.now) : undefined;
  let hourFolder = -1;
  for (let i = 0, b = 0; i < count; i++, b += 4) {
    if (ticks && hourFolder >= 0 && bounds[b + 1]! >= 0) {
      const keyStart = bounds[b + 3]! < 0 ? -1 : bounds[b + 2]!;
      if (ticks.accepts(data, bounds[b]!, bounds[b]! + bounds[b + 1]!, keyStart, keyStart + bounds[b + 3]!)) {
        verdicts.folderOf[i] = hourFolder;
        continue;
      }
    }
    const value = bounds[b + 1]! < 0 ? null : data.subarray(bounds[b]!, bounds[b]! + bounds[b + 1]!);
    const key = bounds[b + 3]! < 0 ? null : data.subarray(bounds[b + 2]!, bounds[b + 2]! + bounds[b + 3]!);
    const decoded = decodeMessage(topic, key, value, now);
    if (!decoded.ok) {
      verdicts.folderOf[i] = -1;
      verdicts.rejects.push([i, decoded.code, decoded.reason]);
      continue;
    }
    const schema = SCHEMAS[decoded.kind];
    const folder = recordFolder(schema, decoded.record);
    // Most records fall in the previous record's folder.
    if (folder !== lastFolder) {
      let index = folderIndex.get(folder);
      if (index === undefined) {
        index = verdicts.folders.push(folder) - 1;
        folderIndex.set(folder, index);
      }
      lastFolder = folder;
      lastIndex = index;
    }
    verdicts.folderOf[i] = lastIndex;
    if (ticks && decoded.kind === "tick") {
      ticks.learnHour(decoded.record.event_time);
      hourFolder = lastIndex;
    }
    if (!decoded.canonical) verdicts.lines.push([i, encodeRecord(schema, decoded.record)]);
  }
  return verdicts;
}

/** Validation on the calling thread: for tests, and where more threads would only compete for one core. */
export function inProcessValidator(): Validator {
  return {
    validate: (packed) => Promise.resolve(validatePacked(packed)),
    close: () => Promise.resolve(),
  };
}
