import type { Message, Producer } from "kafkajs";
import { Counter, Histogram, type Registry } from "prom-client";
import { TICK_SCHEMA, TOPICS, encodeRecord, parseTick, recordKey, type Tick } from "../../contract";
import { backoffDelay, type Logger } from "../lib";

/** The part of a kafkajs producer the loop uses, so that tests pass a fake. */
export type TickProducer = Pick<Producer, "send">;

/** A clock in epoch ms and a sleep that wakes early on abort; both injected so that tests run instantly. */
export interface Timer {
  now(): number;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export interface Backoff {
  baseMs: number;
  maxMs: number;
}

/** Keyed by symbol, stamped with the event time: a retried tick is the very same record. */
export function tickMessages(ticks: readonly Tick[]): Message[] {
  return ticks.map((tick) => ({
    key: recordKey(tick),
    value: encodeRecord(TICK_SCHEMA, tick),
    timestamp: String(Date.parse(tick.event_time)),
  }));
}

/** Splits ticks into those that pass the contract's validation and those that do not, with the reason. */
export function validateTicks(ticks: readonly Tick[], now: Date): { valid: Tick[]; invalid: { tick: Tick; error: Error }[] } {
  const valid: Tick[] = [];
  const invalid: { tick: Tick; error: Error }[] = [];
  for (const tick of ticks) {
    try {
      // Validate the bytes that go on the wire: NaN, for one, only shows once serialised (as null).
      valid.push(parseTick(JSON.parse(encodeRecord(TICK_SCHEMA, tick)), now));
    } catch (err) {
      invalid.push({ tick, error: err as Error });
    }
  }
  return { valid, invalid };
}

export interface ProducerMetrics {
  ticksProduced: Counter<"symbol">;
  sourceErrors: Counter;
  sendErrors: Counter;
  sendLatency: Histogram;
}

export function createProducerMetrics(registry: Registry): ProducerMetrics {
  return {
    ticksProduced: new Counter({
      name: "ticks_produced_total",
      help: "Ticks acknowledged by Kafka.",
      labelNames: ["symbol"],
      registers: [registry],
    }),
    sourceErrors: new Counter({
      name: "source_errors_total",
      help: "Symbols the quote source could not quote for an interval, and ticks that failed validation.",
      registers: [registry],
    }),
    sendErrors: new Counter({ name: "send_errors_total", help: "Failed Kafka sends (each is retried).", registers: [registry] }),
    sendLatency: new Histogram({
      name: "send_latency_seconds",
      help: "Time for Kafka to acknowledge one interval's ticks.",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
}

export interface SendOptions {
  producer: TickProducer;
  acks: number;
  timer: Timer;
  log: Logger;
  backoff: Backoff;
  signal: AbortSignal;
  metrics?: ProducerMetrics;
  random?: () => number;
  /** @default {@link TOPICS.realtime} */
  topic?: string;
}

/**
 * Sends one interval's ticks in one request, retrying the same messages with backoff until Kafka
 * acknowledges them. Returns false only when `signal` aborted before they were acknowledged.
 */
export async function sendWithRetry(ticks: readonly Tick[], options: SendOptions): Promise<boolean> {
  const { producer, acks, timer, log, backoff, signal, metrics, random, topic = TOPICS.realtime } = options;
  const messages = tickMessages(ticks);
  const eventTime = ticks[0]?.event_time;
  for (let attempt = 1; ; attempt++) {
    const started = timer.now();
    try {
      await producer.send({ topic, acks, messages });
      metrics?.sendLatency.observe((timer.now() - started) / 1000);
      for (const tick of ticks) metrics?.ticksProduced.inc({ symbol: tick.symbol });
      return true;
    } catch (err) {
      metrics?.sendErrors.inc();
      if (signal.aborted) {
        log.error("stopping with ticks Kafka did not acknowledge", { topic, eventTime, ticks: ticks.length, attempt, err });
        return false;
      }
      const delayMs = backoffDelay(attempt, backoff.baseMs, backoff.maxMs, random);
      log.warn("send failed, retrying the same ticks", { topic, eventTime, ticks: ticks.length, attempt, delayMs, err });
      await timer.sleep(delayMs, signal);
    }
  }
}

/** Connects, retrying with backoff until it works or `signal` aborts (then returns false). */
export async function connectWithRetry(
  producer: Pick<Producer, "connect">,
  options: Pick<SendOptions, "timer" | "log" | "backoff" | "signal" | "random">,
): Promise<boolean> {
  const { timer, log, backoff, signal, random } = options;
  for (let attempt = 1; !signal.aborted; attempt++) {
    try {
      await producer.connect();
      return true;
    } catch (err) {
      const delayMs = backoffDelay(attempt, backoff.baseMs, backoff.maxMs, random);
      log.warn("cannot connect to Kafka, retrying", { attempt, delayMs, err });
      await timer.sleep(delayMs, signal);
    }
  }
  return false;
}
