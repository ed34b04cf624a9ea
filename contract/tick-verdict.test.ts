import assert from "node:assert/strict";
import { seededRandom } from "../test/harness/random";
import { recordFolder } from "./layout";
import { MAX_CLOCK_SKEW_MS, TICK_SCHEMA, decodeMessage, encodeRecord, type Tick } from "./records";
import { TickVerdicts } from "./tick-verdict";
import { TOPICS } from "./topics";

const NOW = Date.parse("2026-03-03T12:00:00Z");
const HOUR = "2026-03-03T11:00:00.000Z";
const TICK: Tick = { symbol: "AAPL", event_time: "2026-03-03T11:59:58.000Z", price: 191.2, bid: 191.19, ask: 191.21, volume: 300, source: "simulated" };

/** The message packed as the sink packs it (value, then key, in one buffer), and the reader's verdict on it. */
function verdict(value: Buffer, key: string | null, now = NOW, hour = HOUR): boolean {
  const reader = new TickVerdicts(now);
  reader.learnHour(hour);
  const keyBytes = key === null ? Buffer.alloc(0) : Buffer.from(key, "latin1");
  const data = Buffer.concat([Buffer.from("xx"), value, keyBytes, Buffer.from("yy")]);
  const start = 2;
  const keyStart = key === null ? -1 : start + value.length;
  return reader.accepts(data, start, start + value.length, keyStart, keyStart + keyBytes.length);
}

const encoded = (tick: Partial<Tick>) => Buffer.from(encodeRecord(TICK_SCHEMA, { ...TICK, ...tick }), "latin1");
const HOUR_FOLDER = recordFolder(TICK_SCHEMA, { ...TICK, event_time: HOUR });

/** What decodeMessage decides, with the folder of an accepted tick. */
function decided(value: Buffer, key: string | null, now = NOW): string {
  const d = decodeMessage(TOPICS.realtime, key === null ? null : Buffer.from(key, "latin1"), value, new Date(now));
  if (!d.ok) return d.code;
  return `${d.canonical ? "canonical" : "re-encoded"} ${recordFolder(TICK_SCHEMA, d.record)}`;
}

describe("tick verdicts by bytes (the sink's hot path)", () => {
  it("accepts the ticks our producers write, in the learned hour, as decodeMessage does", () => {
    const next = seededRandom(7);
    for (let i = 0; i < 2_000; i++) {
      const bid = Math.round(next() * 1e6 + 1) / 100;
      const symbol = ["AAPL", "BRK-B", "^GSPC", "EURUSD=X", "A", "ABCDEFGHIJKLMNO", "RDS.A"][i % 7]!;
      const tick = { symbol, bid, price: bid, ask: Math.round((bid + next()) * 1e4) / 1e4, volume: Math.floor(next() * 1e12), event_time: new Date(Date.parse(HOUR) + Math.floor(next() * 3_600_000)).toISOString(), source: i % 2 ? "live" : "simulated" } as const;
      const value = encoded(tick);
      assert.equal(decided(value, symbol), `canonical ${HOUR_FOLDER}`, value.toString());
      assert.ok(verdict(value, symbol), value.toString());
    }
  });

  it("leaves to decodeMessage every tick it cannot accept by its bytes, good or bad", () => {
    const cases: [string, Buffer, string | null, number?][] = [
      ["another hour", encoded({ event_time: "2026-03-03T10:59:59.999Z" }), "AAPL"],
      ["a time without milliseconds", encoded({ event_time: "2026-03-03T11:59:58Z" }), "AAPL"],
      ["a non-canonical spelling", Buffer.from(` ${encoded({}).toString()}`), "AAPL"],
      ["a price of 0", encoded({ price: 0 }), "AAPL"],
      ["a bid above the ask", encoded({ bid: 192 }), "AAPL"],
      ["a fractional volume", encoded({ volume: 1.5 }), "AAPL"],
      ["an unsafe volume", encoded({ volume: 2 ** 53 }), "AAPL"],
      ["an unknown source", encoded({ source: "other" as never }), "AAPL"],
      ["a symbol of 16 characters", encoded({ symbol: "ABCDEFGHIJKLMNOP" }), "ABCDEFGHIJKLMNOP"],
      ["a lower-case symbol", encoded({ symbol: "aapl" }), "aapl"],
      ["another key", encoded({}), "MSFT"],
      ["a longer key", encoded({}), "AAPLX"],
      ["no key", encoded({}), null],
      ["a minute of 60", encoded({ event_time: "2026-03-03T11:60:00.000Z" }), "AAPL"],
      ["a time past the clock skew", encoded({ event_time: "2026-03-03T11:59:58.001Z" }), "AAPL", Date.parse("2026-03-03T11:59:58Z") - MAX_CLOCK_SKEW_MS],
      ["trailing bytes", Buffer.concat([encoded({}), Buffer.from(" ")]), "AAPL"],
      ["a cut value", encoded({}).subarray(0, 60), "AAPL"],
    ];
    for (const [what, value, key, now] of cases) assert.equal(verdict(value, key, now), false, what);
    assert.ok(verdict(encoded({ event_time: "2026-03-03T11:59:58.000Z" }), "AAPL", Date.parse("2026-03-03T11:59:58Z") - MAX_CLOCK_SKEW_MS), "a time at the clock skew's limit is not in the future");
  });

  it("accepts nothing that decodeMessage refuses, re-encodes or files elsewhere, whatever the bytes", () => {
    const next = seededRandom(11);
    const alphabet = Buffer.from('0123456789.-+eE:TZ"\\,{}[] AaLlSs^=\x00\x7f\xff');
    const base = [encoded({}), encoded({ symbol: "^GSPC", price: 0.5, bid: 0.000001, ask: 123456789012345, volume: 0, source: "live" }), encoded({ price: 0.1234567890123456 })];
    const keys = ["AAPL", "^GSPC", null];
    let accepted = 0;
    for (let i = 0; i < 30_000; i++) {
      const value = Buffer.from(base[i % base.length]!);
      const edits = 1 + Math.floor(next() * 3);
      let bytes = [...value];
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(next() * bytes.length);
        const b = alphabet[Math.floor(next() * alphabet.length)]!;
        const op = next();
        if (op < 0.6) bytes[at] = b;
        else if (op < 0.8) bytes.splice(at, 1);
        else bytes.splice(at, 0, b);
      }
      if (next() < 0.05) bytes = bytes.slice(0, Math.floor(next() * bytes.length));
      const mutated = Buffer.from(bytes);
      const key = keys[Math.floor(next() * keys.length)]!;
      if (verdict(mutated, key)) {
        accepted++;
        assert.equal(decided(mutated, key), `canonical ${HOUR_FOLDER}`, mutated.toString("latin1"));
      }
    }
    assert.ok(accepted > 200, `mutations that stay valid ticks are accepted too (${accepted})`);
  });
});
