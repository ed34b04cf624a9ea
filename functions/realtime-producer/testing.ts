import type { ProducerRecord, RecordMetadata } from "kafkajs";
import type { Tick } from "../../contract";
import { createLogger, type Logger } from "../lib";
import { CLIENT_ID } from "./config";
import type { Timer } from "./producer";
import type { QuoteSource, SourceBatch } from "./source";

/** Fakes and recorded answers for the unit tests of this function; not exported by `index.ts`. */

/** Answers recorded from Finnhub's quote endpoint. */
export const FINNHUB = {
  aapl: '{"c":229.87,"d":1.23,"dp":0.538,"h":231.1,"l":228.05,"o":228.5,"pc":228.64,"t":1732291200}',
  aaplLater: '{"c":229.91,"d":1.27,"dp":0.5555,"h":231.1,"l":228.05,"o":228.5,"pc":228.64,"t":1732291205}',
  unknown: '{"c":0,"d":null,"dp":null,"h":0,"l":0,"o":0,"pc":0,"t":0}',
  rateLimited: '{"error":"API limit reached. Please try again later. Remaining Limit: 0"}',
  badKey: '{"error":"Invalid API key"}',
  noAccess: "{\"error\":\"You don't have access to this resource.\"}",
  malformed: "<html><body>502 Bad Gateway</body></html>",
} as const;

export const KEY = "ct9sq51r01quh43oro60-secret";
export const NEVER = new AbortController().signal;

export type Reply = { status: number; body: string } | Error;

/** A fetch that answers from a queue of replies per symbol (then the unknown-symbol answer) and records the requests. */
export function fakeFetch(replies: Record<string, Reply[]>): { fetch: typeof fetch; requests: { url: string; headers: Headers }[] } {
  const requests: { url: string; headers: Headers }[] = [];
  const fn: typeof fetch = (input, init) => {
    const url = String(input);
    requests.push({ url, headers: new Headers(init?.headers) });
    const symbol = new URL(url).searchParams.get("symbol") ?? "";
    const reply = replies[symbol]?.shift() ?? { status: 200, body: FINNHUB.unknown };
    if (reply instanceof Error) return Promise.reject(reply);
    return Promise.resolve(new Response(reply.body, { status: reply.status, headers: { "content-type": "application/json" } }));
  };
  return { fetch: fn, requests };
}

/** A clock that only moves when slept on or advanced; a sleep still yields a turn of the event loop, so that a test can interleave. */
export class FakeTimer implements Timer {
  readonly sleeps: number[] = [];

  constructor(public time: number) {}

  now(): number {
    return this.time;
  }

  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.time += ms;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

export interface FakeProducer {
  readonly sent: ProducerRecord[];
  /** Clock time at which each send began. */
  readonly sendTimes: number[];
  attempts: number;
  connects: number;
  disconnects: number;
  send(record: ProducerRecord): Promise<RecordMetadata[]>;
  connect(): Promise<void>;
  disconnect(): Promise<void>;
}

/** A producer whose sends take `latencyMs` of fake time and fail `failures` times first. */
export function fakeProducer(timer: FakeTimer, options: { latencyMs?: number; failures?: number; gate?: () => Promise<void> } = {}): FakeProducer {
  let failures = options.failures ?? 0;
  const p: FakeProducer = {
    sent: [],
    sendTimes: [],
    attempts: 0,
    connects: 0,
    disconnects: 0,
    async send(record) {
      p.attempts++;
      p.sendTimes.push(timer.now());
      await options.gate?.();
      timer.time += options.latencyMs ?? 0;
      if (failures > 0) {
        failures--;
        throw new Error("broker 127.0.0.1:9092 is unavailable");
      }
      p.sent.push(record);
      return [];
    },
    async connect() {
      p.connects++;
    },
    async disconnect() {
      p.disconnects++;
    },
  };
  return p;
}

/** A source that plays a script: one entry per call, an Error being thrown. */
export function scriptedSource(symbols: string[], script: (SourceBatch | Error)[], replayable = false): QuoteSource & { calls: number[] } {
  const calls: number[] = [];
  return {
    kind: "live",
    symbols,
    replayable,
    calls,
    quotes: (eventTimeMs) => {
      calls.push(eventTimeMs);
      const next = script.shift() ?? { ticks: symbols.map((s) => tickAt(s, eventTimeMs)), failures: [] };
      return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
    },
  };
}

export function tickAt(symbol: string, eventTimeMs: number, price = 100): Tick {
  return { symbol, event_time: new Date(eventTimeMs).toISOString(), price, bid: price - 0.01, ask: price + 0.01, volume: 10, source: "live" };
}

/** A logger that keeps its lines, parsed. */
export function captureLogger(): { log: Logger; lines: string[]; entries: () => Record<string, unknown>[] } {
  const lines: string[] = [];
  const log = createLogger(CLIENT_ID, { level: "debug", write: (line) => lines.push(line) });
  return { log, lines, entries: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}
