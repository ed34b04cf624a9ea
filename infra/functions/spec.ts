import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { CONSUMER_GROUPS, ENV, FUNCTION_COMMANDS, PORTS, TOPICS } from "../../contract";
import type { KafkaUserSpec } from "../kafka";
import type { FunctionsSettings } from "./settings";

/** Images we build from this repository, with the files each is built from. */
export const IMAGE_BUILDS = {
  functions: {
    context: ".",
    dockerfile: "functions/Dockerfile",
    inputs: ["package.json", "package-lock.json", "tsconfig.json", "contract", "functions/Dockerfile", "functions/main.ts", "functions/lib", "functions/realtime-producer", "functions/batch-producer", "functions/sink", "functions/admin", "functions/dashboard"],
  },
  spark: { context: "functions/spark", dockerfile: "functions/spark/Dockerfile", inputs: ["functions/spark"] },
  // Airflow gets the Spark jobs too: its tasks submit them.
  airflow: { context: "functions", dockerfile: "functions/airflow/Dockerfile", inputs: ["functions/airflow", "functions/spark/jobs"] },
  // The public image, rebuilt unchanged, so that it is pushed and pulled by digest like ours.
  postgres: { context: "functions/postgres", dockerfile: "functions/postgres/Dockerfile", inputs: ["functions/postgres"] },
} as const;

export type BuiltImage = keyof typeof IMAGE_BUILDS;
export const BUILT_IMAGES = Object.keys(IMAGE_BUILDS) as BuiltImage[];

const SKIPPED = new Set(["node_modules", "dist", ".cache", "__pycache__", ".pytest_cache", ".venv"]);

function listFiles(root: string, rel: string): string[] {
  const abs = path.join(root, rel);
  if (!fs.existsSync(abs)) return [];
  if (fs.statSync(abs).isFile()) return [rel];
  return fs
    .readdirSync(abs)
    .filter((entry) => !SKIPPED.has(entry) && !entry.endsWith(".test.ts") && !entry.endsWith(".itest.ts"))
    .flatMap((entry) => listFiles(root, path.posix.join(rel, entry)));
}

/**
 * A tag from the content of an image's inputs: it changes exactly when a rebuild would, so that
 * containers and Deployments roll only when the code changed, and the tag is pinned.
 */
export function contentTag(root: string, inputs: readonly string[]): string {
  const hash = crypto.createHash("sha256");
  for (const file of inputs.flatMap((i) => listFiles(root, i)).sort()) {
    hash.update(file).update("\0").update(fs.readFileSync(path.join(root, file))).update("\0");
  }
  return `src-${hash.digest("hex").slice(0, 16)}`;
}

/** Where the functions find Kafka and the object store; every value comes from those components. */
export interface FunctionWiring {
  kafkaBootstrap: pulumi.Input<string>;
  /** Unset on AWS, where the SDK finds S3 by region. */
  s3Endpoint?: pulumi.Input<string>;
  s3Region: string;
  rawBucket: pulumi.Input<string>;
}

export type Env = Record<string, pulumi.Input<string>>;

/** The functions' user: the node image's `node` (uid 1000). */
export const FUNCTION_UID = 1000;

/**
 * Their user on Kubernetes: above the node's own accounts (10000 and up), so that a container
 * escape lands on no user of the host. The image's files are readable by anyone, so any uid runs it.
 */
export const FUNCTION_POD_UID = 10001;

export const SINK_GROUP_ID = CONSUMER_GROUPS.sink.default;
export const DASHBOARD_GROUP_ID = CONSUMER_GROUPS.dashboard.default;

function kafkaEnv(w: FunctionWiring, clientId: string): Env {
  return { [ENV.kafkaBrokers]: w.kafkaBootstrap, [ENV.kafkaClientId]: clientId, [ENV.kafkaAcks]: "all" };
}

function s3Env(w: FunctionWiring): Env {
  return w.s3Endpoint === undefined
    ? { [ENV.s3Region]: w.s3Region }
    : { [ENV.s3Region]: w.s3Region, [ENV.s3Endpoint]: w.s3Endpoint, [ENV.s3ForcePathStyle]: "true" };
}

export function realtimeProducerEnv(f: FunctionsSettings, w: FunctionWiring): Env {
  return {
    ...kafkaEnv(w, FUNCTION_COMMANDS.realtimeProducer),
    [ENV.symbols]: f.symbols.join(","),
    [ENV.tickIntervalMs]: String(f.tickIntervalMs),
    [ENV.simulationSeed]: String(f.simulationSeed),
    [ENV.quoteSource]: f.quoteSource,
    [ENV.metricsPort]: String(PORTS.functionsMetrics),
  };
}

export function batchProducerEnv(f: FunctionsSettings, w: FunctionWiring): Env {
  return {
    ...kafkaEnv(w, FUNCTION_COMMANDS.batchProducer),
    [ENV.batchSymbols]: f.batchSymbols.join(","),
    [ENV.batchSource]: f.batchSource,
    [ENV.simulationSeed]: String(f.simulationSeed),
    [ENV.metricsPort]: String(PORTS.functionsMetrics),
  };
}

export function sinkEnv(f: FunctionsSettings, w: FunctionWiring): Env {
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
