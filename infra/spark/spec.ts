import type * as pulumi from "@pulumi/pulumi";
import { ENV, PORTS, ZONE_BUCKET_ENV, type Zone } from "../../contract";
import type { SparkSettings } from "./settings";

/**
 * The user our Spark image runs as (functions/spark/Dockerfile): uid 10185, above any host's users,
 * in the apache/spark image's `spark` group 185, which owns Spark's files.
 */
export const SPARK_UID = 10185;
export const SPARK_GID = 185;
export const SPARK_HOME = "/opt/spark";
export const SPARK_MASTER_ALIAS = "spark-master";

export function masterUrl(host: string): string {
  return `spark://${host}:${PORTS.sparkMaster}`;
}

/** Standalone master in the foreground (the image's entrypoint passes other commands through). */
export function masterCommand(host: string): string[] {
  return [`${SPARK_HOME}/bin/spark-class`, "org.apache.spark.deploy.master.Master", "--host", host, "--port", String(PORTS.sparkMaster), "--webui-port", String(PORTS.sparkMasterUi)];
}

export function workerCommand(settings: SparkSettings, master: string): string[] {
  return [
    `${SPARK_HOME}/bin/spark-class`,
    "org.apache.spark.deploy.worker.Worker",
    "--cores",
    String(settings.workerCores),
    "--memory",
    settings.workerMemory,
    "--port",
    String(WORKER_PORT),
    "--webui-port",
    String(PORTS.sparkWorkerUi),
    master,
  ];
}

/** What Spark jobs (and the DAGs that submit them) need to reach Kafka, the object store and Spark. */
export function jobEnv(a: {
  kafkaBootstrap: pulumi.Input<string>;
  s3Endpoint?: pulumi.Input<string>;
  bucketNames: Partial<Record<Zone, pulumi.Input<string>>>;
  /** Unset for the Spark pods themselves, which are told their master by command line. */
  sparkMaster?: pulumi.Input<string>;
}): Record<string, pulumi.Input<string>> {
  const env: Record<string, pulumi.Input<string>> = { [ENV.kafkaBrokers]: a.kafkaBootstrap };
  if (a.sparkMaster !== undefined) env[ENV.sparkMasterUrl] = a.sparkMaster;
  if (a.s3Endpoint) {
    env[ENV.s3Endpoint] = a.s3Endpoint;
    env[ENV.s3ForcePathStyle] = "true";
  }
  for (const [zone, bucket] of Object.entries(a.bucketNames) as [Zone, pulumi.Input<string>][]) env[ZONE_BUCKET_ENV[zone]] = bucket;
  return env;
}

/** Probe of the master's JSON status page; the image ships wget, not curl. */
export const MASTER_HEALTHCHECK = ["CMD-SHELL", `wget -q -O /dev/null http://localhost:${PORTS.sparkMasterUi}/json/`];

/** Where the Spark image keeps our jobs (functions/spark/jobs). */
export const JOBS_DIR = "/opt/market-data/jobs";

/** The jobs of functions/spark/jobs, one command each (`spark-submit <dir>/<job>.py`). */
export const SPARK_JOBS = { dailyMetrics: "daily_metrics", tickWindows: "tick_windows" } as const;
export type SparkJob = (typeof SPARK_JOBS)[keyof typeof SPARK_JOBS];

/** Ports a driver in a container listens on, so that executors can dial it back. */
export const DRIVER_PORTS = { driver: 7078, blockManager: 7079 } as const;

/** The port a worker takes its master's orders on, pinned so that a NetworkPolicy can name it. */
export const WORKER_PORT = 7080;

/**
 * Every port Spark's processes talk to each other on: the master's, then drivers', block managers'
 * and workers' (a block manager that finds its port taken tries the next ones).
 */
export const SPARK_PORT_RANGE = { from: PORTS.sparkMaster, to: 7099 } as const;

/** Labels the pods of a Spark cluster and every driver of it (the streaming job, Airflow's tasks). */
export const SPARK_LABEL = { "market-data.platform/spark": "true" } as const;

/**
 * `spark-defaults.conf` of a cluster that authenticates every connection with a shared secret and
 * encrypts RPC (AES-GCM, no SASL fallback). Master, workers and drivers read it from
 * `SPARK_CONF_DIR`, so the secret is on no command line; a worker hands it to its executors.
 */
export function sparkSecurityConf(secret: string): string {
  const conf: Record<string, string> = {
    "spark.authenticate": "true",
    "spark.authenticate.secret": secret,
    "spark.network.crypto.enabled": "true",
    "spark.network.crypto.cipher": "AES/GCM/NoPadding",
    "spark.network.crypto.saslFallback": "false",
    "spark.master.rest.enabled": "false",
  };
  return `${Object.entries(conf)
    .map(([key, value]) => `${key} ${value}`)
    .join("\n")}\n`;
}

/** `spark-submit` of one of our jobs on `master`, with `conf` sorted for stable previews. */
export function jobCommand(job: SparkJob, master: string, conf: Record<string, string>, args: string[] = []): string[] {
  const confArgs = Object.keys(conf)
    .sort()
    .flatMap((key) => ["--conf", `${key}=${conf[key]}`]);
  return [`${SPARK_HOME}/bin/spark-submit`, "--master", master, ...confArgs, `${JOBS_DIR}/${job}.py`, ...args];
}

/**
 * A long-running driver in its own container or pod: reachable by executors at `host` on fixed
 * ports, and bounded to one worker's cores and half its memory so that batch jobs still find room.
 */
export function streamingDriverConf(host: string, settings: SparkSettings): Record<string, string> {
  return {
    "spark.driver.host": host,
    "spark.driver.bindAddress": "0.0.0.0",
    "spark.driver.port": String(DRIVER_PORTS.driver),
    "spark.blockManager.port": String(DRIVER_PORTS.blockManager),
    "spark.driver.memory": "768m",
    "spark.cores.max": String(settings.workerCores),
    "spark.executor.memory": `${Math.floor(sparkMemoryMiB(settings.workerMemory) / 2)}m`,
  };
}

/** `4g` → 4096, `512m` → 512 (MiB). */
export function sparkMemoryMiB(memory: string): number {
  const m = /^(\d+)([mg])$/.exec(memory);
  if (!m) throw new Error(`\`spark.workerMemory\` must look like 4g or 512m (got "${memory}")`);
  return Number(m[1]) * (m[2] === "g" ? 1024 : 1);
}
