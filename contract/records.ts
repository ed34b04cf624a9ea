import { scanCanonical } from "./canonical";
import { isSymbol } from "./symbols";
import { TOPICS } from "./topics";

/**
 * The record shapes of the platform: one definition from which the Kafka message validation, the
 * object layout, the Spark schema and the Snowflake columns are all derived.
 */
export type FieldType = "string" | "double" | "long" | "timestamp" | "date";

export interface FieldSpec {
  readonly name: string;
  readonly type: FieldType;
  readonly doc: string;
  /** Allowed string values, for enumerations. */
  readonly values?: readonly string[];
  /** Whether null is a valid value. @default false */
  readonly nullable?: boolean;
}

/** A dataset's columns; every place that stores or reads it derives its columns from here. */
export interface TableSchema {
  readonly name: string;
  readonly version: number;
  /** First key segment of the dataset in its zone. */
  readonly dataset: string;
  readonly fields: readonly FieldSpec[];
}

/** A record that travels through Kafka and lands in the raw zone. */
export interface RecordSchema extends TableSchema {
  readonly name: "tick" | "bar";
  readonly topic: string;
  readonly dataset: "ticks" | "bars";
}

export interface Tick {
  symbol: string;
  event_time: string;
  price: number;
  bid: number;
  ask: number;
  volume: number;
  source: "simulated" | "live";
}

/** Where daily bars come from: Yahoo, or the seeded simulation of a stack without internet. */
export const BATCH_SOURCES = ["yahoo", "simulated"] as const;
export type BatchSource = (typeof BATCH_SOURCES)[number];

export interface DailyBar {
  symbol: string;
  trade_date: string;
  open: number;
  high: number;
  low: number;
  close: number;
  adj_close: number;
  volume: number;
  source: BatchSource;
}

export const TICK_SCHEMA: RecordSchema = {
  name: "tick",
  version: 1,
  topic: TOPICS.realtime,
  dataset: "ticks",
  fields: [
    { name: "symbol", type: "string", doc: "Ticker, also the Kafka key." },
    { name: "event_time", type: "timestamp", doc: "When the quote was observed, ISO-8601 UTC with milliseconds." },
    { name: "price", type: "double", doc: "Last trade price." },
    { name: "bid", type: "double", doc: "Best bid." },
    { name: "ask", type: "double", doc: "Best ask." },
    { name: "volume", type: "long", doc: "Shares traded since the previous tick." },
    { name: "source", type: "string", doc: "Where the quote came from.", values: ["simulated", "live"] },
  ],
};

export const BAR_SCHEMA: RecordSchema = {
  name: "bar",
  version: 1,
  topic: TOPICS.batch,
  dataset: "bars",
  fields: [
    { name: "symbol", type: "string", doc: "Ticker, also the Kafka key." },
    { name: "trade_date", type: "date", doc: "Exchange trading day, YYYY-MM-DD." },
    { name: "open", type: "double", doc: "Opening price." },
    { name: "high", type: "double", doc: "Highest price of the day." },
    { name: "low", type: "double", doc: "Lowest price of the day." },
    { name: "close", type: "double", doc: "Closing price." },
    { name: "adj_close", type: "double", doc: "Close adjusted for splits and dividends." },
    { name: "volume", type: "long", doc: "Shares traded during the day." },
    { name: "source", type: "string", doc: "Where the bar came from: Yahoo, or the seeded simulation of an offline stack.", values: BATCH_SOURCES },
  ],
};

export const SCHEMAS = { tick: TICK_SCHEMA, bar: BAR_SCHEMA } as const;

/** Largest message the sink accepts; anything bigger is dead-lettered as `oversized`. */
export const MAX_MESSAGE_BYTES = 16 * 1024;
/** How far in the future an event time may lie (clock skew between hosts). */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

export type RejectCode =
  | "empty"
  | "oversized"
  | "not_json"
  | "not_object"
  | "missing_field"
  | "unexpected_field"
  | "wrong_type"
  | "not_finite"
  | "invalid_value"
  | "invalid_symbol"
  | "non_positive_price"
  | "inconsistent_prices"
  | "invalid_timestamp"
  | "future_timestamp"
  | "key_mismatch"
  | "unknown_topic";

export class RecordError extends Error {
  constructor(
    readonly code: RejectCode,
    message: string,
  ) {
    super(message);
    this.name = "RecordError";
  }
}

