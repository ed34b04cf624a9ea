import { lookup } from "node:dns/promises";
import type { Logger } from "../lib";
import type { ScrapeTarget } from "./config";
import type { Observation, ScrapeOutcome } from "./health";
import { parsePrometheusText } from "./prometheus";

/** Largest /metrics answer read; a function's is a few KiB. */
export const MAX_METRICS_BYTES = 4 * 1024 * 1024;
/** Samples kept per answer. */
export const MAX_SAMPLES = 20_000;

/** Network errors that mean nothing listens there: the function is down, not merely slow. */
const DOWN_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH"]);

class TooLarge extends Error {}

function causeCode(err: unknown): string | undefined {
  const cause = (err as { cause?: { code?: unknown } }).cause;
  return typeof cause?.code === "string" ? cause.code : undefined;
}

async function readBounded(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get("content-length") ?? NaN);
  if (declared > maxBytes) throw new TooLarge(`answer of ${declared} bytes is above the limit of ${maxBytes}`);
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new TooLarge(`answer is above the limit of ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export interface ScrapeOptions {
  timeoutMs: number;
  /** @default the global fetch */
  fetch?: typeof fetch;
  maxBytes?: number;
}

/** Reads `/metrics` and `/readyz` of one instance within `timeoutMs`; never throws. */
export async function scrapeInstance(baseUrl: string, options: ScrapeOptions): Promise<ScrapeOutcome> {
  const { timeoutMs, maxBytes = MAX_METRICS_BYTES } = options;
  const fetchFn = options.fetch ?? fetch;
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const [metrics, ready] = await Promise.all([fetchFn(`${baseUrl}/metrics`, { signal }), fetchFn(`${baseUrl}/readyz`, { signal })]);
    const [text, readyBody] = await Promise.all([readBounded(metrics, maxBytes), readBounded(ready, 64 * 1024)]);
    if (!metrics.ok) return { kind: "unknown", error: `/metrics answered HTTP ${metrics.status}` };
    if (ready.status !== 200 && ready.status !== 503) return { kind: "unknown", error: `/readyz answered HTTP ${ready.status}` };
    const { samples, errors } = parsePrometheusText(text, MAX_SAMPLES);
    if (samples.length === 0 && errors.length > 0) return { kind: "unknown", error: `/metrics is not Prometheus text (line ${errors[0]!.line}: ${errors[0]!.message})` };
    return ready.status === 200 ? { kind: "answered", ready: true, samples } : { kind: "answered", ready: false, readyDetail: readyDetail(readyBody), samples };
  } catch (err) {
    if (signal.aborted) return { kind: "unknown", error: `no answer within ${timeoutMs} ms` };
    if (err instanceof TooLarge) return { kind: "unknown", error: err.message };
    const code = causeCode(err);
    if (code !== undefined && DOWN_CODES.has(code)) return { kind: "down", error: code === "ENOTFOUND" ? "host not found" : `connection failed (${code})` };
    return { kind: "unknown", error: code ?? (err instanceof Error ? err.message : String(err)) };
  }
}

/** The reason a function gives for not being ready, from its /readyz JSON (see functions/lib/metrics.ts). */
function readyDetail(body: string): string | undefined {
  try {
    const details = (JSON.parse(body) as { details?: unknown }).details;
    return details === undefined ? undefined : JSON.stringify(details).slice(0, 200);
  } catch {
    return undefined;
  }
}

export type Resolver = (host: string) => Promise<string[]>;

const systemResolver: Resolver = async (host) => (await lookup(host, { all: true })).map((a) => (a.family === 6 ? `[${a.address}]` : a.address));

/** The instances behind a target: itself, or every address of its host for `dns` discovery. */
export async function instancesOf(target: ScrapeTarget, resolve: Resolver = systemResolver): Promise<{ instance: string; url: string }[] | { error: string }> {
  const url = new URL(target.url);
  if (target.discovery === "static") return [{ instance: url.host, url: target.url }];
  let addresses: string[];
  try {
    addresses = [...new Set(await resolve(url.hostname))].sort();
  } catch (err) {
    return { error: causeCode(err) ?? (err as { code?: string }).code ?? String(err) };
  }
  if (addresses.length === 0) return { error: "no address" };
  return addresses.map((address) => {
    const instance = `${address}:${url.port || (url.protocol === "https:" ? "443" : "80")}`;
    return { instance, url: `${url.protocol}//${instance}` };
  });
}

/** One round: every instance of every target, scraped at once. */
export async function scrapeRound(targets: readonly ScrapeTarget[], options: ScrapeOptions & { resolve?: Resolver }): Promise<Observation[]> {
  const perTarget = await Promise.all(
    targets.map(async (target): Promise<Observation[]> => {
      const found = await instancesOf(target, options.resolve);
      if ("error" in found) {
        return [{ target: target.name, instance: new URL(target.url).host, outcome: { kind: "down", error: `no instance: ${found.error}` } }];
      }
      return Promise.all(found.map(async ({ instance, url }) => ({ target: target.name, instance, outcome: await scrapeInstance(url, options) })));
    }),
  );
  return perTarget.flat();
}

/**
 * Scrapes every `intervalMs` (a round still running delays the next, never overlaps it) and hands
 * each round to `onRound`. Returns a stop function.
 */
export function startScrapeLoop(
  targets: readonly ScrapeTarget[],
  options: ScrapeOptions & { intervalMs: number; resolve?: Resolver; log: Logger; onRound: (at: number, round: Observation[]) => void; now?: () => number },
): () => Promise<void> {
  const now = options.now ?? Date.now;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = (async () => {
      const started = now();
      try {
        options.onRound(now(), await scrapeRound(targets, options));
      } catch (err) {
        options.log.error("scrape round failed", { err });
      }
      if (!stopped) timer = setTimeout(tick, Math.max(0, options.intervalMs - (now() - started)));
    })();
  };
  tick();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await running;
  };
}
