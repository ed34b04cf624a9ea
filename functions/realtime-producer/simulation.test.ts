import assert from "node:assert/strict";
import { DEFAULT_REALTIME_SYMBOLS, parseTick, type Tick } from "../../contract";
import {
  MIN_PRICE,
  SYMBOL_PROFILES,
  intervalVolatility,
  quoteAround,
  simulate,
  symbolProfile,
  type SimulationConfig,
} from "./simulation";

const START = Date.UTC(2026, 0, 5, 14, 30);
const SYMBOLS = [...DEFAULT_REALTIME_SYMBOLS];

function config(overrides: Partial<SimulationConfig> = {}): SimulationConfig {
  return { seed: 42, symbols: SYMBOLS, intervalMs: 2000, ...overrides };
}

function series(intervals: Tick[][], symbol: string): Tick[] {
  return intervals.map((ticks) => ticks.find((t) => t.symbol === symbol)!);
}

/** An assertion that builds its message only when it fails: these run 90,000 times. */
function check(ok: boolean, message: () => string): void {
  if (!ok) assert.fail(message());
}

function stdev(values: number[]): number {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1));
}

describe("simulation", () => {
  describe("determinism", () => {
    it("gives identical 1,000 intervals for the same seed, symbols and start", () => {
      const a = simulate(config(), START, 1000);
      const b = simulate(config(), START, 1000);
      assert.equal(a.length, 1000);
      assert.deepEqual(a, b);
    });

    it("gives a different walk for a different seed", () => {
      const a = series(simulate(config({ seed: 42 }), START, 1000), "AAPL").map((t) => t.price);
      const b = series(simulate(config({ seed: 43 }), START, 1000), "AAPL").map((t) => t.price);
      assert.notDeepEqual(a, b);
      const same = a.filter((p, i) => p === b[i]).length;
      assert.ok(same < 100, `${same} of 1000 prices coincide`);
    });

    it("keeps a symbol's walk when other symbols are added or removed", () => {
      const alone = series(simulate(config({ symbols: ["MSFT"] }), START, 200), "MSFT");
      const withOthers = series(simulate(config(), START, 200), "MSFT");
      assert.deepEqual(alone, withOthers);
    });

    it("derives a stable profile for an unknown symbol from the seed and the symbol", () => {
      assert.deepEqual(symbolProfile("ZZZ", 7), symbolProfile("ZZZ", 7));
      assert.notDeepEqual(symbolProfile("ZZZ", 7), symbolProfile("ZZZ", 8));
      assert.notDeepEqual(symbolProfile("ZZZ", 7), symbolProfile("YYY", 7));
      const p = symbolProfile("ZZZ", 7);
      assert.ok(p.startPrice >= 10 && p.startPrice < 500, `start price ${p.startPrice}`);
    });
  });

  it("starts near the real levels and stamps each interval with its scheduled time", () => {
    const [first, second] = simulate(config(), START, 2);
    for (const tick of first!) {
      const start = SYMBOL_PROFILES[tick.symbol]!.startPrice;
      assert.ok(Math.abs(tick.price / start - 1) < 0.01, `${tick.symbol} starts at ${tick.price}, profile ${start}`);
      assert.equal(tick.event_time, "2026-01-05T14:30:00.000Z");
    }
    assert.ok(second!.every((t) => t.event_time === "2026-01-05T14:30:02.000Z"));
  });

  describe("realism over 10,000 intervals per symbol", () => {
    const symbols = [...SYMBOLS, "ZZZ"];
    for (const intervalMs of [2000, 100]) {
      it(`holds prices, spreads, volumes and volatility at ${intervalMs} ms`, () => {
        const cfg = config({ symbols, intervalMs });
        const intervals = simulate(cfg, START, 10_000);
        const now = new Date(START + 10_000 * intervalMs);
        for (const symbol of symbols) {
          const profile = symbolProfile(symbol, cfg.seed);
          const ticks = series(intervals, symbol);
          const widestBps = profile.spreadBps * 1.25;
          for (const t of ticks) {
            const where = () => `${symbol} at ${t.event_time}: ${JSON.stringify(t)}`;
            try {
              parseTick(JSON.parse(JSON.stringify(t)), now);
            } catch (err) {
              assert.fail(`${where()}: ${(err as Error).message}`);
            }
            check(t.price >= MIN_PRICE && t.bid >= 0.01, where);
            check(t.bid < t.price && t.price < t.ask, where);
            check([t.price, t.bid, t.ask].every((v) => Math.round(v * 100) / 100 === v), where);
            const spread = t.ask - t.bid;
            check(spread >= 0.02 - 1e-9 && spread <= (t.price * widestBps) / 10_000 + 0.02 + 1e-9, where);
            check(Number.isInteger(t.volume) && t.volume >= 0, where);
          }
          const returns = ticks.slice(1).map((t, i) => Math.log(t.price / ticks[i]!.price));
          const expected = intervalVolatility(profile.annualVolatility, intervalMs);
          const actual = stdev(returns);
          assert.ok(actual > expected / 2 && actual < expected * 2, `${symbol} stdev ${actual} vs ${expected}`);

          const volumes = ticks.map((t) => t.volume);
          const expectedMean = (profile.dailyVolume * intervalMs) / (6.5 * 3_600_000);
          const mean = volumes.reduce((a, b) => a + b, 0) / volumes.length;
          assert.ok(mean > expectedMean / 2 && mean < expectedMean * 2, `${symbol} mean volume ${mean} vs ${expectedMean}`);
          const sorted = [...volumes].sort((a, b) => a - b);
          assert.ok(sorted[sorted.length - 1]! > 5 * sorted[sorted.length >> 1]!, `${symbol} has no volume burst`);
        }
      });
    }
  });

  describe("quoteAround", () => {
    it("puts bid and ask a few basis points around the price", () => {
      assert.deepEqual(quoteAround(230, 2), { bid: 229.97, ask: 230.03 });
    });

    it("keeps at least a cent either side and a positive bid at the lowest price", () => {
      assert.deepEqual(quoteAround(5, 2), { bid: 4.99, ask: 5.01 });
      assert.deepEqual(quoteAround(MIN_PRICE, 5), { bid: 0.01, ask: 0.03 });
    });
  });
});
