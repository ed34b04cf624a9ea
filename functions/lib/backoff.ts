/** Exponential backoff with full jitter (the AWS architecture blog's recommendation). */
export interface BackoffOptions {
  /** First delay in ms. @default 200 */
  baseMs?: number;
  /** Largest delay in ms. @default 10000 */
  maxMs?: number;
  /** Attempts in all, including the first; Infinity retries until `signal` aborts. @default 5 */
  attempts?: number;
  /** Whether an error is worth another attempt. @default every error */
  retryable?: (err: unknown) => boolean;
  /** Called before each wait, e.g. to log. */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  signal?: AbortSignal;
  random?: () => number;
  /** How to wait; tests pass one that returns at once. @default {@link sleep} */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(random() * ceiling);
}

export async function retry<T>(fn: (attempt: number) => Promise<T>, options: BackoffOptions = {}): Promise<T> {
  const { baseMs = 200, maxMs = 10_000, attempts = 5, retryable = () => true, onRetry, signal, random, sleep: wait = sleep } = options;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= attempts || !retryable(err) || signal?.aborted) throw err;
      const delay = backoffDelay(attempt, baseMs, maxMs, random);
      onRetry?.(err, attempt, delay);
      await wait(delay, signal);
    }
  }
}

/** Resolves after `ms`, or early (without throwing) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
