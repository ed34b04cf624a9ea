import { DOT, NINE, numberRead, QUOTE, readNumber, ZERO } from "./canonical";
import { MAX_CLOCK_SKEW_MS, MAX_MESSAGE_BYTES, TICK_SCHEMA } from "./records";

/** The fields in the order the byte reader below spells them: the tick schema's. */
const FIELDS = ["symbol", "event_time", "price", "bid", "ask", "volume", "source"];
if (TICK_SCHEMA.fields.map((f) => f.name).join() !== FIELDS.join()) {
  throw new Error(`TickVerdicts reads the fields ${FIELDS.join(", ")} in this order; the tick schema has ${TICK_SCHEMA.fields.map((f) => f.name).join(", ")}`);
}

const latin1 = (text: string) => Buffer.from(text, "latin1");
const OPEN_SYMBOL = latin1('{"symbol":"');
const EVENT_TIME = latin1('","event_time":"');
const PRICE = latin1('","price":');
const BID = latin1(',"bid":');
const ASK = latin1(',"ask":');
const VOLUME = latin1(',"volume":');
const SOURCE = latin1(',"source":"');
/** Each source, its closing quote and the record's closing brace: the value's last bytes. */
const SOURCES = TICK_SCHEMA.fields[6]!.values!.map((v) => latin1(`${v}"}`));

/** `toISOString`'s form: `2026-03-02T20:59:59.000Z`, whose first 13 characters name the hour. */
const TIME_LENGTH = 24;
const HOUR_LENGTH = 13;

const CARET = 0x5e;
const COLON = 0x3a;
const FIVE = 0x35;
const Z = 0x5a;

const isDigit = (b: number | undefined) => b !== undefined && b >= ZERO && b <= NINE;
const isUpperOrDigit = (b: number | undefined) => b !== undefined && ((b >= 0x41 && b <= 0x5a) || (b >= ZERO && b <= NINE));

/**
 * The sink's hot path for ticks: a verdict read from a message's bytes, with no record, string or
 * number object made. `accepts` is true only for a tick that decodeMessage accepts as canonical
 * and files in the hour this reader learned from the last tick decodeMessage accepted; for any
 * other message it is false, and the caller asks decodeMessage, which gives the verdict and, for a
 * dead letter, the reason. So the hot path accepts nothing decodeMessage would refuse, and refuses
 * nothing itself.
 *
 * It checks what decodeMessage checks, as bytes: the canonical spelling (see scanCanonical), the
 * symbol's pattern, the key being the symbol, an event time in the learned hour (whose day and
 * hour decodeMessage checked) with valid minutes, seconds and milliseconds, no later than the
 * allowed clock skew past `now`, positive prices with the bid not above the ask, a non-negative
 * integer volume, a known source, and the size limit.
 */
export class TickVerdicts {
  private readonly hour = new Uint8Array(HOUR_LENGTH);
  private hourKnown = false;
  /** The latest event time accepted, as `toISOString` writes it; none if it is not 24 characters long. */
  private readonly latest?: Buffer;

  constructor(now: number) {
    const text = new Date(now + MAX_CLOCK_SKEW_MS).toISOString();
    if (text.length === TIME_LENGTH) this.latest = latin1(text);
  }

  /** Remembers the hour of a tick decodeMessage accepted: the hot path accepts ticks of that hour. */
  learnHour(eventTime: string): void {
    for (let k = 0; k < HOUR_LENGTH; k++) this.hour[k] = eventTime.charCodeAt(k);
    this.hourKnown = true;
  }

  /** Whether the message with its value at `data[start..end)` and its key at `data[keyStart..keyEnd)` (or none, `keyStart` -1) is accepted. */
  accepts(data: Uint8Array, start: number, end: number, keyStart: number, keyEnd: number): boolean {
    const latest = this.latest;
    if (!this.hourKnown || latest === undefined || end - start > MAX_MESSAGE_BYTES || keyStart < 0) return false;
    let pos = literal(data, start, end, OPEN_SYMBOL);
    if (pos < 0) return false;
    // The symbol: `^?[A-Z0-9][A-Z0-9.=-]{0,14}`, the same bytes as the key.
    const symbol = pos;
    if (data[pos] === CARET) pos++;
    if (!isUpperOrDigit(data[pos])) return false;
    const longest = pos + 15;
    pos++;
    while (pos < end && data[pos] !== QUOTE) {
      const b = data[pos]!;
      if (pos >= longest || !(isUpperOrDigit(b) || b === DOT || b === 0x3d || b === 0x2d)) return false;
      pos++;
    }
    if (keyEnd - keyStart !== pos - symbol) return false;
    for (let k = 0; k < pos - symbol; k++) if (data[keyStart + k] !== data[symbol + k]) return false;
    pos = literal(data, pos, end, EVENT_TIME);
    if (pos < 0 || pos + TIME_LENGTH > end) return false;
    // The event time: the learned hour, then `:MM:SS.mmmZ`, no later than the latest accepted.
    for (let k = 0; k < HOUR_LENGTH; k++) if (data[pos + k] !== this.hour[k]) return false;
    const t = pos;
    if (data[t + 13] !== COLON || !isMinuteTens(data[t + 14]) || !isDigit(data[t + 15]) || data[t + 16] !== COLON) return false;
    if (!isMinuteTens(data[t + 17]) || !isDigit(data[t + 18]) || data[t + 19] !== DOT) return false;
    if (!isDigit(data[t + 20]) || !isDigit(data[t + 21]) || !isDigit(data[t + 22]) || data[t + 23] !== Z) return false;
    for (let k = 0; k < TIME_LENGTH; k++) {
      const d = data[t + k]! - latest[k]!;
      if (d < 0) break;
      if (d > 0) return false;
    }
    pos = literal(data, t + TIME_LENGTH, end, PRICE);
    if (pos < 0 || (pos = readNumber(data, pos, end)) < 0) return false;
    const price = numberRead();
    if ((pos = literal(data, pos, end, BID)) < 0 || (pos = readNumber(data, pos, end)) < 0) return false;
    const bid = numberRead();
    if ((pos = literal(data, pos, end, ASK)) < 0 || (pos = readNumber(data, pos, end)) < 0) return false;
    const ask = numberRead();
    if (!(price > 0 && bid > 0 && ask > 0 && bid <= ask)) return false;
    if ((pos = literal(data, pos, end, VOLUME)) < 0 || (pos = readNumber(data, pos, end)) < 0) return false;
    if (!Number.isSafeInteger(numberRead())) return false;
    if ((pos = literal(data, pos, end, SOURCE)) < 0) return false;
    for (const source of SOURCES) if (pos + source.length === end && literal(data, pos, end, source) === end) return true;
    return false;
  }
}

const isMinuteTens = (b: number | undefined) => b !== undefined && b >= ZERO && b <= FIVE;

/** Where `bytes` ends if `data` spells it at `pos` (before `end`), or -1. */
function literal(data: Uint8Array, pos: number, end: number, bytes: Uint8Array): number {
  if (pos + bytes.length > end) return -1;
  for (let k = 0; k < bytes.length; k++) if (data[pos + k] !== bytes[k]) return -1;
  return pos + bytes.length;
}
