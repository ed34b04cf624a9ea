import { PORTS, TOPICS } from "../../contract";
import type { KafkaClusterSettings } from "./settings";

/** A topic as every target declares it. */
export interface TopicSpec {
  name: string;
  partitions: number;
  replicationFactor: number;
  /** Topic-level configs, as Kafka spells them. */
  config: Record<string, string>;
}

const HOUR_MS = 3_600_000;

/** The platform's three topics with the stack's durability and retention. */
export function topicSpecs(k: KafkaClusterSettings): TopicSpec[] {
  const durability = {
    "min.insync.replicas": String(k.minInsyncReplicas),
    "unclean.leader.election.enable": "false",
    "cleanup.policy": "delete",
  };
  return [
    { name: TOPICS.realtime, partitions: k.partitions, replicationFactor: k.replicationFactor, config: { ...durability, "retention.ms": String(k.retentionHours.realtime * HOUR_MS) } },
    { name: TOPICS.batch, partitions: k.partitions, replicationFactor: k.replicationFactor, config: { ...durability, "retention.ms": String(k.retentionHours.batch * HOUR_MS) } },
    // One partition keeps dead letters in the order they failed; their volume is small.
    { name: TOPICS.deadLetter, partitions: 1, replicationFactor: k.replicationFactor, config: { ...durability, "retention.ms": String(k.retentionHours.deadLetter * HOUR_MS) } },
  ];
}

/** Cluster-wide broker settings: durability explicit, nothing created by accident. */
export function brokerConfig(k: KafkaClusterSettings): Record<string, string> {
  const internalRf = String(Math.min(3, k.replicationFactor));
  return {
    "default.replication.factor": String(k.replicationFactor),
    "min.insync.replicas": String(k.minInsyncReplicas),
    "unclean.leader.election.enable": "false",
    "auto.create.topics.enable": "false",
    "offsets.topic.replication.factor": internalRf,
    "transaction.state.log.replication.factor": internalRf,
    "transaction.state.log.min.isr": String(Math.min(k.minInsyncReplicas, k.replicationFactor)),
  };
}

/**
 * `min.insync.replicas` → `KAFKA_MIN_INSYNC_REPLICAS`, the apache/kafka image's convention
 * (`_` becomes `__` and `-` becomes `___` so that the mapping can be reversed).
 */
export function propertyToEnv(property: string): string {
  return `KAFKA_${property.replace(/_/g, "__").replace(/-/g, "___").replace(/\./g, "_").toUpperCase()}`;
}

export interface BrokerContainerArgs {
  settings: KafkaClusterSettings;
  /** Network alias of the broker; clients inside the network use `<alias>:9092`. */
  alias: string;
  /** Address advertised to clients on the host, e.g. `127.0.0.1:29092`. */
  hostAdvertised: string;
  clusterId: string;
}

/**
 * Environment of a single KRaft node (broker and controller) of the apache/kafka image. Two client
 * listeners: INTERNAL for containers on the network, HOST for processes on the host.
 */
export function brokerEnv(a: BrokerContainerArgs): Record<string, string> {
  const env: Record<string, string> = {
    CLUSTER_ID: a.clusterId,
    KAFKA_NODE_ID: "1",
    KAFKA_PROCESS_ROLES: "broker,controller",
    KAFKA_LISTENERS: `INTERNAL://:${PORTS.kafkaInternal},HOST://:${PORTS.kafkaHost},CONTROLLER://:${PORTS.kafkaController}`,
    KAFKA_ADVERTISED_LISTENERS: `INTERNAL://${a.alias}:${PORTS.kafkaInternal},HOST://${a.hostAdvertised}`,
    KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: "INTERNAL:PLAINTEXT,HOST:PLAINTEXT,CONTROLLER:PLAINTEXT",
    KAFKA_INTER_BROKER_LISTENER_NAME: "INTERNAL",
    KAFKA_CONTROLLER_LISTENER_NAMES: "CONTROLLER",
    KAFKA_CONTROLLER_QUORUM_VOTERS: `1@${a.alias}:${PORTS.kafkaController}`,
    KAFKA_LOG_DIRS: BROKER_DATA_DIR,
    KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: "0",
  };
  for (const [property, value] of Object.entries(brokerConfig(a.settings))) env[propertyToEnv(property)] = value;
  return env;
}

export const BROKER_DATA_DIR = "/var/lib/kafka/data";
const KAFKA_BIN = "/opt/kafka/bin";

function shellQuote(value: string): string {
  return /^[A-Za-z0-9_.,=:@/-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Script of the one-shot job that converges the topics with the Kafka CLI of the broker's image:
 * creates missing topics, applies configs to existing ones, and grows partitions (Kafka cannot
 * shrink them, so fewer partitions than exist is reported and fails the job).
 */
export function topicInitScript(bootstrap: string, topics: TopicSpec[]): string {
  const lines = ["set -eu", `B=${shellQuote(bootstrap)}`];
  for (const t of topics) {
    const configs = Object.entries(t.config).map(([k, v]) => `${k}=${v}`);
    const name = shellQuote(t.name);
    lines.push(
      `${KAFKA_BIN}/kafka-topics.sh --bootstrap-server "$B" --create --if-not-exists --topic ${name} --partitions ${t.partitions} --replication-factor ${t.replicationFactor} ${configs.map((c) => `--config ${shellQuote(c)}`).join(" ")}`,
      `${KAFKA_BIN}/kafka-configs.sh --bootstrap-server "$B" --alter --entity-type topics --entity-name ${name} --add-config ${shellQuote(configs.join(","))}`,
      `have=$(${KAFKA_BIN}/kafka-topics.sh --bootstrap-server "$B" --describe --topic ${name} | grep -c 'Partition: ' || true)`,
      `if [ "$have" -lt ${t.partitions} ]; then ${KAFKA_BIN}/kafka-topics.sh --bootstrap-server "$B" --alter --topic ${name} --partitions ${t.partitions}; fi`,
      `if [ "$have" -gt ${t.partitions} ]; then echo "topic ${t.name} has $have partitions; Kafka cannot shrink it to ${t.partitions}" >&2; exit 1; fi`,
      `echo "topic ${t.name}: ${t.partitions} partitions, replication ${t.replicationFactor}, ${configs.join(" ")}"`,
    );
  }
  return lines.join("\n");
}
