import type { Consumer } from "kafkajs";
import type { Registry } from "prom-client";
import { EnvError, createKafka, createLogger, createRegistry, onShutdown, startMetricsServer, type Logger } from "../lib";
import { TickWindow } from "./candles";
import { COMPONENT, readDashboardSettings, settingsForLog, type DashboardSettings, type WatchedFunction } from "./config";
import { TickFeed } from "./consumer";
import { HealthModel, pendingHealth } from "./health";
import { EVENTS, type DashboardStats, type PipelineHealth, type Snapshot } from "./messages";
import { createDashboardMetrics } from "./metrics";
import { startScrapeLoop, type Resolver } from "./scrape";
import { EventStream, loadPageAssets, startDashboardServer } from "./server";

/** SIGTERM to exit: stop the loops, leave the consumer group, close the browsers' streams. */
export const SHUTDOWN_GRACE_MS = 10_000;
/** Market changes are sent to browsers at most this often, coalesced. */
export const PUSH_INTERVAL_MS = 500;
export const EXIT_INVALID_CONFIG = 2;

export interface StartOptions {
  log: Logger;
  consumer: Consumer;
  /** @default a registry of this function with the default process metrics */
  registry?: Registry;
  /** Address the page is served on. @default "0.0.0.0" */
  host?: string;
  fetch?: typeof fetch;
  resolve?: Resolver;
  now?: () => number;
}

export interface Dashboard {
  readonly port: number;
  readonly metricsPort?: number;
  readonly feed: TickFeed;
  readonly stream: EventStream;
  snapshot(): Snapshot;
  stop(): Promise<void>;
}

/** Wires settings to a running dashboard; `main` adds the environment and the signals around it. */
export async function startDashboard(settings: DashboardSettings, options: StartOptions): Promise<Dashboard> {
  const { log, consumer } = options;
  const now = options.now ?? Date.now;
  const assets = loadPageAssets(settings.assetsDir);
  const registry = options.registry ?? createRegistry(COMPONENT);
  const metrics = createDashboardMetrics(registry);
  const window = new TickWindow(settings.symbols, settings.windowMinutes);
  const watched = [...new Set(settings.targets.map((t) => t.name))] as WatchedFunction[];
  const model = new HealthModel(watched, now());
  let health: PipelineHealth = pendingHealth(watched, now());
  const skipped: Record<string, number> = {};
  let accepted = 0;

  const stream = new EventStream({
    maxClients: settings.maxClients,
    clientBufferBytes: settings.clientBufferBytes,
    log,
    onDrop: (reason) => metrics.clientsDropped.inc({ reason }),
  });
  const stats = (): DashboardStats => ({ ticksAccepted: accepted, ticksSkipped: { ...skipped }, clients: stream.size });
  const snapshot = (): Snapshot => ({ windowMinutes: settings.windowMinutes, market: window.snapshot(), health, stats: stats() });

  const feed = new TickFeed({
    consumer,
    window,
    log,
    onTick: (outcome) => {
      if (outcome.accepted) {
        accepted++;
        metrics.ticksAccepted.inc();
      } else {
        skipped[outcome.reason] = (skipped[outcome.reason] ?? 0) + 1;
        metrics.ticksSkipped.inc({ reason: outcome.reason });
      }
    },
  });
  const server = await startDashboardServer({ port: settings.port, host: options.host, assets, stream, snapshot });
  const metricsServer =
    settings.metricsPort > 0
      ? await startMetricsServer(settings.metricsPort, registry, () => ({ live: !feed.failed, ready: feed.ready, details: { consumerJoined: feed.ready, clients: stream.size } }))
      : undefined;

  const push = setInterval(() => {
    metrics.clients.set(stream.size);
    const update = window.drainChanges();
    if (update) stream.broadcast(EVENTS.market, update);
  }, PUSH_INTERVAL_MS);
  const stopScraping = startScrapeLoop(settings.targets, {
    intervalMs: settings.scrapeIntervalMs,
    timeoutMs: settings.scrapeTimeoutMs,
    fetch: options.fetch,
    resolve: options.resolve,
    log,
    now,
    onRound: (at, round) => {
      for (const o of round) metrics.scrapes.inc({ function: o.target, outcome: o.outcome.kind });
      health = model.observe(at, round);
      stream.broadcast(EVENTS.health, health);
      stream.broadcast(EVENTS.stats, stats());
    },
  });
  const controller = new AbortController();
  const consuming = feed.start(controller.signal).catch((err: unknown) => log.error("consumer failed", { err }));
  log.info("dashboard serving", { port: server.port, metricsPort: metricsServer?.port, symbols: settings.symbols, targets: settings.targets });

  return {
    port: server.port,
    metricsPort: metricsServer?.port,
    feed,
    stream,
    snapshot,
    stop: async () => {
      controller.abort();
      clearInterval(push);
      await stopScraping();
      await feed.stop();
      await consuming;
      await server.close();
      await metricsServer?.close();
    },
  };
}

/** The process: environment in, a dashboard until SIGTERM. */
export async function main(env: Readonly<Record<string, string | undefined>> = process.env): Promise<number | void> {
  let settings: DashboardSettings;
  try {
    settings = readDashboardSettings(env);
  } catch (err) {
    if (!(err instanceof EnvError)) throw err;
    createLogger(COMPONENT).error("invalid configuration", { problems: err.problems });
    return EXIT_INVALID_CONFIG;
  }
  const log = createLogger(COMPONENT, { level: settings.logLevel });
  log.info("starting", settingsForLog(settings));
  const kafka = createKafka(settings.kafka, log);
  // A restarted dashboard rejoins quickly: its previous member's session expires in 10 s.
  const consumer = kafka.consumer({ groupId: settings.groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000, allowAutoTopicCreation: false });
  const dashboard = await startDashboard(settings, { log, consumer });
  onShutdown(() => dashboard.stop(), log, SHUTDOWN_GRACE_MS);
}
