import type * as pulumi from "@pulumi/pulumi";
import { ENV, PORTS, ZONE_BUCKET_ENV, type Zone } from "../../contract";
import type { SparkSettings } from "../config";

/** The apache/spark image's `spark` user. */
export const SPARK_UID = 185;
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
    "--webui-port",
    String(PORTS.sparkWorkerUi),
    master,
  ];
}

/** What Spark jobs (and the DAGs that submit them) need to reach Kafka, the object store and Spark. */
export function jobEnv(a: {
  kafkaBootstrap: pulumi.Input<string>;
  s3Endpoint?: pulumi.Input<string>;
  buckets: Partial<Record<Zone, pulumi.Input<string>>>;
  /** Unset for the Spark pods themselves, which are told their master by command line. */
  sparkMaster?: pulumi.Input<string>;
}): Record<string, pulumi.Input<string>> {
  const env: Record<string, pulumi.Input<string>> = { [ENV.kafkaBrokers]: a.kafkaBootstrap };
  if (a.sparkMaster !== undefined) env[ENV.sparkMasterUrl] = a.sparkMaster;
  if (a.s3Endpoint) {
    env[ENV.s3Endpoint] = a.s3Endpoint;
    env[ENV.s3ForcePathStyle] = "true";
  }
  for (const [zone, bucket] of Object.entries(a.buckets) as [Zone, pulumi.Input<string>][]) env[ZONE_BUCKET_ENV[zone]] = bucket;
  return env;
}

/** Probe of the master's JSON status page; the image ships wget, not curl. */
export const MASTER_HEALTHCHECK = ["CMD-SHELL", `wget -q -O /dev/null http://localhost:${PORTS.sparkMasterUi}/json/`];
