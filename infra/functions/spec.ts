import type * as pulumi from "@pulumi/pulumi";
import { CONSUMER_GROUPS, ENV, FUNCTION_COMMANDS, PORTS, TOPICS } from "../../contract";
import type { KafkaUserSpec } from "../kafka";
import type { FunctionsSettings } from "./settings";

/** Where the functions find Kafka and the object store; every value comes from those components. */
export interface FunctionWiring {
  kafkaBootstrap: pulumi.Input<string>;
  /** Unset on AWS, where the SDK finds S3 by region. */
  s3Endpoint?: pulumi.Input<string>;
  s3Region: string;
  rawBucket: pulumi.Input<string>;
}

export type FunctionEnv = Record<string, pulumi.Input<string>>;

/** The functions' user: the node image's `node` (uid 1000). */
export const FUNCTION_UID = 1000;

/**
 * Their user on Kubernetes: above the node's own accounts (10000 and up), so that a container
 * escape lands on no user of the host. The image's files are readable by anyone, so any uid runs it.
 */
export const FUNCTION_POD_UID = 10001;

export const SINK_GROUP_ID = CONSUMER_GROUPS.sink.default;
export const DASHBOARD_GROUP_ID = CONSUMER_GROUPS.dashboard.default;

function kafkaEnv(w: FunctionWiring, clientId: string): FunctionEnv {
  return { [ENV.kafkaBrokers]: w.kafkaBootstrap, [ENV.kafkaClientId]: clientId, [ENV.kafkaAcks]: "all" };
}

function s3Env(w: FunctionWiring): FunctionEnv {
  return w.s3Endpoint === undefined
    ? { [ENV.s3Region]: w.s3Region }
    : { [ENV.s3Region]: w.s3Region, [ENV.s3Endpoint]: w.s3Endpoint, [ENV.s3ForcePathStyle]: "true" };
}

export function realtimeProducerEnv(f: FunctionsSettings, w: FunctionWiring): FunctionEnv {
  return {
    ...kafkaEnv(w, FUNCTION_COMMANDS.realtimeProducer),
    [ENV.symbols]: f.symbols.join(","),
    [ENV.tickIntervalMs]: String(f.tickIntervalMs),
    [ENV.simulationSeed]: String(f.simulationSeed),
    [ENV.quoteSource]: f.quoteSource,
    [ENV.metricsPort]: String(PORTS.functionsMetrics),
  };
}

export function batchProducerEnv(f: FunctionsSettings, w: FunctionWiring): FunctionEnv {
  return {
    ...kafkaEnv(w, FUNCTION_COMMANDS.batchProducer),
    [ENV.batchSymbols]: f.batchSymbols.join(","),
    [ENV.batchSource]: f.batchSource,
    [ENV.simulationSeed]: String(f.simulationSeed),
    [ENV.metricsPort]: String(PORTS.functionsMetrics),
  };
}

export function sinkEnv(f: FunctionsSettings, w: FunctionWiring): FunctionEnv {
  return {
    ...kafkaEnv(w, FUNCTION_COMMANDS.sink),
    ...s3Env(w),
    [ENV.rawBucket]: w.rawBucket,
    [CONSUMER_GROUPS.sink.env]: SINK_GROUP_ID,
    [ENV.sinkFlushRecords]: String(f.sink.flushRecords),
    [ENV.sinkFlushBytes]: String(f.sink.flushBytes),
    [ENV.sinkFlushIntervalMs]: String(f.sink.flushIntervalMs),
    [ENV.sinkFlushIdleMsRealtime]: String(f.sink.flushIdleMs.realtime),
    [ENV.sinkFlushIdleMsBatch]: String(f.sink.flushIdleMs.batch),
    [ENV.metricsPort]: String(PORTS.functionsMetrics),
  };
}

/** Liveness probe through the function's own /healthz; the slim node image has no curl. */
export const FUNCTION_HEALTHCHECK = [
  "CMD",
  "node",
  "-e",
  `fetch("http://127.0.0.1:${PORTS.functionsMetrics}/healthz").then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`,
];

/** Kafka ACLs each function needs, for the cloud's per-function Kafka users. */
export const FUNCTION_KAFKA_ACCESS = {
  [FUNCTION_COMMANDS.realtimeProducer]: { write: [TOPICS.realtime], read: [], group: undefined },
  [FUNCTION_COMMANDS.batchProducer]: { write: [TOPICS.batch], read: [], group: undefined },
  [FUNCTION_COMMANDS.sink]: { write: [TOPICS.deadLetter], read: [TOPICS.realtime, TOPICS.batch], group: SINK_GROUP_ID },
  [FUNCTION_COMMANDS.dashboard]: { write: [], read: [TOPICS.realtime], group: DASHBOARD_GROUP_ID },
} as const;

/** One Kafka user per function, named after its command, with its access. */
export function functionKafkaUsers(): KafkaUserSpec[] {
  return Object.entries(FUNCTION_KAFKA_ACCESS).map(([name, access]) => ({ name, ...access }));
}
