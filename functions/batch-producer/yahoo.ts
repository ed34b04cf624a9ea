import type { ChartOptionsWithReturnArray, ChartResultArray } from "yahoo-finance2/modules/chart";
import { RecordError, parseBar, type DailyBar, type RejectCode } from "../../contract";

/** An inclusive range of trading dates, YYYY-MM-DD. */
export interface DateRange {
  from: string;
  to: string;
}

/**
 * Why a row of a chart did not become a bar: a value Yahoo left empty, a date outside the range
 * asked for, a second row for one date, the bar of a session still trading, or what `parseBar`
 * rejected.
 */
export type SkipReason = "missing_value" | "out_of_range" | "duplicate_date" | "session_open" | RejectCode;

export interface SkippedRow {
  symbol: string;
  /** Row of the chart (0-based). */
  index: number;
  /** The row's timestamp, ISO-8601 UTC. */
  time: string;
  trade_date: string;
  reason: SkipReason;
  detail: string;
}

export interface Conversion {
  bars: DailyBar[];
  skipped: SkippedRow[];
}

const DAY_MS = 86_400_000;

/** The `chart()` options for a daily range; `period2` is exclusive, so it is the day after `to`. */
export function chartOptions(range: DateRange): ChartOptionsWithReturnArray {
  return {
    period1: new Date(`${range.from}T00:00:00Z`),
    period2: new Date(Date.parse(`${range.to}T00:00:00Z`) + DAY_MS),
    interval: "1d",
  };
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();

/** The calendar date of `time` on the exchange's clock, YYYY-MM-DD. */
export function exchangeDate(time: Date, timeZone: string): string {
  let format = dateFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" });
    dateFormats.set(timeZone, format);
  }
  const parts = format.formatToParts(time);
  const get = (type: string) => parts.find((p) => p.type === type)!.value;
  return `${get("year")}-${get("month")}-${get("day")}`;
}

const VALUE_FIELDS = ["open", "high", "low", "close", "adjclose", "volume"] as const;

/**
 * Turns a `chart()` result into the bars of `symbol`. Keeps Yahoo's numbers exactly as they
 * arrived; never throws for a bad row, but reports it with the reason.
 */
export function chartToBars(symbol: string, chart: ChartResultArray, range: DateRange, now: Date): Conversion {
  if (chart.meta.symbol !== symbol) {
    throw new Error(`Yahoo answered for "${chart.meta.symbol}" when asked for "${symbol}"`);
  }
  const timeZone = chart.meta.exchangeTimezoneName;
  const session = chart.meta.currentTradingPeriod.regular;
  const bars: DailyBar[] = [];
  const skipped: SkippedRow[] = [];
  const seen = new Set<string>();
  for (const [index, quote] of chart.quotes.entries()) {
    const tradeDate = exchangeDate(quote.date, timeZone);
    const skip = (reason: SkipReason, detail: string) =>
      skipped.push({ symbol, index, time: quote.date.toISOString(), trade_date: tradeDate, reason, detail });
    const missing = VALUE_FIELDS.filter((f) => typeof quote[f] !== "number" || !Number.isFinite(quote[f]));
    if (missing.length > 0) {
      skip("missing_value", `${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} empty`);
      continue;
    }
    if (tradeDate < range.from || tradeDate > range.to) {
      skip("out_of_range", `${tradeDate} is outside ${range.from}..${range.to}`);
      continue;
    }
    // Yahoo serves the session in progress as a bar that keeps changing; it is final after the close.
    if (quote.date.getTime() >= session.start.getTime() && now.getTime() < session.end.getTime()) {
      skip("session_open", `the session of ${tradeDate} closes at ${session.end.toISOString()}`);
      continue;
    }
    if (seen.has(tradeDate)) {
      skip("duplicate_date", `a bar for ${tradeDate} came earlier in the chart`);
      continue;
    }
    const candidate: DailyBar = {
      symbol,
      trade_date: tradeDate,
      open: quote.open as number,
      high: quote.high as number,
      low: quote.low as number,
      close: quote.close as number,
      adj_close: quote.adjclose as number,
      volume: quote.volume as number,
      source: "yahoo",
    };
    try {
      bars.push(parseBar(candidate, now));
      seen.add(tradeDate);
    } catch (err) {
      if (!(err instanceof RecordError)) throw err;
      skip(err.code, err.message);
    }
  }
  return { bars, skipped };
}