/**
 * A decoded message. `canonical` says that the value's bytes are exactly the record's encoding
 * ({@link encodeRecord}), so a writer can store them as they are.
 */
export type Decoded =
  | { ok: true; kind: "tick"; record: Tick; canonical: boolean }
  | { ok: true; kind: "bar"; record: DailyBar; canonical: boolean }
  | { ok: false; code: RejectCode; reason: string };

/** The wire form of a `timestamp` field: ISO-8601 UTC, optional milliseconds. */
export const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,3})?Z$/;
/** The wire form of a `date` field. */
export const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** What validation and encoding need of a schema, computed once: both run for every message. */
interface CompiledSchema {
  names: ReadonlySet<string>;
  /** `"name":` of each field, in schema order. */
  keys: readonly string[];
  /**
   * The fields whose checks a scanned value still needs, in schema order: {@link scanCanonical}
   * reads only plain strings and finite, unsigned numbers, and every field, never null.
   */
  scannedChecks: readonly FieldSpec[];
}

const COMPILED = new WeakMap<TableSchema, CompiledSchema>();

function compiled(schema: TableSchema): CompiledSchema {
  let c = COMPILED.get(schema);
  if (!c) {
    c = {
      names: new Set(schema.fields.map((f) => f.name)),
      keys: schema.fields.map((f) => `${JSON.stringify(f.name)}:`),
      scannedChecks: schema.fields.filter((f) => f.values !== undefined || f.type === "timestamp" || f.type === "date" || f.type === "long"),
    };
    COMPILED.set(schema, c);
  }
  return c;
}

function checkShape(schema: RecordSchema, value: unknown): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new RecordError("not_object", `a ${schema.name} must be a JSON object (got ${describe(value)})`);
  }
  const obj = value as Record<string, unknown>;
  const known = compiled(schema).names;
  for (const key of Object.keys(obj)) {
    if (!known.has(key)) throw new RecordError("unexpected_field", `unexpected field \`${key}\` in a ${schema.name}`);
  }
  return checkFields(schema, obj);
}

/** Every field present and of its type; what {@link scanCanonical} reads has no other key. */
function checkFields(schema: RecordSchema, obj: Record<string, unknown>): Record<string, unknown> {
  for (const field of schema.fields) {
    const v = obj[field.name];
    if (v === null && field.nullable) continue;
    if (v === undefined || v === null) {
      throw new RecordError("missing_field", `\`${field.name}\` is missing from a ${schema.name}`);
    }
    checkType(schema, field, v);
  }
  return obj;
}

/** {@link checkFields} for a value {@link scanCanonical} read: the same rules, in the same order, skipping what its reading already proved. */
function checkScanned(schema: RecordSchema, obj: Record<string, unknown>): Record<string, unknown> {
  for (const field of compiled(schema).scannedChecks) checkType(schema, field, obj[field.name]);
  return obj;
}

/** Where a problem is, for its message: built only for a message that fails, since checking runs for every field of every message. */
function fieldOf(schema: RecordSchema, field: FieldSpec): string {
  return `\`${field.name}\` of a ${schema.name}`;
}

function checkType(schema: RecordSchema, field: FieldSpec, v: unknown): void {
  switch (field.type) {
    case "string":
    case "timestamp":
    case "date":
      if (typeof v !== "string") throw new RecordError("wrong_type", `${fieldOf(schema, field)} must be a string (got ${describe(v)})`);
      if (field.values && !field.values.includes(v)) {
        throw new RecordError("invalid_value", `${fieldOf(schema, field)} must be one of ${field.values.join(", ")} (got "${v}")`);
      }
      if (field.type === "timestamp" && !isIsoTimestamp(v)) {
        throw new RecordError("invalid_timestamp", `${fieldOf(schema, field)} must be an ISO-8601 UTC timestamp (got "${v}")`);
      }
      if (field.type === "date" && !isIsoDate(v)) {
        throw new RecordError("invalid_timestamp", `${fieldOf(schema, field)} must be a date YYYY-MM-DD (got "${v}")`);
      }
      return;
    case "double":
    case "long":
      if (typeof v !== "number") throw new RecordError("wrong_type", `${fieldOf(schema, field)} must be a number (got ${describe(v)})`);
      if (!Number.isFinite(v)) throw new RecordError("not_finite", `${fieldOf(schema, field)} must be finite (got ${v})`);
      if (field.type === "long" && (!Number.isSafeInteger(v) || v < 0)) {
        throw new RecordError("invalid_value", `${fieldOf(schema, field)} must be a non-negative integer (got ${v})`);
      }
      return;
  }
}

