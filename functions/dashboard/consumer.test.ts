import assert from "node:assert/strict";
import { TICK_SCHEMA, encodeRecord, type Tick } from "../../contract";
import { TickWindow } from "./candles";
import { handleTickMessage } from "./consumer";

const NOW = new Date("2026-03-02T14:31:00.000Z");
const TICK: Tick = { symbol: "AAPL", event_time: "2026-03-02T14:30:00.000Z", price: 190.5, bid: 190.49, ask: 190.51, volume: 1200, source: "simulated" };
const message = (value: string | null, key: string | null = "AAPL") => ({ key: key === null ? null : Buffer.from(key), value: value === null ? null : Buffer.from(value) });

describe("dashboard tick intake", () => {
  it("adds a valid tick to the window", () => {
    const window = new TickWindow(["AAPL"], 60);
    assert.deepEqual(handleTickMessage(window, message(encodeRecord(TICK_SCHEMA, TICK)), NOW), { accepted: true });
    assert.equal(window.quote("AAPL").last?.price, 190.5);
  });

  it("skips every invalid tick with its reason, and shows none of them", () => {
    const window = new TickWindow(["AAPL"], 60);
    const bad: [ReturnType<typeof message>, string][] = [
      [message(null), "empty"],
      [message("{not json"), "not_json"],
      [message("[1,2]"), "not_object"],
      [message(JSON.stringify({ ...TICK, price: -1 })), "non_positive_price"],
      [message(JSON.stringify({ ...TICK, bid: 191, ask: 190 })), "inconsistent_prices"],
      [message(JSON.stringify({ ...TICK, extra: 1 })), "unexpected_field"],
      [message(JSON.stringify({ ...TICK, event_time: "yesterday" })), "invalid_timestamp"],
      [message(JSON.stringify({ ...TICK, event_time: "2026-03-02T15:00:00.000Z" })), "future_timestamp"],
      [message(encodeRecord(TICK_SCHEMA, TICK), "MSFT"), "key_mismatch"],
      [message("x".repeat(20_000)), "oversized"],
    ];
    for (const [m, reason] of bad) assert.deepEqual(handleTickMessage(window, m, NOW), { accepted: false, reason }, reason);
    assert.equal(window.quote("AAPL").last, undefined);
    assert.equal(window.size().candles, 0);
  });

  it("skips a duplicate, a late tick and a symbol it does not show", () => {
    const window = new TickWindow(["AAPL"], 1);
    handleTickMessage(window, message(encodeRecord(TICK_SCHEMA, TICK)), NOW);
    assert.deepEqual(handleTickMessage(window, message(encodeRecord(TICK_SCHEMA, TICK)), NOW), { accepted: false, reason: "duplicate" });
    const late = { ...TICK, event_time: "2026-03-02T14:29:00.000Z" };
    assert.deepEqual(handleTickMessage(window, message(encodeRecord(TICK_SCHEMA, late)), NOW), { accepted: false, reason: "late" });
    const other = { ...TICK, symbol: "MSFT" };
    assert.deepEqual(handleTickMessage(window, message(encodeRecord(TICK_SCHEMA, other), "MSFT"), NOW), { accepted: false, reason: "unknown_symbol" });
  });
});
