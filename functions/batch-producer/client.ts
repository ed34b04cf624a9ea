import YahooFinance from "yahoo-finance2";
import { ExtendedCookieJar } from "yahoo-finance2/lib/cookieJar";
import type { ChartOptionsWithReturnArray, ChartResultArray } from "yahoo-finance2/modules/chart";
import type { Logger } from "../lib";

/** The one call of yahoo-finance2 the batch producer makes; tests may stand in for it. */
export interface ChartClient {
  chart(symbol: string, options: ChartOptionsWithReturnArray): Promise<ChartResultArray>;
}

/** Yahoo answered with a status worth another try (429 or 5xx). */
export class YahooHttpError extends Error {
  constructor(
    readonly status: number,
    readonly url: string,
    body: string,
  ) {
    super(`Yahoo answered ${status} for ${url}${body ? `: ${body.slice(0, 200)}` : ""}`);
    this.name = "YahooHttpError";
  }
}

/** The request never got an answer: connection refused or reset, DNS, timeout. */
export class YahooNetworkError extends Error {
  constructor(
    readonly url: string,
    cause: unknown,
  ) {
    super(`no answer from ${url}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = "YahooNetworkError";
  }
}

/** Whether a failed chart request may succeed when tried again; a 404 or unknown symbol never does. */
export function isRetryable(err: unknown): boolean {
  if (err instanceof YahooNetworkError) return true;
  return err instanceof YahooHttpError && (err.status === 429 || err.status >= 500);
}

function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/**
 * Wraps the fetch that yahoo-finance2 will call: a request gets a timeout, and the answers worth
 * retrying become typed errors before the library turns them into an untyped `HTTPError` (and
 * prints the URL with `console.error`, which would break our one-JSON-object-a-line logs).
 */
export function guardedFetch(inner: typeof fetch, timeoutMs: number): typeof fetch {
  const guarded = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = input instanceof Request ? input.url : input.toString();
    let response: Response;
    try {
      response = await inner(input, { ...init, signal: init?.signal ?? AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      throw new YahooNetworkError(url, err);
    }
    if (isRetryableStatus(response.status)) {
      throw new YahooHttpError(response.status, url, (await response.text().catch(() => "")).trim());
    }
    return response;
  };
  return guarded as typeof fetch;
}

function describe(value: unknown): string {
  if (typeof value === "string") return value;
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  return JSON.stringify(value) ?? String(value);
}

export interface YahooClientOptions {
  /** The HTTP client; tests hand in one that replays recordings. @default globalThis.fetch */
  fetch?: typeof fetch;
  log: Logger;
  /** @default 30000 */
  requestTimeoutMs?: number;
}

/**
 * Creates the yahoo-finance2 client at the edge. Its own chatter (notices, schema warnings, the
 * Node version warning) goes through our logger; it never checks npm for a newer version.
 */
export function createYahooClient(options: YahooClientOptions): ChartClient {
  const { log, requestTimeoutMs = 30_000 } = options;
  const forward = (level: "debug" | "info" | "warn" | "error") => (...args: unknown[]) =>
    log[level]("yahoo-finance2", { detail: args.map(describe).join(" ") });
  return new YahooFinance({
    fetch: guardedFetch(options.fetch ?? globalThis.fetch, requestTimeoutMs),
    // A jar per client: the library's default jar is shared by every client in the process.
    cookieJar: new ExtendedCookieJar(),
    suppressNotices: ["yahooSurvey"],
    versionCheck: false,
    logger: { debug: forward("debug"), info: forward("info"), warn: forward("warn"), error: forward("error"), dir: forward("debug") },
  });
}