/** The calendar day of the last valid timestamp: a stream's timestamps nearly all fall on the day before them. */
let lastTimestampDay = "";

/** The time of day is checked by the pattern, the calendar date as {@link isIsoDate} does. */
function isIsoTimestamp(v: string): boolean {
  if (!ISO_TIMESTAMP.test(v)) return false;
  if (v.startsWith(lastTimestampDay) && lastTimestampDay.length === 10) return true;
  const day = v.slice(0, 10);
  if (!isIsoDate(day)) return false;
  lastTimestampDay = day;
  return true;
}

/** Calendar days already checked: a stream holds few distinct days, and checking one costs a Date. */
const checkedDates = new Map<string, boolean>();

function isIsoDate(v: string): boolean {
  let valid = checkedDates.get(v);
  if (valid === undefined) {
    valid = ISO_DATE.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().slice(0, 10) === v;
    if (checkedDates.size >= 4096) checkedDates.clear();
    checkedDates.set(v, valid);
  }
  return valid;
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "string") return `"${v.length > 40 ? `${v.slice(0, 40)}...` : v}"`;
  if (typeof v === "object") return "an object";
  return `${typeof v} ${String(v)}`;
}

function checkSymbol(schema: RecordSchema, symbol: string): void {
  if (!isSymbol(symbol)) throw new RecordError("invalid_symbol", `\`symbol\` of a ${schema.name} is not a ticker (got "${symbol}")`);
}

function checkPositive(schema: RecordSchema, obj: Record<string, unknown>, names: readonly string[]): void {
  for (const name of names) {
    const v = obj[name] as number;
    if (v <= 0) throw new RecordError("non_positive_price", `\`${name}\` of a ${schema.name} must be positive (got ${v})`);
  }
}

/** Validates an untrusted value as a tick; throws {@link RecordError} naming the field and the value. */
export function parseTick(value: unknown, now: Date = new Date()): Tick {
  return checkTick(checkShape(TICK_SCHEMA, value), now);
}

function checkTick(obj: Record<string, unknown>, now: Date): Tick {
  const tick = obj as unknown as Tick;
  checkSymbol(TICK_SCHEMA, tick.symbol);
  checkPositive(TICK_SCHEMA, obj, ["price", "bid", "ask"]);
  if (tick.bid > tick.ask) {
    throw new RecordError("inconsistent_prices", `\`bid\` ${tick.bid} is above \`ask\` ${tick.ask} for ${tick.symbol}`);
  }
  if (isFuture(tick.event_time, now)) {
    throw new RecordError("future_timestamp", `\`event_time\` ${tick.event_time} of ${tick.symbol} is in the future`);
  }
  return tick;
}

/** The latest valid time, and as `toISOString` writes it, for the last `now` seen (one per fetched batch in the sink). */
let latest = { ms: Number.NaN, text: "" };

/** Whether a valid timestamp lies beyond the clock skew allowed past `now`. */
function isFuture(time: string, now: Date): boolean {
  const limit = now.getTime() + MAX_CLOCK_SKEW_MS;
  // 24 characters is `toISOString`'s form (milliseconds, UTC): such texts order as their times do.
  if (time.length !== 24) return Date.parse(time) > limit;
  if (latest.ms !== limit) latest = { ms: limit, text: new Date(limit).toISOString() };
  return time > latest.text;
}

/** Validates an untrusted value as a daily bar; throws {@link RecordError} naming the field and the value. */
export function parseBar(value: unknown, now: Date = new Date()): DailyBar {
  return checkBar(checkShape(BAR_SCHEMA, value), now);
}

function checkBar(obj: Record<string, unknown>, now: Date): DailyBar {
  const bar = obj as unknown as DailyBar;
  checkSymbol(BAR_SCHEMA, bar.symbol);
  checkPositive(BAR_SCHEMA, obj, ["open", "high", "low", "close", "adj_close"]);
  if (bar.high < bar.low) {
    throw new RecordError("inconsistent_prices", `\`high\` ${bar.high} is below \`low\` ${bar.low} for ${bar.symbol} on ${bar.trade_date}`);
  }
  if (bar.high < Math.max(bar.open, bar.close) || bar.low > Math.min(bar.open, bar.close)) {
    throw new RecordError(
      "inconsistent_prices",
      `open ${bar.open} and close ${bar.close} must lie within low ${bar.low} and high ${bar.high} for ${bar.symbol} on ${bar.trade_date}`,
    );
  }
  if (Date.parse(`${bar.trade_date}T00:00:00Z`) > now.getTime() + MAX_CLOCK_SKEW_MS) {
    throw new RecordError("future_timestamp", `\`trade_date\` ${bar.trade_date} of ${bar.symbol} is in the future`);
  }
  return bar;
}

