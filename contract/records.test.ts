import assert from "node:assert/strict";
import { BAR_SCHEMA, MAX_MESSAGE_BYTES, TICK_SCHEMA, barId, decodeMessage, encodeRecord, parseBar, parseTick, tickId, type DailyBar, type Tick } from "./records";
import { TOPICS } from "./topics";

const NOW = new Date("2026-03-03T12:00:00Z");
const TICK: Tick = { symbol: "AAPL", event_time: "2026-03-03T11:59:58.000Z", price: 191.2, bid: 191.19, ask: 191.21, volume: 300, source: "simulated" };
const BAR: DailyBar = { symbol: "BRK-B", trade_date: "2026-03-02", open: 410, high: 415.5, low: 408.25, close: 414, adj_close: 414, volume: 3_100_000, source: "yahoo" };

function rejects(topic: string, value: unknown, code: string, key: string | null = "AAPL", reason?: RegExp) {
  const raw = value === null ? null : Buffer.from(typeof value === "string" ? value : JSON.stringify(value));
  const decoded = decodeMessage(topic, key, raw, NOW);
  assert.equal(decoded.ok, false, `expected ${code} for ${String(raw)}`);
  if (!decoded.ok) {
    assert.equal(decoded.code, code, decoded.reason);
    if (reason) assert.match(decoded.reason, reason);
  }
}

