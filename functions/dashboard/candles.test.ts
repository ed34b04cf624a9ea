import assert from "node:assert/strict";
import type { Tick } from "../../contract";
import { MINUTE_MS, SEEN_TICKS_PER_SYMBOL, TickWindow } from "./candles";

const T0 = Date.parse("2026-03-02T14:30:00.000Z");

function tick(symbol: string, offsetMs: number, price: number, volume = 100): Tick {
  return { symbol, event_time: new Date(T0 + offsetMs).toISOString(), price, bid: price - 0.01, ask: price + 0.01, volume, source: "simulated" };
}

describe("tick window and 1-minute candles", () => {
  it("builds one candle per minute: open of the first tick, close of the last, high, low, volume", () => {
    const w = new TickWindow(["AAPL"], 60);
    for (const [ms, price] of [[0, 100], [10_000, 103], [20_000, 99], [59_999, 101], [60_000, 102]] as const) assert.equal(w.add(tick("AAPL", ms, price)), "accepted");
    assert.deepEqual(w.candles("AAPL"), [
      { time: T0 / 1000, open: 100, high: 103, low: 99, close: 101, volume: 400, ticks: 4 },
      { time: (T0 + MINUTE_MS) / 1000, open: 102, high: 102, low: 102, close: 102, volume: 100, ticks: 1 },
    ]);
  });

  it("orders out-of-order ticks by event time: an earlier tick becomes the open, a later one the close, an older minute goes before", () => {
    const w = new TickWindow(["AAPL"], 60);
    w.add(tick("AAPL", 30_000, 100));
    w.add(tick("AAPL", 90_000, 110));
    w.add(tick("AAPL", 10_000, 95)); // arrives after its successor: it opened the minute
    w.add(tick("AAPL", 20_000, 97)); // neither first nor last of its minute
    w.add(tick("AAPL", 50_000, 98)); // the minute's latest so far: its close
    w.add(tick("AAPL", 0 - MINUTE_MS, 90)); // a minute before any seen, still within the window
    assert.deepEqual(
      w.candles("AAPL").map((c) => [c.time, c.open, c.high, c.low, c.close, c.ticks]),
      [
        [(T0 - MINUTE_MS) / 1000, 90, 90, 90, 90, 1],
        [T0 / 1000, 95, 100, 95, 98, 4],
        [(T0 + MINUTE_MS) / 1000, 110, 110, 110, 110, 1],
      ],
    );
    const quote = w.quote("AAPL");
    assert.equal(quote.last?.price, 110, "the last price is the latest event, not the latest arrival");
    assert.equal(quote.last?.eventTime, new Date(T0 + 90_000).toISOString());
    assert.equal(quote.change?.absolute, 20, "against the open of the oldest candle kept");
    assert.equal(quote.change?.since, new Date(T0 - MINUTE_MS).toISOString());
    assert.ok(Math.abs(quote.change!.percent - 22.2222) < 1e-3);
  });

  it("skips a tick seen already, one older than the window, and one of a symbol it does not show", () => {
    const w = new TickWindow(["AAPL"], 5);
    assert.equal(w.add(tick("AAPL", 10 * MINUTE_MS, 100)), "accepted");
    assert.equal(w.add(tick("AAPL", 10 * MINUTE_MS, 100)), "duplicate");
    assert.equal(w.add(tick("AAPL", 6 * MINUTE_MS, 100)), "accepted", "the 5th minute back is the window's first");
    assert.equal(w.add(tick("AAPL", 5 * MINUTE_MS + 59_999, 100)), "late");
    assert.equal(w.add(tick("ZZZZ", 10 * MINUTE_MS, 100)), "unknown_symbol");
    assert.deepEqual(w.candles("AAPL").map((c) => c.ticks), [1, 1]);
  });

  it("drops candles that leave the window as time moves on", () => {
    const w = new TickWindow(["AAPL"], 3);
    for (let m = 0; m < 10; m++) w.add(tick("AAPL", m * MINUTE_MS, 100 + m));
    assert.deepEqual(w.candles("AAPL").map((c) => c.open), [107, 108, 109]);
    assert.equal(w.quote("AAPL").change?.absolute, 2);
  });

  it("reports only what changed since it was last asked, and nothing when nothing did", () => {
    const w = new TickWindow(["AAPL", "MSFT"], 60);
    assert.equal(w.drainChanges(), undefined);
    w.add(tick("AAPL", 0, 100));
    w.add(tick("AAPL", MINUTE_MS, 101));
    const first = w.drainChanges()!;
    assert.deepEqual(first.quotes.map((q) => q.symbol), ["AAPL"]);
    assert.deepEqual(first.candles.AAPL!.map((c) => c.close), [100, 101]);
    w.add(tick("AAPL", MINUTE_MS + 1_000, 102));
    assert.deepEqual(w.drainChanges()!.candles.AAPL!.map((c) => c.close), [102], "only the candle that changed");
    assert.equal(w.drainChanges(), undefined);
    const snapshot = w.snapshot();
    assert.deepEqual(snapshot.quotes.map((q) => q.symbol), ["AAPL", "MSFT"], "every symbol, in the configured order");
    assert.equal(snapshot.quotes[1]!.last, undefined, "no tick yet");
    assert.equal(snapshot.candles.AAPL!.length, 2);
  });

  it("stays bounded however long it runs: six hours of ticks every 2 s for 8 symbols", () => {
    const symbols = ["AAPL", "MSFT", "GOOGL", "AMZN", "META", "TSLA", "NVDA", "JPM"];
    const w = new TickWindow(symbols, 60);
    let maxDirty = 0;
    for (let s = 0; s < 6 * 3600; s += 2) {
      for (const symbol of symbols) w.add(tick(symbol, s * 1000, 100 + (s % 17)));
      if (s % 600 === 0) {
        maxDirty = Math.max(maxDirty, w.size().dirty);
        w.drainChanges();
      }
    }
    const size = w.size();
    assert.equal(size.candles, 60 * symbols.length, "one window of candles per symbol");
    assert.equal(size.seen, SEEN_TICKS_PER_SYMBOL * symbols.length, "a bounded memory of event times");
    assert.ok(size.dirty <= 60 * symbols.length && maxDirty <= 60 * symbols.length, "pending changes never exceed the window");
    assert.equal(w.candles("AAPL")[59]!.ticks, 30);
  });

  it("refuses a window that is not a positive whole number of minutes", () => {
    assert.throws(() => new TickWindow(["AAPL"], 0), /windowMinutes must be a positive integer \(got 0\)/);
  });
});
