import type { Producer } from "kafkajs";
import type { Registry } from "prom-client";
import { ENV, TOPICS } from "../../contract";
import {
  EnvError,
  createKafka,
  createLogger,
  createRegistry,
  onShutdown,
  producerConfig,
  sendAcks,
  startMetricsServer,
  type Logger,
} from "../lib";
import { CLIENT_ID, readSettings, settingsForLog, type RealtimeProducerSettings } from "./config";
import { FINNHUB_FREE_CALLS_PER_MINUTE, callsPerMinute, liveSource } from "./live-source";
import { connectWithRetry, createProducerMetrics, type Timer } from "./producer";
import { initialStatus, runProducer, systemTimer, type LoopStatus, type RunSummary } from "./run";
import { simulatedSource, type QuoteSource } from "./source";

/** SIGTERM to exit: the in-flight send, a disconnect, and headroom below Kubernetes' 30 s. */
export const SHUTDOWN_GRACE_MS = 20_000;

export function createSource(settings: RealtimeProducerSettings, fetchFn?: typeof fetch): QuoteSource {
  if (settings.source === "live") {
    return liveSource({ symbols: settings.symbols, apiKey: settings.quoteApiKey ?? "", fetch: fetchFn });
  }
  return simulatedSource({ seed: settings.seed, symbols: settings.symbols, intervalMs: settings.intervalMs });
}

export interface StartOptions {
  log: Logger;
  /** A producer to use instead of one built from `settings.kafka` (tests). */
  producer?: Pick<Producer, "connect" | "send" | "disconnect">;
  /** A source to use instead of the one `settings.source` names (tests). */
  source?: QuoteSource;
  /** For the live source. @default the global fetch */
  fetch?: typeof fetch;
  timer?: Timer;
  /** Time of the first interval. @default the next whole interval */
  startMs?: number;
  /** @default a registry of this function with the default process metrics */
  registry?: Registry;
  random?: () => number;
}

export interface RealtimeProducer {
  /** Resolves once the loop has ended (after `maxTicks` or a stop) and Kafka is disconnected. */
  readonly done: Promise<RunSummary>;
  /** Stops the loop after its in-flight send, disconnects, and resolves with the summary. */
  stop(): Promise<RunSummary>;
  readonly status: LoopStatus;
  /** Port of /metrics, /healthz and /readyz, when `metricsPort` asked for a server. */
  readonly metricsPort?: number;
}

/** Wires settings to a running loop; `main` adds the environment and the signals around it. */
export async function startRealtimeProducer(settings: RealtimeProducerSettings, options: StartOptions): Promise<RealtimeProducer> {
  const { log, timer = systemTimer, random } = options;
  const registry = options.registry ?? createRegistry(CLIENT_ID);
  const metrics = createProducerMetrics(registry);
  const status = initialStatus();
  let failed = false;
  const server =
    settings.metricsPort > 0
      ? await startMetricsServer(settings.metricsPort, registry, () => ({ live: !failed, ready: status.ready, details: { ...status } }))
      : undefined;
  const producer = options.producer ?? createKafka(settings.kafka, log).producer(producerConfig(settings.kafka));
  const source = options.source ?? createSource(settings, options.fetch);
  const controller = new AbortController();
  const signal = controller.signal;

  const loop = async (): Promise<RunSummary> => {
    const connected = await connectWithRetry(producer, { timer, log, backoff: { baseMs: 500, maxMs: 10_000 }, signal, random });
    if (!connected) return { intervals: 0, ticks: 0, startMs: options.startMs ?? timer.now(), lastSlot: -1, aborted: true };
    status.ready = true;
    return runProducer({
      producer,
      source,
      log,
      intervalMs: settings.intervalMs,
      acks: sendAcks(settings.kafka),
      startMs: options.startMs,
      maxIntervals: settings.maxTicks,
      signal,
      metrics,
      status,
      timer,
      random,
      topic: TOPICS.realtime,
    });
  };
  const close = async () => {
    status.ready = false;
    await producer.disconnect().catch((err: unknown) => log.warn("disconnect failed", { err }));
    await server?.close();
  };
  const done = loop().then(
    async (summary) => {
      await close();
      return summary;
    },
    async (err: unknown) => {
      failed = true;
      await close();
      throw err;
    },
  );
  return {
    done,
    status,
    metricsPort: server?.port,
    stop: () => {
      controller.abort();
      return done;
    },
  };
}

/** Exit code of a process that never started because the environment is invalid. */
export const EXIT_INVALID_CONFIG = 2;

export interface MainOptions {
  /** For the live source. @default the global fetch */
  fetch?: typeof fetch;
  /** Where log lines go. @default stdout */
  write?: (line: string) => void;
}

/** The process: environment in, exit code out (0 after `MAX_TICKS` intervals or a stop signal). */
export async function main(env: Readonly<Record<string, string | undefined>> = process.env, options: MainOptions = {}): Promise<number> {
  const { write } = options;
  let settings: RealtimeProducerSettings;
  try {
    settings = readSettings(env);
  } catch (err) {
    if (!(err instanceof EnvError)) throw err;
    createLogger(CLIENT_ID, { write }).error("invalid configuration", { problems: err.problems });
    return EXIT_INVALID_CONFIG;
  }
  const log = createLogger(CLIENT_ID, { level: settings.logLevel, write });
  log.info("starting", settingsForLog(settings));
  const rate = callsPerMinute(settings.symbols.length, settings.intervalMs);
  if (settings.source === "live" && rate > FINNHUB_FREE_CALLS_PER_MINUTE) {
    log.warn("live polling exceeds Finnhub's free plan; expect HTTP 429 and backoff unless the plan allows it", {
      callsPerMinute: rate,
      freePlanCallsPerMinute: FINNHUB_FREE_CALLS_PER_MINUTE,
      hint: `raise ${ENV.tickIntervalMs} or list fewer ${ENV.symbols}`,
    });
  }
  const producer = await startRealtimeProducer(settings, { log, fetch: options.fetch });
  onShutdown(async () => {
    await producer.stop();
  }, log, SHUTDOWN_GRACE_MS);
  const summary = await producer.done;
  log.info("done", { ...summary });
  return 0;
}
