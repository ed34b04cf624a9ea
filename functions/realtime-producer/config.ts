import { ENV, FUNCTION_COMMANDS, PRODUCER_SETTINGS, QUOTE_SOURCES, SYMBOL_PATTERN, isSymbol, type QuoteSource } from "../../contract";
import { EnvReader, LEVELS, readKafkaClientSettings, type Fields, type KafkaClientSettings, type Level } from "../lib";

/** Kafka client id, logger component and metrics label: the command name the infra runs. */
export const CLIENT_ID = FUNCTION_COMMANDS.realtimeProducer;

export { QUOTE_SOURCES };
export type QuoteSourceKind = QuoteSource;

const { symbols: SYMBOLS, tickIntervalMs: TICK_INTERVAL, simulationSeed: SEED, quoteSource: SOURCE } = PRODUCER_SETTINGS;

export const DEFAULTS = {
  intervalMs: TICK_INTERVAL.default,
  seed: SEED.default,
  source: SOURCE.default as QuoteSourceKind,
  /** No metrics server unless `METRICS_PORT` asks for one. */
  metricsPort: 0,
  logLevel: "info" as Level,
};

export const INTERVAL_BOUNDS = { min: TICK_INTERVAL.min, max: TICK_INTERVAL.max };

export interface RealtimeProducerSettings {
  kafka: KafkaClientSettings;
  symbols: string[];
  intervalMs: number;
  seed: number;
  source: QuoteSourceKind;
  /** Set only for the live source. A secret: never log it. */
  quoteApiKey?: string;
  /** 0 serves no metrics. */
  metricsPort: number;
  /** Intervals to emit before exiting; undefined runs until stopped. */
  maxTicks?: number;
  logLevel: Level;
}

/** Reads the settings; throws an `EnvError` listing every problem, each naming the variable and its value. */
export function readSettings(env: Readonly<Record<string, string | undefined>>): RealtimeProducerSettings {
  const reader = new EnvReader(env);
  const symbols = reader.list(SYMBOLS.env, SYMBOLS.default);
  const seen = new Set<string>();
  for (const symbol of symbols) {
    if (!isSymbol(symbol)) {
      reader.problem(`\`${ENV.symbols}\` entries must be tickers matching ${SYMBOL_PATTERN} such as AAPL (got "${symbol}")`);
    } else if (seen.has(symbol)) {
      reader.problem(`\`${ENV.symbols}\` lists "${symbol}" more than once`);
    }
    seen.add(symbol);
  }
  const source = reader.oneOf(SOURCE.env, SOURCE.values, DEFAULTS.source);
  let quoteApiKey: string | undefined;
  if (source === "live") {
    quoteApiKey = reader.secret(ENV.quoteApiKey);
    if (quoteApiKey === undefined) {
      reader.problem(
        `\`${ENV.quoteApiKey}\` is required when \`${ENV.quoteSource}\` is "live" (got no value); ` +
          "set the Finnhub key with `pulumi config set --secret quoteApiKey <key>`",
      );
    }
  }
  const maxTicks = reader.optional(ENV.maxTicks) === undefined ? undefined : reader.int(ENV.maxTicks, 1, { min: 1 });
  const settings: RealtimeProducerSettings = {
    kafka: readKafkaClientSettings(reader, CLIENT_ID),
    symbols,
    intervalMs: reader.int(TICK_INTERVAL.env, DEFAULTS.intervalMs, INTERVAL_BOUNDS),
    seed: reader.int(SEED.env, DEFAULTS.seed),
    source,
    quoteApiKey,
    metricsPort: reader.int(ENV.metricsPort, DEFAULTS.metricsPort, { min: 0, max: 65_535 }),
    maxTicks,
    logLevel: reader.oneOf(ENV.logLevel, LEVELS, DEFAULTS.logLevel),
  };
  reader.done();
  return settings;
}

/** The settings as they may be logged: secrets masked. */
export function settingsForLog(settings: RealtimeProducerSettings): Fields {
  const { kafka, quoteApiKey, ...rest } = settings;
  return {
    ...rest,
    quoteApiKey: quoteApiKey === undefined ? undefined : "***",
    kafka: { brokers: kafka.brokers, clientId: kafka.clientId, ssl: kafka.ssl, acks: kafka.acks, sasl: kafka.sasl?.mechanism },
  };
}
