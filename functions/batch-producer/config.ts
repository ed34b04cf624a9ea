import { ENV, PRODUCER_SETTINGS, isSymbol, type BatchSource } from "../../contract";
import { EnvReader, isLevel, readKafkaClientSettings, type KafkaClientSettings, type Level } from "../lib";
import type { RetryPolicy } from "./fetch";
import type { DateRange } from "./yahoo";

export const COMPONENT = "batch-producer";

export interface BatchSettings {
  source: BatchSource;
  /** Seed of the simulated source; the realtime producer's simulation takes the same. */
  seed: number;
  symbols: string[];
  /** Trading dates to fetch, both ends included. */
  range: DateRange;
  retry: RetryPolicy;
}

export interface BatchConfig {
  batch: BatchSettings;
  kafka: KafkaClientSettings;
  /** 0 leaves the metrics server off, as befits a job that runs once. */
  metricsPort: number;
  /** A file that gets the run's summary too (it always goes to stdout, as the last line). */
  summaryFile?: string;
  logLevel: Level;
}

/** @default backoff of a chart request: 1 s doubling up to 30 s, 5 attempts in all. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseMs: 1_000, maxMs: 30_000 };

const { batchSymbols: SYMBOLS, batchSource: SOURCE, simulationSeed: SEED } = PRODUCER_SETTINGS;

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export function isIsoDate(text: string): boolean {
  const time = Date.parse(`${text}T00:00:00Z`);
  return ISO_DATE.test(text) && !Number.isNaN(time) && new Date(time).toISOString().startsWith(text);
}

export function utcDate(time: Date): string {
  return time.toISOString().slice(0, 10);
}

/** The same calendar date a year earlier (29 February gives 1 March). */
export function yearBefore(date: string): string {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  return utcDate(new Date(Date.UTC(y - 1, m - 1, d)));
}

const INVALID = Symbol("invalid");

function readDate(env: EnvReader, name: string): string | undefined | typeof INVALID {
  const text = env.optional(name);
  if (text === undefined) return undefined;
  if (!isIsoDate(text)) {
    env.problem(`\`${name}\` must be a date YYYY-MM-DD (got "${text}")`);
    return INVALID;
  }
  return text;
}

/** The range to fetch: `BATCH_FROM`..`BATCH_TO`, by default the year up to today (UTC). */
export function readRange(env: EnvReader, now: Date): DateRange {
  const today = utcDate(now);
  const from = readDate(env, ENV.batchFrom);
  const to = readDate(env, ENV.batchTo);
  if (from === INVALID || to === INVALID) return { from: yearBefore(today), to: today };
  if (to !== undefined && to > today) {
    env.problem(`\`${ENV.batchTo}\` must not be in the future (got "${to}", today is ${today})`);
  }
  const end = to ?? today;
  const start = from ?? yearBefore(end);
  if (start >= end) {
    const endText = to === undefined ? `today, ${end}` : `"${end}"`;
    env.problem(`\`${ENV.batchFrom}\` must be before \`${ENV.batchTo}\` (got "${start}" and ${endText})`);
  }
  return { from: start, to: end };
}

export function readSymbols(env: EnvReader): string[] {
  const symbols = env.list(SYMBOLS.env, SYMBOLS.default);
  const seen = new Set<string>();
  for (const symbol of symbols) {
    if (!isSymbol(symbol)) env.problem(`\`${ENV.batchSymbols}\` entries must be tickers such as AAPL or BRK-B (got "${symbol}")`);
    else if (seen.has(symbol)) env.problem(`\`${ENV.batchSymbols}\` lists "${symbol}" more than once`);
    seen.add(symbol);
  }
  return symbols;
}

export function readBatchSettings(env: EnvReader, now: Date): BatchSettings {
  return {
    source: env.oneOf(SOURCE.env, SOURCE.values, SOURCE.default),
    seed: env.int(SEED.env, SEED.default, { min: SEED.min, max: SEED.max }),
    symbols: readSymbols(env),
    range: readRange(env, now),
    retry: { ...DEFAULT_RETRY, attempts: env.int(ENV.batchFetchAttempts, DEFAULT_RETRY.attempts, { min: 1, max: 20 }) },
  };
}

function readLogLevel(env: EnvReader): Level {
  const level = env.string(ENV.logLevel, "info");
  if (isLevel(level)) return level;
  env.problem(`\`${ENV.logLevel}\` must be one of debug, info, warn, error (got "${level}")`);
  return "info";
}

/** Reads the whole configuration; throws an `EnvError` listing every problem, each naming the variable and the value. */
export function readConfig(vars: Readonly<Record<string, string | undefined>>, now: Date = new Date()): BatchConfig {
  const env = new EnvReader(vars);
  const config: BatchConfig = {
    batch: readBatchSettings(env, now),
    kafka: readKafkaClientSettings(env, COMPONENT),
    metricsPort: env.int(ENV.metricsPort, 0, { min: 0, max: 65_535 }),
    summaryFile: env.optional(ENV.batchSummaryFile),
    logLevel: readLogLevel(env),
  };
  env.done();
  return config;
}