describe("record schemas", () => {
  it("accepts a good tick and a good bar, keyed by symbol", () => {
    assert.deepEqual(decodeMessage(TOPICS.realtime, "AAPL", Buffer.from(JSON.stringify(TICK)), NOW), { ok: true, kind: "tick", record: TICK, canonical: true });
    assert.deepEqual(decodeMessage(TOPICS.batch, "BRK-B", Buffer.from(JSON.stringify(BAR)), NOW), { ok: true, kind: "bar", record: BAR, canonical: true });
    assert.deepEqual(parseTick({ ...TICK, symbol: "^GSPC" }, NOW).symbol, "^GSPC", "indices keep their caret");
  });

  it("rejects bad ticks, naming the field and the value", () => {
    rejects(TOPICS.realtime, "{not json", "not_json");
    rejects(TOPICS.realtime, [TICK], "not_object", "AAPL", /must be a JSON object \(got an array\)/);
    rejects(TOPICS.realtime, { ...TICK, bid: undefined }, "missing_field", "AAPL", /`bid` is missing/);
    rejects(TOPICS.realtime, { ...TICK, ask: null }, "missing_field");
    rejects(TOPICS.realtime, { ...TICK, price: "191.2" }, "wrong_type", "AAPL", /`price` of a tick must be a number \(got "191.2"\)/);
    rejects(TOPICS.realtime, JSON.stringify(TICK).replace('"price":191.2', '"price":1e999'), "not_finite");
    rejects(TOPICS.realtime, { ...TICK, price: -1 }, "non_positive_price", "AAPL", /`price` of a tick must be positive \(got -1\)/);
    rejects(TOPICS.realtime, { ...TICK, price: 0 }, "non_positive_price");
    rejects(TOPICS.realtime, { ...TICK, volume: -3 }, "invalid_value");
    rejects(TOPICS.realtime, { ...TICK, volume: 1.5 }, "invalid_value");
    rejects(TOPICS.realtime, { ...TICK, bid: 192, ask: 191 }, "inconsistent_prices", "AAPL", /`bid` 192 is above `ask` 191/);
    rejects(TOPICS.realtime, { ...TICK, symbol: "aapl" }, "invalid_symbol", "aapl", /not a ticker \(got "aapl"\)/);
    rejects(TOPICS.realtime, { ...TICK, symbol: "AA PL" }, "invalid_symbol", "AA PL");
    rejects(TOPICS.realtime, { ...TICK, event_time: "2026-03-03 11:59:58" }, "invalid_timestamp");
    rejects(TOPICS.realtime, { ...TICK, event_time: "2026-02-30T10:00:00.000Z" }, "invalid_timestamp");
    rejects(TOPICS.realtime, { ...TICK, event_time: "2026-03-03T12:10:00.000Z" }, "future_timestamp", "AAPL", /in the future/);
    rejects(TOPICS.realtime, { ...TICK, source: "rumour" }, "invalid_value", "AAPL", /one of simulated, live \(got "rumour"\)/);
    rejects(TOPICS.realtime, { ...TICK, venue: "XNAS" }, "unexpected_field", "AAPL", /unexpected field `venue`/);
    rejects(TOPICS.realtime, TICK, "key_mismatch", "MSFT", /the key "MSFT" but the record is for AAPL/);
    rejects(TOPICS.realtime, TICK, "key_mismatch", null, /the key is missing/);
    rejects(TOPICS.realtime, null, "empty");
    rejects(TOPICS.realtime, "", "empty");
    rejects(TOPICS.realtime, { ...TICK, pad: "x".repeat(MAX_MESSAGE_BYTES) }, "oversized", "AAPL", new RegExp(`above the limit of ${MAX_MESSAGE_BYTES}`));
    rejects("stock-market-unknown", TICK, "unknown_topic");
  });

  it("allows event times up to five minutes ahead of the clock, to the millisecond, however they are written", () => {
    const at = (event_time: string) => decodeMessage(TOPICS.realtime, "AAPL", Buffer.from(JSON.stringify({ ...TICK, event_time })), NOW);
    assert.equal(at("2026-03-03T12:05:00.000Z").ok, true, "exactly the skew");
    assert.equal(at("2026-03-03T12:05:00.001Z").ok, false);
    assert.equal(at("2026-03-03T12:05:00Z").ok, true, "without milliseconds");
    assert.equal(at("2026-03-03T12:05:01Z").ok, false);
    assert.equal(at("2026-03-03T12:05:00.1Z").ok, false, "one fraction digit");
    assert.equal(at("2025-12-31T23:59:59.999Z").ok, true);
  });

  it("rejects bad bars", () => {
    rejects(TOPICS.batch, { ...BAR, high: 400, low: 408.25 }, "inconsistent_prices", "BRK-B", /`high` 400 is below `low` 408.25/);
    rejects(TOPICS.batch, { ...BAR, open: 420 }, "inconsistent_prices", "BRK-B", /must lie within low 408.25 and high 415.5/);
    rejects(TOPICS.batch, { ...BAR, trade_date: "2026-13-01" }, "invalid_timestamp", "BRK-B");
    rejects(TOPICS.batch, { ...BAR, trade_date: "2099-01-02" }, "future_timestamp", "BRK-B");
    rejects(TOPICS.batch, { ...BAR, adj_close: 0 }, "non_positive_price", "BRK-B");
    rejects(TOPICS.batch, { ...BAR, source: "live" }, "invalid_value", "BRK-B", /one of yahoo, simulated \(got "live"\)/);
    assert.throws(() => parseBar({ ...BAR, volume: "3100000" }, NOW), /`volume` of a bar must be a number/);
  });

  it("encodes a record with its fields in schema order, whatever order it came in", () => {
    const shuffled = Object.fromEntries(Object.entries(TICK).reverse()) as unknown as Tick;
    assert.equal(encodeRecord(TICK_SCHEMA, shuffled), encodeRecord(TICK_SCHEMA, TICK));
    assert.deepEqual(Object.keys(JSON.parse(encodeRecord(BAR_SCHEMA, BAR))), BAR_SCHEMA.fields.map((f) => f.name));
  });

  it("identifies a record by symbol and time, so that producing it again gives the same id", () => {
    assert.equal(tickId(TICK), "AAPL@2026-03-03T11:59:58.000Z");
    assert.equal(barId(BAR), "BRK-B@2026-03-02");
  });
});
