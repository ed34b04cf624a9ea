import type { ChartResultArray } from "yahoo-finance2/modules/chart";
import { retry, type Logger } from "../lib";
import { isRetryable, type ChartClient } from "./client";
import type { BatchMetrics } from "./metrics";
import { chartOptions, type DateRange } from "./yahoo";

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  /** First backoff delay; it doubles each attempt, with full jitter. */
  baseMs: number;
  maxMs: number;
  random?: () => number;
}

/**
 * Fetches the daily chart of one symbol, trying again on a rate limit, a server error or no
 * answer, and giving up at once on anything else (an unknown symbol never turns known).
 */
export async function fetchChart(
  client: ChartClient,
  symbol: string,
  range: DateRange,
  policy: RetryPolicy,
  deps: { log: Logger; metrics: BatchMetrics; signal?: AbortSignal },
): Promise<ChartResultArray> {
  const { log, metrics, signal } = deps;
  const attempt = async () => {
    const stopTimer = metrics.fetchSeconds.startTimer();
    try {
      return await client.chart(symbol, chartOptions(range));
    } finally {
      stopTimer();
    }
  };
  return retry(attempt, {
    attempts: policy.attempts,
    baseMs: policy.baseMs,
    maxMs: policy.maxMs,
    random: policy.random,
    retryable: isRetryable,
    signal,
    onRetry: (err, n, delayMs) => {
      metrics.fetchRetries.inc();
      log.warn("chart request failed, retrying", { symbol, attempt: n, attempts: policy.attempts, delayMs, err });
    },
  });
}
