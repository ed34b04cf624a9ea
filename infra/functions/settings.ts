import type { BatchSource, QuoteSource } from "../../contract";

/** Our functions' settings, without any SDK: the stack config parses them, the components take them. */

export interface SinkDeploymentSettings {
  /** Flush a partition's buffer at this many records. @default 100000 */
  flushRecords: number;
  /** ... or at this many bytes. @default 16777216 (16 MiB) */
  flushBytes: number;
  /** ... or when its oldest record has waited this long. @default 60000 */
  flushIntervalMs: number;
  /** ... or, per topic, when no record has arrived for this long (0 = never). @default realtime 0, batch 500 */
  flushIdleMs: { realtime: number; batch: number };
  /** Sink instances (one consumer group). @default 1 on `local`, 2 on `cloud` */
  replicas: number;
}

export interface FunctionsSettings {
  /** Symbols of the realtime producer. @default AAPL MSFT GOOGL AMZN META TSLA NVDA JPM */
  symbols: string[];
  /** Symbols of the batch producer. @default AAPL MSFT GOOGL AMZN META TSLA NVDA INTC JPM V */
  batchSymbols: string[];
  /** Interval between two ticks of a symbol. @default 2000 */
  tickIntervalMs: number;
  /** Seed of the simulated quote source; equal seeds give equal ticks. @default 42 */
  simulationSeed: number;
  /** `simulated` (random walk) or `live` (needs the `quoteApiKey` secret). @default "simulated" */
  quoteSource: QuoteSource;
  /**
   * `yahoo` (daily bars from Yahoo through yahoo-finance2) or `simulated` (bars from the same
   * seeded model as the simulated ticks, for machines without internet). @default "yahoo"
   */
  batchSource: BatchSource;
  sink: SinkDeploymentSettings;
}
