import assert from "node:assert/strict";
import { barId, parseBar } from "../../contract";
import { SYMBOL_PROFILES } from "../realtime-producer/simulation";
import { SIMULATION_ANCHOR, isTradingDay, simulatedBars } from "./simulated";

const NOW = new Date("2026-06-15T12:00:00Z");

describe("simulated daily bars", () => {
  it("gives a bar for every weekday of the range whose session is over, in date order", () => {
    const { bars, skipped } = simulatedBars("AAPL", { from: "2026-06-01", to: "2026-06-15" }, 42, NOW);
    assert.deepEqual(skipped, []);
    assert.deepEqual(
      bars.map((b) => b.trade_date),
      ["2026-06-01", "2026-06-02", "2026-06-03", "2026-06-04", "2026-06-05", "2026-06-08", "2026-06-09", "2026-06-10", "2026-06-11", "2026-06-12"],
      "no weekend, and not today's session (still trading)",
    );
    assert.ok(!isTradingDay("2026-06-13") && isTradingDay("2026-06-12"));
  });

  it("makes valid bars: cents, low <= open, close <= high, positive volume, source simulated", () => {
    for (const symbol of ["AAPL", "TSLA", "NVDA", "BRK-B"]) {
      const { bars } = simulatedBars(symbol, { from: "2016-01-01", to: "2026-06-12" }, 7, NOW);
      assert.ok(bars.length > 2_600, symbol);
      for (const bar of bars) {
        assert.deepEqual(parseBar(bar, NOW), bar);
        assert.ok(bar.low <= Math.min(bar.open, bar.close) && bar.high >= Math.max(bar.open, bar.close), `${symbol} ${bar.trade_date}`);
        for (const price of [bar.open, bar.high, bar.low, bar.close]) assert.equal(Math.round(price * 100) / 100, price);
        assert.ok(Number.isSafeInteger(bar.volume) && bar.volume > 0);
        assert.equal(bar.source, "simulated");
        assert.equal(bar.adj_close, bar.close);
      }
    }
  });

  it("gives a day the same bar whatever range asks for it, so that re-runs and backfills agree", () => {
    const year = simulatedBars("MSFT", { from: "2025-06-01", to: "2026-05-31" }, 42, NOW).bars;
    const month = simulatedBars("MSFT", { from: "2025-12-01", to: "2025-12-31" }, 42, NOW).bars;
    const older = simulatedBars("MSFT", { from: "2019-03-01", to: "2019-03-31" }, 42, NOW).bars;
    const decade = simulatedBars("MSFT", { from: "2019-01-01", to: "2026-05-31" }, 42, NOW).bars;
    const byId = new Map(decade.map((b) => [barId(b), b]));
    for (const bar of [...year, ...month, ...older]) assert.deepEqual(byId.get(barId(bar)), bar);
    assert.equal(new Set(decade.map(barId)).size, decade.length);
  });

  it("starts at the symbol's profile level on the anchor day, and moves with the profile's volatility", () => {
    const profile = SYMBOL_PROFILES.AAPL!;
    const [anchor] = simulatedBars("AAPL", { from: SIMULATION_ANCHOR, to: SIMULATION_ANCHOR }, 42, NOW).bars;
    assert.equal(anchor!.close, profile.startPrice);
    const { bars } = simulatedBars("AAPL", { from: "2014-01-01", to: "2026-06-12" }, 42, NOW);
    const returns = bars.slice(1).map((b, i) => Math.log(b.close / bars[i]!.close));
    const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
    const sd = Math.sqrt(returns.reduce((a, r) => a + (r - mean) ** 2, 0) / (returns.length - 1));
    const annual = sd * Math.sqrt(252);
    assert.ok(Math.abs(annual - profile.annualVolatility) < 0.03, `annualised volatility ${annual.toFixed(3)} vs ${profile.annualVolatility}`);
  });

  it("changes with the seed and keeps symbols independent", () => {
    const range = { from: "2026-01-01", to: "2026-03-31" };
    assert.notDeepEqual(simulatedBars("AAPL", range, 1, NOW).bars, simulatedBars("AAPL", range, 2, NOW).bars);
    const aapl = simulatedBars("AAPL", range, 1, NOW).bars.map((b) => b.close / SYMBOL_PROFILES.AAPL!.startPrice);
    const msft = simulatedBars("MSFT", range, 1, NOW).bars.map((b) => b.close / SYMBOL_PROFILES.MSFT!.startPrice);
    assert.notDeepEqual(aapl, msft);
  });

  it("gives nothing for a range in the future, and refuses a range that is not two dates", () => {
    assert.deepEqual(simulatedBars("AAPL", { from: "2026-07-01", to: "2026-07-31" }, 42, NOW).bars, []);
    assert.throws(() => simulatedBars("AAPL", { from: "2026-02-30", to: "2026-03-01" }, 42, NOW), /two dates YYYY-MM-DD \(got 2026-02-30\.\.2026-03-01\)/);
  });
});
