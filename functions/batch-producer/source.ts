import type { BatchSource } from "../../contract";
import type { Logger } from "../lib";
import { YahooNetworkError, type ChartClient } from "./client";
import { fetchChart, type RetryPolicy } from "./fetch";
import type { BatchMetrics } from "./metrics";
import { simulatedBars } from "./simulated";
import { chartToBars, type Conversion, type DateRange } from "./yahoo";

/** Where the daily bars of a symbol come from. */
export interface BarSource {
  readonly name: BatchSource;
  /** The bars of `symbol` in `range`, and the rows that did not become bars, with the reason. */
  bars(symbol: string, range: DateRange, signal?: AbortSignal): Promise<Conversion>;
  /** Whether an error says the source cannot be reached at all, rather than that one symbol failed. */
  unreachable(err: unknown): boolean;
}

/** Yahoo's chart API through yahoo-finance2, each symbol's request retried by `policy`. */
export function yahooSource(client: ChartClient, policy: RetryPolicy, deps: { log: Logger; metrics: BatchMetrics; now?: () => Date }): BarSource {
  const now = deps.now ?? (() => new Date());
  return {
    name: "yahoo",
    async bars(symbol, range, signal) {
      const chart = await fetchChart(client, symbol, range, policy, { log: deps.log, metrics: deps.metrics, signal });
      return chartToBars(symbol, chart, range, now());
    },
    unreachable: (err) => err instanceof YahooNetworkError,
  };
}

/** Bars from the seeded market model (`simulated.ts`): no network, the same bars on every run. */
export function simulatedSource(seed: number, now: () => Date = () => new Date()): BarSource {
  return {
    name: "simulated",
    bars: (symbol, range) => Promise.resolve(simulatedBars(symbol, range, seed, now())),
    unreachable: () => false,
  };
}
