import { ENV, type Tick } from "../../contract";
import { backoffDelay } from "../lib";
import type { Backoff } from "./producer";
import { DEFAULT_SPREAD_BPS, MIN_PRICE, SYMBOL_PROFILES, quoteAround, roundCents } from "./simulation";
import type { QuoteSource, SourceFailure } from "./source";

/**
 * Live quotes from Finnhub's quote endpoint (`GET /api/v1/quote?symbol=AAPL`, key in the
 * `X-Finnhub-Token` header so that it never appears in a URL, a proxy log or an error message).
 *
 * The endpoint gives the last trade only: `{"c": last, "d", "dp", "h", "l", "o", "pc", "t": epoch s}`.
 * What the tick carries beyond that is derived, not observed:
 * - `price` is `c` rounded to cents, `event_time` is `t` (the quote's own time, not the interval's);
 * - `bid`/`ask` come from the simulation's spread model ({@link quoteAround}) around `c`, with the
 *   symbol's profile spread (or {@link DEFAULT_SPREAD_BPS});
 * - `volume` is 0: the endpoint has no per-trade volume.
 * A quote whose `t` is not newer than the last one emitted for the symbol is skipped, so a closed
 * market or a poll faster than the trades never produces a duplicate tick. A symbol whose request
 * failed is not asked again before its own backoff has passed (measured in interval time), so that
 * one delisted symbol neither slows the others nor spends the plan's rate limit.
 */

export const FINNHUB_QUOTE_URL = "https://finnhub.io/api/v1/quote";
export const FINNHUB_TOKEN_HEADER = "X-Finnhub-Token";
/** Calls a minute of Finnhub's free plan; above it most polls answer 429. */
export const FINNHUB_FREE_CALLS_PER_MINUTE = 60;

export type QuoteErrorCode = "rate_limited" | "unauthorized" | "http_error" | "malformed" | "no_data" | "network";

export class QuoteError extends Error {
  constructor(
    readonly code: QuoteErrorCode,
    readonly symbol: string,
    message: string,
  ) {
    super(message);
    this.name = "QuoteError";
  }
}

/** The fields of a Finnhub quote this source uses. */
export interface FinnhubQuote {
  /** Last trade price. */
  c: number;
  /** Time of the last trade, epoch seconds. */
  t: number;
}

const SNIPPET = 120;

function snippet(body: string): string {
  const flat = body.replace(/\s+/g, " ").trim();
  return flat.length > SNIPPET ? `${flat.slice(0, SNIPPET)}...` : flat;
}

/** Interprets one answer of the quote endpoint; throws a {@link QuoteError} naming the symbol and what was wrong. */
export function parseFinnhubResponse(symbol: string, status: number, body: string): FinnhubQuote {
  if (status === 429) throw new QuoteError("rate_limited", symbol, `Finnhub rate limit reached for ${symbol} (HTTP 429)`);
  if (status === 401 || status === 403) {
    throw new QuoteError("unauthorized", symbol, `Finnhub rejected the API key for ${symbol} (HTTP ${status}): check the secret behind ${ENV.quoteApiKey}`);
  }
  if (status < 200 || status > 299) throw new QuoteError("http_error", symbol, `Finnhub answered HTTP ${status} for ${symbol}: "${snippet(body)}"`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new QuoteError("malformed", symbol, `Finnhub's quote for ${symbol} is not JSON (got "${snippet(body)}")`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new QuoteError("malformed", symbol, `Finnhub's quote for ${symbol} is not an object (got "${snippet(body)}")`);
  }
  const { c, t } = parsed as Record<string, unknown>;
  for (const [name, v] of [["c", c], ["t", t]] as const) {
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw new QuoteError("malformed", symbol, `\`${name}\` of Finnhub's quote for ${symbol} must be a number (got ${JSON.stringify(v) ?? "nothing"})`);
    }
  }
  const quote = { c: c as number, t: t as number };
  // Finnhub answers 200 with zeros for symbols it does not know or the plan does not cover.
  if (quote.c <= 0 || quote.t <= 0) {
    throw new QuoteError("no_data", symbol, `Finnhub has no quote for ${symbol} (c ${quote.c}, t ${quote.t}): unknown symbol or not in the plan`);
  }
  if (roundCents(quote.c) < MIN_PRICE) {
    throw new QuoteError("malformed", symbol, `Finnhub's price for ${symbol} is below ${MIN_PRICE} (got ${quote.c}), too low for a bid and an ask in cents`);
  }
  return quote;
}

