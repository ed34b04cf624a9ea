import assert from "node:assert/strict";
import type { ChartResultArray } from "yahoo-finance2/modules/chart";
import { DEFAULT_BATCH_SYMBOLS } from "../../contract";
import { FIXTURE_NOW, FIXTURE_RANGE, fixtureClient } from "./fixtures/client";
import {
  ANOMALIES,
  ANOMALY_FROM,
  ANOMALY_SYMBOL,
  ANOMALY_TO,
  FIXTURE_TRADING_DAYS,
  NULLS_FIXTURE,
  chartFixture,
} from "./fixtures/generate";
import { readRecording } from "./fixtures/recordings";
import { chartOptions, chartToBars, exchangeDate } from "./yahoo";

/** The arrays of a recorded chart body, as they travel on the wire. */
interface WireChart {
  chart: {
    result: {
      meta: { exchangeTimezoneName: string };
      timestamp: number[];
      indicators: {
        quote: { open: (number | null)[]; high: (number | null)[]; low: (number | null)[]; close: (number | null)[]; volume: (number | null)[] }[];
        adjclose: { adjclose: (number | null)[] }[];
      };
    }[];
  };
}

function wire(file: string) {
  const result = (readRecording(file).response.bodyJson as WireChart).chart.result[0]!;
  return { ...result, quote: result.indicators.quote[0]!, adjclose: result.indicators.adjclose[0]!.adjclose };
}

describe("batch-producer yahoo", () => {
  describe("chartToBars over the recorded charts", () => {
    for (const symbol of DEFAULT_BATCH_SYMBOLS) {
      it(`${symbol}: ${FIXTURE_TRADING_DAYS} bars, the values and exchange dates of the wire arrays`, async () => {
        const { client } = fixtureClient();
        const chart = await client.chart(symbol, chartOptions(FIXTURE_RANGE));
        const { bars, skipped } = chartToBars(symbol, chart, FIXTURE_RANGE, FIXTURE_NOW);
        const w = wire(chartFixture(symbol));

        assert.equal(bars.length, FIXTURE_TRADING_DAYS);
        assert.deepEqual(skipped, []);
        assert.deepEqual(bars.map((b) => b.open), w.quote.open);
        assert.deepEqual(bars.map((b) => b.high), w.quote.high);
        assert.deepEqual(bars.map((b) => b.low), w.quote.low);
        assert.deepEqual(bars.map((b) => b.close), w.quote.close);
        assert.deepEqual(bars.map((b) => b.adj_close), w.adjclose);
        assert.deepEqual(bars.map((b) => b.volume), w.quote.volume);
        const newYork = new Intl.DateTimeFormat("en-CA", { timeZone: w.meta.exchangeTimezoneName });
        assert.deepEqual(bars.map((b) => b.trade_date), w.timestamp.map((t) => newYork.format(new Date(t * 1000))));
        assert.ok(bars.every((b) => b.symbol === symbol && b.source === "yahoo"));
      });
    }
  });

  it("skips and reports rows with null values and rows parseBar rejects", async () => {
    const { client } = fixtureClient(new Map([[ANOMALY_SYMBOL, [readRecording(NULLS_FIXTURE)]]]));
    const range = { from: ANOMALY_FROM, to: ANOMALY_TO };
    const { bars, skipped } = chartToBars(ANOMALY_SYMBOL, await client.chart(ANOMALY_SYMBOL, chartOptions(range)), range, FIXTURE_NOW);
    const w = wire(NULLS_FIXTURE);

    assert.deepEqual(
      skipped.map((s) => [s.index, s.reason]),
      [
        [ANOMALIES.allNull, "missing_value"],
        [ANOMALIES.volumeNull, "missing_value"],
        [ANOMALIES.highBelowLow, "inconsistent_prices"],
        [ANOMALIES.adjcloseNull, "missing_value"],
      ],
    );
    assert.match(skipped[0]!.detail, /open, high, low, close, adjclose, volume are empty/);
    assert.equal(skipped[1]!.detail, "volume is empty");
    assert.match(skipped[2]!.detail, /`high` [\d.]+ is below `low` [\d.]+ for INTC on 2024-01-19/);
    assert.equal(skipped[3]!.detail, "adjclose is empty");
    assert.equal(bars.length, w.timestamp.length - 4);
    const skippedDates = new Set(skipped.map((s) => s.trade_date));
    assert.ok(bars.every((b) => !skippedDates.has(b.trade_date)));
  });

  describe("chartToBars on edge cases", () => {
    const meta = {
      symbol: "AAPL",
      exchangeTimezoneName: "America/New_York",
      currentTradingPeriod: {
        regular: { start: new Date("2024-12-17T14:30:00Z"), end: new Date("2024-12-17T21:00:00Z") },
      },
    };
    const row = (iso: string, price = 100) => ({ date: new Date(iso), open: price, high: price + 1, low: price - 1, close: price, adjclose: price, volume: 1000 });
    const chart = (quotes: ReturnType<typeof row>[]) => ({ meta, quotes }) as unknown as ChartResultArray;
    const range = { from: "2024-12-10", to: "2024-12-17" };

    it("reports rows outside the range, a second row for a date, and the session still trading", () => {
      const quotes = [
        row("2024-12-09T14:30:00Z"),
        row("2024-12-16T14:30:00Z"),
        row("2024-12-16T20:59:00Z", 101),
        row("2024-12-17T14:30:00Z"),
      ];
      const { bars, skipped } = chartToBars("AAPL", chart(quotes), range, new Date("2024-12-17T18:00:00Z"));
      assert.deepEqual(bars.map((b) => b.trade_date), ["2024-12-16"]);
      assert.deepEqual(skipped.map((s) => [s.trade_date, s.reason]), [
        ["2024-12-09", "out_of_range"],
        ["2024-12-16", "duplicate_date"],
        ["2024-12-17", "session_open"],
      ]);
    });

    it("keeps the bar of a session once it has closed", () => {
      const { bars } = chartToBars("AAPL", chart([row("2024-12-17T14:30:00Z")]), range, new Date("2024-12-17T21:00:00Z"));
      assert.deepEqual(bars.map((b) => b.trade_date), ["2024-12-17"]);
    });

    it("reports NaN like null", () => {
      const { skipped } = chartToBars("AAPL", chart([{ ...row("2024-12-16T14:30:00Z"), close: Number.NaN }]), range, new Date("2025-01-01"));
      assert.deepEqual(skipped.map((s) => [s.reason, s.detail]), [["missing_value", "close is empty"]]);
    });

    it("refuses a chart of another symbol, naming both", () => {
      assert.throws(() => chartToBars("MSFT", chart([]), range, new Date()), /answered for "AAPL" when asked for "MSFT"/);
    });
  });

  it("dates a bar on the exchange's clock, not UTC's", () => {
    assert.equal(exchangeDate(new Date("2024-03-11T02:00:00Z"), "America/New_York"), "2024-03-10");
    assert.equal(exchangeDate(new Date("2024-03-11T02:00:00Z"), "Asia/Tokyo"), "2024-03-11");
  });

  it("asks chart() for daily bars from the first date to the end of the last", () => {
    assert.deepEqual(chartOptions({ from: "2024-01-01", to: "2024-12-31" }), {
      period1: new Date("2024-01-01T00:00:00Z"),
      period2: new Date("2025-01-01T00:00:00Z"),
      interval: "1d",
    });
  });
});