/**
 * Decodes one Kafka message of the realtime or batch topic. Never throws: a bad message comes back
 * with the reason, for the dead-letter topic.
 */
export function decodeMessage(
  topic: string,
  key: Buffer | string | null | undefined,
  value: Buffer | null | undefined,
  now: Date = new Date(),
): Decoded {
  const kind = topic === TICK_SCHEMA.topic ? "tick" : topic === BAR_SCHEMA.topic ? "bar" : undefined;
  if (kind === undefined) return { ok: false, code: "unknown_topic", reason: `no record schema for topic "${topic}"` };
  if (!value || value.length === 0) return { ok: false, code: "empty", reason: "the message has no value" };
  if (value.length > MAX_MESSAGE_BYTES) {
    return { ok: false, code: "oversized", reason: `the message is ${value.length} bytes, above the limit of ${MAX_MESSAGE_BYTES}` };
  }
  // What our producers send is read without the general JSON parser: it has exactly the schema's
  // keys, so only the fields' values are checked; anything else is parsed and checked in full.
  const schema = SCHEMAS[kind];
  const scanned = scanCanonical(schema, value);
  const canonical = scanned !== undefined;
  let parsed: unknown = scanned;
  if (!canonical) {
    try {
      parsed = JSON.parse(value.toString("utf8"));
    } catch (err) {
      return { ok: false, code: "not_json", reason: `the value is not JSON: ${(err as Error).message}` };
    }
  }
  try {
    const obj = scanned ? checkScanned(schema, scanned) : checkShape(schema, parsed);
    const record = kind === "tick" ? checkTick(obj, now) : checkBar(obj, now);
    if (!keyIs(key, record.symbol)) {
      const keyText = key === null || key === undefined ? undefined : key.toString();
      return { ok: false, code: "key_mismatch", reason: `the key ${keyText === undefined ? "is missing" : `"${keyText}"`} but the record is for ${record.symbol}` };
    }
    return kind === "tick" ? { ok: true, kind, record: record as Tick, canonical } : { ok: true, kind, record: record as DailyBar, canonical };
  } catch (err) {
    if (err instanceof RecordError) return { ok: false, code: err.code, reason: err.message };
    throw err;
  }
}

/** Whether the message key is `symbol` (a valid symbol is ASCII: its UTF-8 bytes are its characters). */
function keyIs(key: Buffer | string | null | undefined, symbol: string): boolean {
  if (key === null || key === undefined) return false;
  if (typeof key === "string") return key === symbol;
  if (key.length !== symbol.length) return false;
  for (let i = 0; i < key.length; i++) if (key[i] !== symbol.charCodeAt(i)) return false;
  return true;
}

/** The Kafka key of a record: its symbol, so that one symbol's records stay in order on one partition. */
export function recordKey(record: Tick | DailyBar): string {
  return record.symbol;
}

/** The identity of a record: producing it twice yields the same id. */
export function tickId(tick: Tick): string {
  return `${tick.symbol}@${tick.event_time}`;
}

export function barId(bar: DailyBar): string {
  return `${bar.symbol}@${bar.trade_date}`;
}

/**
 * Serialises a record with its fields in schema order, so equal records give equal bytes: the same
 * text as `JSON.stringify` of an object holding the fields in that order, without building one.
 */
export function encodeRecord(schema: RecordSchema, record: Tick | DailyBar): string {
  const source = record as unknown as Record<string, unknown>;
  const { keys } = compiled(schema);
  let out = "{";
  for (let i = 0; i < keys.length; i++) {
    const v = source[schema.fields[i]!.name];
    const text = typeof v === "number" ? (Number.isFinite(v) ? String(v) : "null") : JSON.stringify(v);
    if (text === undefined) continue; // JSON.stringify leaves out what has no JSON form
    out += out.length > 1 ? `,${keys[i]}${text}` : `${keys[i]}${text}`;
  }
  return `${out}}`;
}
