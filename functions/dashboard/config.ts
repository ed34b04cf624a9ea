import * as path from "node:path";
import { CONSUMER_GROUPS, ENV, FUNCTION_COMMANDS, PORTS, PRODUCER_SETTINGS, SYMBOL_PATTERN, isSymbol } from "../../contract";
import { EnvReader, LEVELS, readKafkaClientSettings, type Fields, type KafkaClientSettings, type Level } from "../lib";

/** Kafka client id, logger component and metrics label. */
export const COMPONENT = FUNCTION_COMMANDS.dashboard;

/** The functions whose endpoints the health panel reads. */
export const WATCHED_FUNCTIONS = [FUNCTION_COMMANDS.realtimeProducer, FUNCTION_COMMANDS.batchProducer, FUNCTION_COMMANDS.sink] as const;
export type WatchedFunction = (typeof WATCHED_FUNCTIONS)[number];

/**
 * A function's metrics endpoint. `dns` scrapes every address its host resolves to (a headless
 * Kubernetes Service in front of N replicas); `static` scrapes the URL as given.
 */
export interface ScrapeTarget {
  name: WatchedFunction;
  /** Base URL; the dashboard reads `/metrics` and `/readyz` under it. */
  url: string;
  discovery: "static" | "dns";
}

export interface DashboardSettings {
  kafka: KafkaClientSettings;
  /** Its own consumer group; it never commits, so every start reads from the latest offsets. */
  groupId: string;
  symbols: string[];
  port: number;
  targets: ScrapeTarget[];
  scrapeIntervalMs: number;
  /** A scrape that has not answered by then shows its function as unknown. */
  scrapeTimeoutMs: number;
  windowMinutes: number;
  maxClients: number;
  /** A browser that has this many bytes unsent is disconnected (it reconnects and gets a snapshot). */
  clientBufferBytes: number;
  assetsDir: string;
  metricsPort: number;
  logLevel: Level;
}

export const DEFAULTS = {
  groupId: CONSUMER_GROUPS.dashboard.default,
  port: PORTS.dashboard,
  scrapeIntervalMs: 2_000,
  scrapeTimeoutMs: 1_500,
  windowMinutes: 60,
  maxClients: 32,
  clientBufferBytes: 1024 * 1024,
  /** Next to the bundled main.js, where the image's build puts the page. */
  assetsDir: path.join(__dirname, "dashboard"),
  metricsPort: 0,
  logLevel: "info" as Level,
};

const TARGET_URL = /^(dns\+)?(https?:\/\/[^\s/:]+(:\d{1,5})?)\/?$/;

/** `sink=http://sink-1:9464,sink=dns+http://sink-metrics:9464,...` */
export function parseTargets(reader: EnvReader, value: string | undefined): ScrapeTarget[] {
  if (value === undefined) return [];
  const targets: ScrapeTarget[] = [];
  const seen = new Set<string>();
  for (const entry of value.split(",").map((e) => e.trim()).filter(Boolean)) {
    const eq = entry.indexOf("=");
    const name = entry.slice(0, Math.max(0, eq));
    const url = TARGET_URL.exec(entry.slice(eq + 1));
    if (eq < 0 || !(WATCHED_FUNCTIONS as readonly string[]).includes(name) || !url) {
      reader.problem(
        `\`${ENV.dashboardTargets}\` entries must be <function>=<url>, the function one of ${WATCHED_FUNCTIONS.join(", ")} and the url http://host:port ` +
          `or dns+http://host:port (got "${entry}")`,
      );
      continue;
    }
    if (seen.has(entry)) reader.problem(`\`${ENV.dashboardTargets}\` lists "${entry}" more than once`);
    seen.add(entry);
    targets.push({ name: name as WatchedFunction, url: url[2]!, discovery: url[1] ? "dns" : "static" });
  }
  return targets;
}

/** Reads the settings; throws an `EnvError` listing every problem, each naming the variable and its value. */
export function readDashboardSettings(env: Readonly<Record<string, string | undefined>>): DashboardSettings {
  const reader = new EnvReader(env);
  const symbols = reader.list(PRODUCER_SETTINGS.symbols.env, PRODUCER_SETTINGS.symbols.default);
  const seen = new Set<string>();
  for (const symbol of symbols) {
    if (!isSymbol(symbol)) reader.problem(`\`${ENV.symbols}\` entries must be tickers matching ${SYMBOL_PATTERN} such as AAPL (got "${symbol}")`);
    else if (seen.has(symbol)) reader.problem(`\`${ENV.symbols}\` lists "${symbol}" more than once`);
    seen.add(symbol);
  }
  const scrapeIntervalMs = reader.int(ENV.dashboardScrapeIntervalMs, DEFAULTS.scrapeIntervalMs, { min: 100, max: 600_000 });
  const scrapeTimeoutMs = reader.int(ENV.dashboardScrapeTimeoutMs, Math.min(DEFAULTS.scrapeTimeoutMs, scrapeIntervalMs), { min: 50, max: 600_000 });
  if (scrapeTimeoutMs > scrapeIntervalMs) {
    reader.problem(`\`${ENV.dashboardScrapeTimeoutMs}\` must not exceed \`${ENV.dashboardScrapeIntervalMs}\` (got ${scrapeTimeoutMs} with an interval of ${scrapeIntervalMs})`);
  }
  const settings: DashboardSettings = {
    kafka: readKafkaClientSettings(reader, COMPONENT),
    groupId: reader.string(CONSUMER_GROUPS.dashboard.env, DEFAULTS.groupId),
    symbols,
    port: reader.int(ENV.dashboardPort, DEFAULTS.port, { min: 0, max: 65_535 }),
    targets: parseTargets(reader, reader.optional(ENV.dashboardTargets)),
    scrapeIntervalMs,
    scrapeTimeoutMs,
    windowMinutes: reader.int(ENV.dashboardWindowMinutes, DEFAULTS.windowMinutes, { min: 1, max: 1_440 }),
    maxClients: reader.int(ENV.dashboardMaxClients, DEFAULTS.maxClients, { min: 1, max: 10_000 }),
    clientBufferBytes: reader.int(ENV.dashboardClientBufferBytes, DEFAULTS.clientBufferBytes, { min: 16 * 1024, max: 256 * 1024 * 1024 }),
    assetsDir: reader.string(ENV.dashboardAssetsDir, DEFAULTS.assetsDir),
    metricsPort: reader.int(ENV.metricsPort, DEFAULTS.metricsPort, { min: 0, max: 65_535 }),
    logLevel: reader.oneOf(ENV.logLevel, LEVELS, DEFAULTS.logLevel),
  };
  reader.done();
  return settings;
}

/** The settings as they may be logged: the Kafka password left out. */
export function settingsForLog(settings: DashboardSettings): Fields {
  const { kafka, ...rest } = settings;
  return { ...rest, kafka: { brokers: kafka.brokers, clientId: kafka.clientId, ssl: kafka.ssl, sasl: kafka.sasl?.mechanism } };
}
