import { CONSUMER_GROUPS, DEFAULT_SHUTDOWN_GRACE_MS, ENV, SINK_FLUSH, TOPICS, type IntSetting } from "../../contract";
import { EnvReader, isLevel, readKafkaClientSettings, readS3Settings, type KafkaClientSettings, type Level, type S3Settings } from "../lib";

export const COMPONENT = "sink";

export interface FlushPolicy {
  /** Seal a partition's batch at this many records... */
  records: number;
  /** ...or this many bytes of encoded records... */
  bytes: number;
  /** ...or when its first record has waited this long... */
  intervalMs: number;
  /** ...or when no record has arrived for this long (0: never): a burst has ended. */
  idleMs: number;
}

export interface SinkSettings {
  groupId: string;
  topics: string[];
  deadLetterTopic: string;
  bucket: string;
  /** The flush policy of each topic, by topic name. */
  flush: Readonly<Record<string, FlushPolicy>>;
  /** Fetching pauses while this many bytes wait to be written (an object-store outage). */
  maxBufferedBytes: number;
  /**
   * A partition new to this instance waits this long before recovering, so that writes still in
   * flight from its previous owner have landed or failed (they are bounded by `s3RequestTimeoutMs`).
   */
  handoverDelayMs: number;
  s3RequestTimeoutMs: number;
  /** SIGTERM flushes, commits and exits within this time. */
  shutdownGraceMs: number;
  /** A silent member leaves the group after this long (a killed sink's partitions move on). */
  sessionTimeoutMs: number;
  /** Validate fetched messages on one worker thread and write objects on another, beside the Kafka client's decoding (off: both on the consumer's thread, for a one-core instance). */
  validationThread: boolean;
  metricsPort: number;
  logLevel: Level;
  kafka: KafkaClientSettings;
  s3: S3Settings;
}

/** The thresholds shared by both topics, and each topic's idle time. */
function readFlushPolicies(env: EnvReader): Record<string, FlushPolicy> {
  const read = (s: IntSetting) => env.int(s.env, s.default, s);
  const shared = { records: read(SINK_FLUSH.records), bytes: read(SINK_FLUSH.bytes), intervalMs: read(SINK_FLUSH.intervalMs) };
  return {
    [TOPICS.realtime]: { ...shared, idleMs: read(SINK_FLUSH.idleMs.realtime) },
    [TOPICS.batch]: { ...shared, idleMs: read(SINK_FLUSH.idleMs.batch) },
  };
}

/** Reads the sink's environment; throws an EnvError listing every problem at once. */
export function readSinkSettings(vars: Readonly<Record<string, string | undefined>>): SinkSettings {
  const env = new EnvReader(vars);
  const level = env.string(ENV.logLevel, "info");
  if (!isLevel(level)) env.problem(`\`${ENV.logLevel}\` must be one of debug, info, warn, error (got "${level}")`);
  const s3RequestTimeoutMs = env.int(ENV.sinkS3RequestTimeoutMs, 5_000, { min: 100, max: 120_000 });
  const settings: SinkSettings = {
    groupId: env.string(CONSUMER_GROUPS.sink.env, CONSUMER_GROUPS.sink.default),
    topics: [TOPICS.realtime, TOPICS.batch],
    deadLetterTopic: TOPICS.deadLetter,
    bucket: env.required(ENV.rawBucket),
    flush: readFlushPolicies(env),
    maxBufferedBytes: env.int(ENV.sinkMaxBufferedBytes, 256 * 1024 * 1024, { min: 1024 * 1024 }),
    handoverDelayMs: env.int(ENV.sinkHandoverDelayMs, s3RequestTimeoutMs + 1_000, { min: 0, max: 600_000 }),
    s3RequestTimeoutMs,
    shutdownGraceMs: env.int(ENV.sinkShutdownGraceMs, DEFAULT_SHUTDOWN_GRACE_MS, { min: 1_000, max: 600_000 }),
    sessionTimeoutMs: env.int(ENV.sinkSessionTimeoutMs, 30_000, { min: 6_000, max: 300_000 }),
    validationThread: env.bool(ENV.sinkValidationThread, true),
    metricsPort: env.int(ENV.metricsPort, 0, { min: 0, max: 65_535 }),
    logLevel: isLevel(level) ? level : "info",
    kafka: readKafkaClientSettings(env, COMPONENT),
    s3: readS3Settings(env),
  };
  env.done();
  return settings;
}
