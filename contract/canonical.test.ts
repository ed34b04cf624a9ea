import assert from "node:assert/strict";
import { seededRandom } from "../test/harness/random";
import { scanCanonical } from "./canonical";
import { BAR_SCHEMA, TICK_SCHEMA, decodeMessage, encodeRecord, type DailyBar, type Decoded, type Tick } from "./records";
import { TOPICS } from "./topics";

const NOW = new Date("2026-03-03T12:00:00Z");
const TICK: Tick = { symbol: "AAPL", event_time: "2026-03-03T11:59:58.000Z", price: 191.2, bid: 191.19, ask: 191.21, volume: 300, source: "simulated" };
const BAR: DailyBar = { symbol: "BRK-B", trade_date: "2026-03-02", open: 410, high: 415.5, low: 408.2500915527344, close: 414, adj_close: 413.123456789012, volume: 3_100_000, source: "yahoo" };

/** The general path: a leading space is valid JSON but never canonical, so decodeMessage parses it. */
function decodedByJsonParse(topic: string, key: string, value: Buffer): Decoded {
  return decodeMessage(topic, key, Buffer.concat([Buffer.from(" "), value]), NOW);
}

function assertSameDecision(topic: string, key: string, value: Buffer): Decoded {
  const fast = decodeMessage(topic, key, value, NOW);
  const general = decodedByJsonParse(topic, key, value);
  assert.equal(fast.ok, general.ok, `${value.toString("latin1")}: ${JSON.stringify([fast, general])}`);
  if (fast.ok && general.ok) {
    assert.deepEqual(fast.record, general.record, value.toString("latin1"));
    assert.deepEqual(Object.keys(fast.record), Object.keys(general.record), "the same key order");
    if (fast.canonical) assert.equal(encodeRecord(topic === TOPICS.realtime ? TICK_SCHEMA : BAR_SCHEMA, fast.record), value.toString("latin1"), "canonical bytes are the record's encoding");
  } else if (!fast.ok && !general.ok) {
    // A value the general path cannot parse is not_json for both; past parsing, the same rule fails.
    assert.equal(fast.code, general.code, value.toString("latin1"));
  }
  return fast;
}

describe("canonical record encoding", () => {
  it("reads what encodeRecord writes as JSON.parse does, and says it is canonical", () => {
    const next = seededRandom(1);
    for (let i = 0; i < 2_000; i++) {
      const price = Math.round(next() * 1e6 + 1) / 100;
      const tick: Tick = { ...TICK, price, bid: price, ask: Math.round((price + next()) * 1e4) / 1e4, volume: Math.floor(next() * 1e9), event_time: new Date(NOW.getTime() - Math.floor(next() * 1e10)).toISOString() };
      const value = Buffer.from(encodeRecord(TICK_SCHEMA, tick));
      assert.deepEqual(scanCanonical(TICK_SCHEMA, value), JSON.parse(value.toString()));
      const decoded = assertSameDecision(TOPICS.realtime, "AAPL", value);
      assert.ok(decoded.ok && decoded.canonical, value.toString());
    }
    const bar = Buffer.from(encodeRecord(BAR_SCHEMA, BAR));
    assert.deepEqual(scanCanonical(BAR_SCHEMA, bar), BAR);
    assert.ok(assertSameDecision(TOPICS.batch, "BRK-B", bar).ok);
  });

  it("leaves every other spelling of a record to the JSON parser, which decides the same", () => {
    const text = encodeRecord(TICK_SCHEMA, TICK);
    const spellings = [
      text.replace(":", ": "),
      ` ${text}`,
      `${text}\n`,
      JSON.stringify({ event_time: TICK.event_time, symbol: TICK.symbol, price: TICK.price, bid: TICK.bid, ask: TICK.ask, volume: TICK.volume, source: TICK.source }),
      text.replace("191.2,", "191.20,"),
      text.replace("191.2,", "1.912e2,"),
      text.replace("300", "3e2"),
      text.replace("300", "300.0"),
      text.replace('"AAPL"', '"\\u0041APL"'),
      text.replace("191.2,", "191.20000000000000001,"),
    ];
    for (const spelling of spellings) {
      assert.equal(scanCanonical(TICK_SCHEMA, Buffer.from(spelling)), undefined, spelling);
      const decoded = assertSameDecision(TOPICS.realtime, "AAPL", Buffer.from(spelling));
      assert.ok(decoded.ok && !decoded.canonical && encodeRecord(TICK_SCHEMA, decoded.record) === text, `${spelling} is the same tick, re-encoded`);
    }
  });

  it("leaves what is not JSON to the parser, which refuses it", () => {
    const text = encodeRecord(TICK_SCHEMA, TICK);
    for (const bad of [text.replace("300", "0300"), text.slice(0, -1), `${text}}`, text.replace("191.2,", "191.2.1,")]) {
      const decoded = assertSameDecision(TOPICS.realtime, "AAPL", Buffer.from(bad));
      assert.equal(decoded.ok ? "ok" : decoded.code, "not_json", bad);
    }
  });

  it("refuses numbers JavaScript would print otherwise, and strings that would need escaping", () => {
    const value = (volume: string) => Buffer.from(encodeRecord(TICK_SCHEMA, TICK).replace('"volume":300', `"volume":${volume}`));
    for (const bad of ["-0", "-1", "0.0000001", "12345678901234567", "0.30000000000000001", "1234567890123456789", "0.10", "1.", ".5", "1e21", "Infinity", "NaN", "00"]) {
      assert.equal(scanCanonical(TICK_SCHEMA, value(bad)), undefined, bad);
    }
    for (const good of ["0", "7", "0.000001", "123456789012345", "1234567890123456", "0.30000000000000004", "220.1999969482422", "0.5", "100.25"]) {
      assert.deepEqual(scanCanonical(TICK_SCHEMA, value(good))?.volume, Number(good), good);
      assert.equal(String(Number(good)), good, "exactly how JavaScript prints it");
    }
    for (const bad of ['"AA\\"PL"', '"AAP\u00e9"', '"AA\tPL"', "null", "true", '"AAPL']) {
      assert.equal(scanCanonical(TICK_SCHEMA, Buffer.from(encodeRecord(TICK_SCHEMA, TICK).replace('"AAPL"', bad))), undefined, bad);
    }
  });

  it("decides like the JSON parser on 10,000 damaged messages", () => {
    const next = seededRandom(7);
    const originals = [
      { topic: TOPICS.realtime, key: "AAPL", value: Buffer.from(encodeRecord(TICK_SCHEMA, TICK)) },
      { topic: TOPICS.batch, key: "BRK-B", value: Buffer.from(encodeRecord(BAR_SCHEMA, BAR)) },
    ];
    const alphabet = Buffer.from('0123456789.-+eE"{}:,\\ abcXYZ\u0000\u00ff');
    let accepted = 0;
    for (let i = 0; i < 10_000; i++) {
      const { topic, key, value } = originals[i % 2]!;
      const damaged = Buffer.from(value);
      const edits = 1 + Math.floor(next() * 3);
      for (let e = 0; e < edits; e++) damaged[Math.floor(next() * damaged.length)] = alphabet[Math.floor(next() * alphabet.length)]!;
      if (assertSameDecision(topic, key, damaged).ok) accepted++;
    }
    assert.ok(accepted > 200, `some damage still leaves a valid record (${accepted})`);
  });
});
