import { Kafka, Partitioners, logLevel, type KafkaConfig, type ProducerConfig, type SASLOptions } from "kafkajs";
import { ENV } from "../../contract";
import { FILE_SUFFIX, type EnvReader } from "./env";
import type { Logger } from "./log";

export interface KafkaClientSettings {
  brokers: string[];
  clientId: string;
  ssl: boolean;
  sasl?: { mechanism: "scram-sha-256" | "scram-sha-512" | "plain"; username: string; password: string };
  /** `all` (-1) waits for every in-sync replica; `leader` (1) only for the leader. */
  acks: "all" | "leader";
}

export function readKafkaClientSettings(env: EnvReader, clientId: string): KafkaClientSettings {
  const brokers = env.list(ENV.kafkaBrokers, []);
  if (brokers.length === 0) env.problem(`\`${ENV.kafkaBrokers}\` is required (comma-separated host:port list)`);
  for (const b of brokers) {
    if (!/^[^\s:]+:\d{1,5}$/.test(b)) env.problem(`\`${ENV.kafkaBrokers}\` entries must be host:port (got "${b}")`);
  }
  const mechanism = env.optional(ENV.kafkaSaslMechanism)?.toLowerCase();
  let sasl: KafkaClientSettings["sasl"];
  if (mechanism !== undefined) {
    if (mechanism !== "scram-sha-256" && mechanism !== "scram-sha-512" && mechanism !== "plain") {
      env.problem(`\`${ENV.kafkaSaslMechanism}\` must be one of scram-sha-256, scram-sha-512, plain (got "${mechanism}")`);
    } else {
      const username = env.required(ENV.kafkaUsername);
      const password = env.secret(ENV.kafkaPassword);
      if (password === undefined) env.problem(`\`${ENV.kafkaPassword}\` is required (or \`${ENV.kafkaPassword}${FILE_SUFFIX}\`, a file holding it)`);
      sasl = { mechanism, username, password: password ?? "" };
    }
  }
  return {
    brokers,
    clientId: env.string(ENV.kafkaClientId, clientId),
    ssl: env.bool(ENV.kafkaSsl, false),
    sasl,
    acks: env.oneOf(ENV.kafkaAcks, ["all", "leader"] as const, "all"),
  };
}

/** Creates the Kafka client at the edge of a function; kafkajs' own logs go through our JSON logger. */
export function createKafka(settings: KafkaClientSettings, log: Logger): Kafka {
  const config: KafkaConfig = {
    clientId: settings.clientId,
    brokers: settings.brokers,
    ssl: settings.ssl,
    sasl: settings.sasl as SASLOptions | undefined,
    logLevel: logLevel.WARN,
    logCreator: () => (entry) => {
      const { message, ...extra } = entry.log;
      const fields = { kafkajs: entry.namespace, ...extra };
      if (entry.level <= logLevel.ERROR) log.error(message, fields);
      else log.warn(message, fields);
    },
    retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 10_000 },
  };
  return new Kafka(config);
}

/**
 * Producer settings that keep what Kafka acknowledged: idempotent (no duplicates on retry),
 * one request in flight so that retries cannot reorder a symbol's records.
 */
export function producerConfig(settings: KafkaClientSettings): ProducerConfig {
  // The Java client's partitioner, so that a symbol lands on the same partition whoever produces it.
  const common = { maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner };
  return settings.acks === "all"
    ? // An idempotent producer keeps retrying (kafkajs' own rule); callers bound a send with their own timeout.
      { ...common, idempotent: true, retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 200, maxRetryTime: 10_000 } }
    : { ...common, idempotent: false };
}

/** The `acks` value of a send: -1 for all in-sync replicas. */
export function sendAcks(settings: KafkaClientSettings): number {
  return settings.acks === "all" ? -1 : 1;
}
