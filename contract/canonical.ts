import type { TableSchema } from "./records";

/**
 * Reads a message that is already in the records' canonical form, the bytes `encodeRecord` writes:
 * every field in schema order, no whitespace, strings of printable ASCII with nothing to escape,
 * numbers as `JSON.stringify` prints them. For such a value it returns what `JSON.parse` would
 * (the same keys in the same order, the same strings and numbers), without the general parser;
 * for any other value it returns undefined and the caller parses it as JSON. Our producers write
 * the canonical form, so the sink's hot path reads their messages without JSON.parse and stores
 * their bytes as they came, which are the bytes `encodeRecord` would give.
 */
export function scanCanonical(schema: TableSchema, value: Buffer): Record<string, unknown> | undefined {
  const plan = planOf(schema);
  const out: Record<string, unknown> = {};
  let pos = 0;
  for (let i = 0; i < plan.length; i++) {
    const { name, key, numeric, values } = plan[i]!;
    if (pos + key.length > value.length) return undefined;
    for (let k = 0; k < key.length; k++) if (value[pos + k] !== key[k]) return undefined;
    pos += key.length;
    if (numeric) {
      pos = readNumber(value, pos);
      if (pos < 0) return undefined;
      out[name] = lastNumber;
    } else {
      const end = stringEnd(value, pos);
      if (end < 0) return undefined;
      out[name] = (values && knownValue(value, pos + 1, end - 1, values)) || value.toString("latin1", pos + 1, end - 1);
      pos = end;
    }
  }
  return pos === value.length - 1 && value[pos] === CLOSE ? out : undefined;
}

export const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const CLOSE = 0x7d;
export const DOT = 0x2e;
export const ZERO = 0x30;
export const NINE = 0x39;
/** Powers of ten that a double holds exactly. */
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

interface FieldPlan {
  name: string;
  /** `{"name":` for the first field, `,"name":` for the others. */
  key: Buffer;
  numeric: boolean;
  /** An enumeration's values, as strings and bytes. */
  values?: readonly { text: string; bytes: Buffer }[];
}

const PLANS = new WeakMap<TableSchema, readonly FieldPlan[]>();

function planOf(schema: TableSchema): readonly FieldPlan[] {
  let plan = PLANS.get(schema);
  if (!plan) {
    plan = schema.fields.map((f, i) => ({
      name: f.name,
      key: Buffer.from(`${i === 0 ? "{" : ","}${JSON.stringify(f.name)}:`, "latin1"),
      numeric: f.type === "double" || f.type === "long",
      values: f.values?.map((text) => ({ text, bytes: Buffer.from(text, "latin1") })),
    }));
    PLANS.set(schema, plan);
  }
  return plan;
}

/** End (exclusive) of a quoted string of printable ASCII without `"` or `\` starting at `pos`, or -1. */
function stringEnd(value: Buffer, pos: number): number {
  if (value[pos] !== QUOTE) return -1;
  for (let i = pos + 1; i < value.length; i++) {
    const b = value[i]!;
    if (b === QUOTE) return i + 1;
    if (b < 0x20 || b > 0x7e || b === BACKSLASH) return -1;
  }
  return -1;
}

/** The enumeration value spelled by `value[start..end)`, as the one string it always is. */
function knownValue(value: Buffer, start: number, end: number, values: readonly { text: string; bytes: Buffer }[]): string | undefined {
  outer: for (const v of values) {
    if (v.bytes.length !== end - start) continue;
    for (let k = 0; k < v.bytes.length; k++) if (value[start + k] !== v.bytes[k]) continue outer;
    return v.text;
  }
  return undefined;
}

/** The number {@link readNumber} read last (an out-parameter that costs no allocation). */
let lastNumber = 0;

/** The number the last successful {@link readNumber} read. */
export function numberRead(): number {
  return lastNumber;
}

/**
 * Reads a number written as `JSON.stringify` writes it into {@link lastNumber}; returns where it ends,
 * or -1. Accepted: `0` or digits without a leading zero, then optionally `.` and digits not ending
 * in `0`, no sign, no exponent, and not below 1e-6 (which JavaScript prints with an exponent). With
 * at most 15 significant digits, such a text is the shortest that reads back as its double, so it is
 * how JavaScript prints it, and digits / 10^k (both exact) is, in one rounding, the double JSON.parse
 * gives; longer ones are compared with how JavaScript prints them. The number ends by `end`.
 */
export function readNumber(value: Uint8Array, pos: number, end: number = value.length): number {
  let i = pos;
  let digits = 0;
  let significant = 0;
  const first = value[i];
  if (first === ZERO) {
    i++;
  } else if (first !== undefined && first > ZERO && first <= NINE) {
    while (i < end && value[i]! >= ZERO && value[i]! <= NINE) digits = digits * 10 + (value[i++]! - ZERO);
    significant = i - pos;
  } else {
    return -1;
  }
  let scale = 0;
  if (value[i] === DOT) {
    const fraction = ++i;
    while (i < end && value[i]! >= ZERO && value[i]! <= NINE) {
      digits = digits * 10 + (value[i]! - ZERO);
      if (digits > 0) significant++;
      i++;
    }
    scale = i - fraction;
    if (scale === 0 || value[i - 1] === ZERO) return -1;
    if (first === ZERO && scale - significant >= 6) return -1;
  }
  if (significant <= 15) {
    lastNumber = scale === 0 ? digits : digits / POW10[scale]!;
    return i;
  }
  // Longer texts (a float32 price from Yahoo has 16 or 17 digits) are canonical when JavaScript prints them so.
  const text = Buffer.from(value.buffer, value.byteOffset + pos, i - pos).toString("latin1");
  lastNumber = Number(text);
  return significant <= 17 && String(lastNumber) === text ? i : -1;
}
