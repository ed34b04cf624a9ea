import { ENV, type EnvName } from "./env";
import type { IntSetting } from "./flush";
import { BATCH_SOURCES, type BatchSource } from "./records";
import { DEFAULT_BATCH_SYMBOLS, DEFAULT_REALTIME_SYMBOLS } from "./symbols";

/** A setting that takes one of a few values, declared once like {@link IntSetting}. */
export interface ChoiceSetting<T extends string> {
  readonly env: EnvName;
  readonly values: readonly T[];
  readonly default: T;
  readonly doc: string;
}

/** A comma-separated list of tickers (checked against SYMBOL_PATTERN by both readers). */
export interface SymbolsSetting {
  readonly env: EnvName;
  readonly default: readonly string[];
  readonly doc: string;
}

export const QUOTE_SOURCES = ["simulated", "live"] as const;
export type QuoteSource = (typeof QUOTE_SOURCES)[number];

/**
 * The producers' settings that the stack config sets and the producers read: the stack config's
 * parser and the functions' environment readers both apply these defaults and bounds.
 */
export const PRODUCER_SETTINGS = {
  symbols: { env: ENV.symbols, default: DEFAULT_REALTIME_SYMBOLS, doc: "Symbols of the realtime producer (and the dashboard)." },
  batchSymbols: { env: ENV.batchSymbols, default: DEFAULT_BATCH_SYMBOLS, doc: "Symbols of the batch producer." },
  tickIntervalMs: { env: ENV.tickIntervalMs, default: 2000, min: 100, max: 3_600_000, doc: "One tick per symbol per interval." },
  simulationSeed: { env: ENV.simulationSeed, default: 42, min: 0, max: 2 ** 31 - 1, doc: "Equal seeds give equal simulated ticks and bars." },
  quoteSource: { env: ENV.quoteSource, values: QUOTE_SOURCES, default: "simulated", doc: "`simulated` (a seeded random walk) or `live` (Finnhub; needs its API key)." },
  batchSource: { env: ENV.batchSource, values: BATCH_SOURCES, default: "yahoo", doc: "`yahoo` (daily bars through yahoo-finance2) or `simulated` (no internet needed)." },
} as const satisfies {
  symbols: SymbolsSetting;
  batchSymbols: SymbolsSetting;
  tickIntervalMs: IntSetting;
  simulationSeed: IntSetting;
  quoteSource: ChoiceSetting<QuoteSource>;
  batchSource: ChoiceSetting<BatchSource>;
};
