import { TOPICS } from "../../contract";
import { backoffDelay, sleep, type Logger } from "../lib";
import { sendWithRetry, validateTicks, type Backoff, type ProducerMetrics, type TickProducer, type Timer } from "./producer";
import type { QuoteSource, SourceBatch } from "./source";

/** Ticks sit on a fixed grid: slot k is due at `start + k * interval`, whatever the sends cost. */
export function slotTime(startMs: number, intervalMs: number, slot: number): number {
  return startMs + slot * intervalMs;
}

/** The first slot's time: the next whole multiple of the interval, so that restarts keep the same grid. */
export function firstSlotTime(nowMs: number, intervalMs: number): number {
  return (Math.floor(nowMs / intervalMs) + 1) * intervalMs;
}

/**
 * The slot after `lastSlot` when the loop is free at `atMs`. A replayable source catches up on
 * every slot in order; a live one jumps to the latest slot already due, so that falling behind
 * never turns into a burst of stale polls.
 */
export function nextSlot(startMs: number, intervalMs: number, lastSlot: number, atMs: number, replayable: boolean): number {
  if (replayable) return lastSlot + 1;
  return Math.max(lastSlot + 1, Math.floor((atMs - startMs) / intervalMs));
}

/** What the health endpoints report; the loop keeps it current. */
export interface LoopStatus {
  /** Kafka acknowledged the last send (or nothing was sent yet and none failed). */
  ready: boolean;
  running: boolean;
  intervals: number;
  ticks: number;
  lastEventTime?: string;
  consecutiveSourceFailures: number;
}

export function initialStatus(): LoopStatus {
  return { ready: false, running: false, intervals: 0, ticks: 0, consecutiveSourceFailures: 0 };
}

export interface RunOptions {
  producer: TickProducer;
  source: QuoteSource;
  log: Logger;
  intervalMs: number;
  /** `acks` of every send, from `sendAcks(settings)`. */
  acks: number;
  /** Time of the first slot. @default {@link firstSlotTime} of now */
  startMs?: number;
  /** Intervals to run before returning; unset runs until `signal` aborts. */
  maxIntervals?: number;
  signal?: AbortSignal;
  metrics?: ProducerMetrics;
  status?: LoopStatus;
  /** @default the system clock and {@link sleep} */
  timer?: Timer;
  /** Backoff after an interval in which the source failed for every symbol it tried. @default 1 s doubling to 60 s */
  sourceBackoff?: Backoff;
  /** Backoff between retries of a failed send. @default 200 ms doubling to 10 s */
  sendBackoff?: Backoff;
  /** Jitter of both backoffs. @default Math.random */
  random?: () => number;
  /** @default {@link TOPICS.realtime} */
  topic?: string;
}

export interface RunSummary {
  intervals: number;
  ticks: number;
  startMs: number;
  /** Slot of the last interval run, -1 if none. */
  lastSlot: number;
  /** Whether it stopped because `signal` aborted rather than after `maxIntervals`. */
  aborted: boolean;
}

export const systemTimer: Timer = { now: () => Date.now(), sleep };

/**
 * The producer loop: for each slot, quotes from the source, validated, sent in one request (retried
 * until acknowledged). A source failure is logged with its symbol and backed off, never thrown; an
 * abort stops the loop after the in-flight send.
 */
export async function runProducer(options: RunOptions): Promise<RunSummary> {
  const { producer, source, log, intervalMs, acks, maxIntervals, metrics, random, topic = TOPICS.realtime } = options;
  const timer = options.timer ?? systemTimer;
  const signal = options.signal ?? new AbortController().signal;
  const status = options.status ?? initialStatus();
  const sourceBackoff = options.sourceBackoff ?? { baseMs: 1000, maxMs: 60_000 };
  const sendBackoff = options.sendBackoff ?? { baseMs: 200, maxMs: 10_000 };
  const startMs = options.startMs ?? firstSlotTime(timer.now(), intervalMs);

  log.info("producing ticks", { topic, source: source.kind, symbols: source.symbols, intervalMs, startTime: new Date(startMs).toISOString(), maxIntervals });
  status.running = true;
  let slot = 0;
  let lastSlot = -1;
  let intervals = 0;
  let ticks = 0;
  let notBefore = -Infinity;
  let consecutiveFailures = 0;
  let sent = true;
  while (!signal.aborted && sent && (maxIntervals === undefined || intervals < maxIntervals)) {
    const eventTimeMs = slotTime(startMs, intervalMs, slot);
    const wait = Math.max(eventTimeMs, notBefore) - timer.now();
    if (wait > 0) await timer.sleep(wait, signal);
    if (signal.aborted) break;

    const batch = await quote(source, eventTimeMs, signal);
    const { valid, invalid } = validateTicks(batch.ticks, new Date(timer.now()));
    for (const f of batch.failures) log.warn("quote source failed", { source: source.kind, symbol: f.symbol, err: f.error });
    for (const i of invalid) log.error("tick failed validation", { source: source.kind, symbol: i.tick.symbol, eventTime: i.tick.event_time, err: i.error });
    metrics?.sourceErrors.inc(batch.failures.length + invalid.length);

    if (valid.length > 0) {
      sent = await sendWithRetry(valid, { producer, acks, timer, log, backoff: sendBackoff, signal, metrics, random, topic });
      status.ready = sent;
      if (sent) {
        ticks += valid.length;
        status.ticks += valid.length;
        status.lastEventTime = valid[valid.length - 1]!.event_time;
        log.debug("sent", { topic, eventTime: new Date(eventTimeMs).toISOString(), ticks: valid.length });
      }
    }
    intervals++;
    status.intervals++;
    lastSlot = slot;

    // Only a source that yielded nothing is backed off as a whole; a live source rests its failing symbols itself.
    const failures = batch.failures.length + invalid.length;
    if (failures > 0 && valid.length === 0) {
      consecutiveFailures++;
      const delayMs = backoffDelay(consecutiveFailures, sourceBackoff.baseMs, sourceBackoff.maxMs, random);
      notBefore = timer.now() + delayMs;
      log.warn("backing off the quote source", { source: source.kind, failures, consecutive: consecutiveFailures, delayMs });
    } else {
      consecutiveFailures = 0;
      notBefore = -Infinity;
    }
    status.consecutiveSourceFailures = consecutiveFailures;
    slot = nextSlot(startMs, intervalMs, slot, Math.max(timer.now(), notBefore), source.replayable);
  }
  status.running = false;
  log.info("stopped producing", { topic, intervals, ticks, lastSlot, aborted: signal.aborted });
  return { intervals, ticks, startMs, lastSlot, aborted: signal.aborted };
}

/** A source that throws has failed for every symbol: the loop carries on like for any failure. */
async function quote(source: QuoteSource, eventTimeMs: number, signal: AbortSignal): Promise<SourceBatch> {
  try {
    return await source.quotes(eventTimeMs, signal);
  } catch (err) {
    const error = err instanceof Error ? err : new Error(String(err));
    return { ticks: [], failures: source.symbols.map((symbol) => ({ symbol, error })) };
  }
}
