import { ENV } from "../../contract";
import type { Logger } from "../lib";
import type { BatchMetrics } from "./metrics";
import type { BarPublisher } from "./publish";
import type { BarSource } from "./source";
import type { DateRange } from "./yahoo";

export interface RunOptions {
  symbols: readonly string[];
  range: DateRange;
}

export interface RunDeps {
  source: BarSource;
  publisher: BarPublisher;
  log: Logger;
  metrics: BatchMetrics;
  /** Aborting stops before the next symbol; the run then counts as failed. */
  signal?: AbortSignal;
}

/**
 * Symbols in a row that fail because the source cannot be reached before the run stops trying the
 * rest: without a network, ten symbols of retries would take minutes to say the same thing.
 */
export const UNREACHABLE_LIMIT = 2;

export interface SymbolOutcome {
  symbol: string;
  status: "published" | "failed" | "not_attempted";
  bars: number;
  skipped: number;
  ms: number;
  error?: string;
}

export interface RunSummary {
  range: DateRange;
  outcomes: SymbolOutcome[];
  bars: number;
  skipped: number;
  /** Symbols that failed or were never tried. */
  failed: string[];
  ms: number;
}

/**
 * What the run reports for its orchestrator, as the last line of stdout (and in `BATCH_SUMMARY_FILE`
 * when set): bars per symbol and where the records end on each partition, so that a scheduler can
 * wait until the sink's consumer group has committed past them.
 */
export interface BatchReport {
  msg: "batch summary";
  topic: string;
  from: string;
  to: string;
  bars: number;
  barsBySymbol: Record<string, number>;
  failed: string[];
  endOffsets: Record<string, string>;
}

export function batchReport(summary: RunSummary, topic: string, endOffsets: Record<string, string>): BatchReport {
  return {
    msg: "batch summary",
    topic,
    from: summary.range.from,
    to: summary.range.to,
    bars: summary.bars,
    barsBySymbol: Object.fromEntries(summary.outcomes.filter((o) => o.status === "published").map((o) => [o.symbol, o.bars])),
    failed: summary.failed,
    endOffsets,
  };
}

/** 0 when every symbol was published, 1 otherwise, so that the scheduler sees a partial batch. */
export function exitCode(summary: RunSummary): number {
  return summary.failed.length === 0 ? 0 : 1;
}

/**
 * Fetches, converts and publishes every symbol in turn. A symbol that fails does not stop the
 * others; the summary tells which ones did.
 */
export async function run(options: RunOptions, deps: RunDeps): Promise<RunSummary> {
  const { source, publisher, log, metrics, signal } = deps;
  const started = performance.now();
  const outcomes: SymbolOutcome[] = [];
  let unreachableInARow = 0;
  log.info("batch started", { source: source.name, symbols: options.symbols, from: options.range.from, to: options.range.to });
  for (const symbol of options.symbols) {
    if (signal?.aborted || unreachableInARow >= UNREACHABLE_LIMIT) {
      const error = signal?.aborted ? "stopped before this symbol" : `not tried: ${source.name} could not be reached for the last ${unreachableInARow} symbols`;
      outcomes.push({ symbol, status: "not_attempted", bars: 0, skipped: 0, ms: 0, error });
      continue;
    }
    const t0 = performance.now();
    const elapsed = () => Math.round(performance.now() - t0);
    try {
      const { bars, skipped } = await source.bars(symbol, options.range, signal);
      for (const row of skipped) {
        metrics.rowsSkipped.inc({ reason: row.reason });
        log.warn("row skipped", { ...row });
      }
      await publisher.publish(bars);
      metrics.barsPublished.inc(bars.length);
      const outcome: SymbolOutcome = { symbol, status: "published", bars: bars.length, skipped: skipped.length, ms: elapsed() };
      outcomes.push(outcome);
      unreachableInARow = 0;
      log.info("symbol published", { symbol, bars: outcome.bars, skipped: outcome.skipped, ms: outcome.ms });
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      outcomes.push({ symbol, status: "failed", bars: 0, skipped: 0, ms: elapsed(), error });
      log.error("symbol failed", { symbol, ms: elapsed(), err });
      unreachableInARow = source.unreachable(err) ? unreachableInARow + 1 : 0;
      if (unreachableInARow === UNREACHABLE_LIMIT && symbol !== options.symbols.at(-1)) {
        log.error(`${source.name} cannot be reached; the remaining symbols are not tried`, { source: source.name, hint: `${ENV.batchSource}=simulated publishes bars without a network` });
      }
    }
  }
  const summary: RunSummary = {
    range: options.range,
    outcomes,
    bars: outcomes.reduce((n, o) => n + o.bars, 0),
    skipped: outcomes.reduce((n, o) => n + o.skipped, 0),
    failed: outcomes.filter((o) => o.status !== "published").map((o) => o.symbol),
    ms: Math.round(performance.now() - started),
  };
  const fields = { bars: summary.bars, skipped: summary.skipped, failed: summary.failed, ms: summary.ms };
  if (summary.failed.length > 0) log.error("batch finished with failures", fields);
  else log.info("batch finished", fields);
  return summary;
}