/** A tick from a quote; see the module comment for what is derived. */
export function quoteToTick(symbol: string, quote: FinnhubQuote): Tick {
  const price = roundCents(quote.c);
  const { bid, ask } = quoteAround(price, SYMBOL_PROFILES[symbol]?.spreadBps ?? DEFAULT_SPREAD_BPS);
  return { symbol, event_time: new Date(Math.round(quote.t * 1000)).toISOString(), price, bid, ask, volume: 0, source: "live" };
}

/** Replaces every occurrence of `secret` in `text`. */
export function redact(text: string, secret: string): string {
  return secret === "" ? text : text.split(secret).join("***");
}

export interface LiveSourceOptions {
  symbols: readonly string[];
  apiKey: string;
  /** @default the global fetch */
  fetch?: typeof fetch;
  /** @default {@link FINNHUB_QUOTE_URL} */
  url?: string;
  /** Timeout of one request. @default 5000 */
  timeoutMs?: number;
  /** How long a failing symbol rests before it is asked again. @default 2 s doubling to 5 min */
  backoff?: Backoff;
  /** Jitter of the backoff. @default Math.random */
  random?: () => number;
}

export function liveSource(options: LiveSourceOptions): QuoteSource {
  const { symbols, apiKey, fetch: fetchFn = fetch, url = FINNHUB_QUOTE_URL, timeoutMs = 5000, random } = options;
  const backoff = options.backoff ?? { baseMs: 2000, maxMs: 300_000 };
  const lastTime = new Map<string, number>();
  const resting = new Map<string, { failures: number; untilMs: number }>();

  async function fetchQuote(symbol: string, signal: AbortSignal): Promise<FinnhubQuote> {
    let status: number;
    let body: string;
    try {
      const res = await fetchFn(`${url}?symbol=${encodeURIComponent(symbol)}`, {
        headers: { [FINNHUB_TOKEN_HEADER]: apiKey, accept: "application/json" },
        signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
      });
      status = res.status;
      body = await res.text();
    } catch (err) {
      throw new QuoteError("network", symbol, `could not reach Finnhub for ${symbol}: ${describeError(err)}`);
    }
    return parseFinnhubResponse(symbol, status, body);
  }

  function failure(symbol: string, err: unknown): SourceFailure {
    const code = err instanceof QuoteError ? err.code : "network";
    const message = err instanceof Error ? err.message : String(err);
    return { symbol, error: new QuoteError(code, symbol, redact(message, apiKey)) };
  }

  return {
    kind: "live",
    symbols,
    replayable: false,
    quotes: async (eventTimeMs, signal) => {
      const due = symbols.filter((symbol) => (resting.get(symbol)?.untilMs ?? -Infinity) <= eventTimeMs);
      const results = await Promise.all(
        due.map(async (symbol) => {
          try {
            return { symbol, quote: await fetchQuote(symbol, signal) };
          } catch (err) {
            return { symbol, failure: failure(symbol, err) };
          }
        }),
      );
      const batch = { ticks: [] as Tick[], failures: [] as SourceFailure[] };
      for (const r of results) {
        if (r.failure) {
          const failures = (resting.get(r.symbol)?.failures ?? 0) + 1;
          resting.set(r.symbol, { failures, untilMs: eventTimeMs + backoffDelay(failures, backoff.baseMs, backoff.maxMs, random) });
          batch.failures.push(r.failure);
          continue;
        }
        resting.delete(r.symbol);
        if (r.quote && r.quote.t > (lastTime.get(r.symbol) ?? 0)) {
          lastTime.set(r.symbol, r.quote.t);
          batch.ticks.push(quoteToTick(r.symbol, r.quote));
        }
      }
      return batch;
    },
  };
}

/** Node's fetch hides the reason (ECONNREFUSED, a timeout) in `cause`. */
function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : "";
  return `${err.message}${cause}`;
}

/** Quote requests a minute that a symbol list and interval make. */
export function callsPerMinute(symbolCount: number, intervalMs: number): number {
  return (symbolCount * 60_000) / intervalMs;
}
