import * as pulumi from "@pulumi/pulumi";
import { PORTS } from "../../contract";
import type { SparkSettings } from "./settings";
import { createContainer, hostAddress, type ContainerSpec, type LocalPlacement } from "../docker";
import { MASTER_HEALTHCHECK, SPARK_JOBS, SPARK_GID, SPARK_MASTER_ALIAS, SPARK_UID, jobCommand, masterCommand, masterUrl, streamingDriverConf, workerCommand } from "./spec";

export interface DockerSparkArgs {
  /** Our Spark image (apache/spark with the jobs and their connector jars). */
  image: pulumi.Input<string>;
  settings: SparkSettings;
  placement: LocalPlacement;
  /** Host port of the master's web UI. */
  uiPort: number;
  /** Settings every job gets (Kafka bootstrap, S3 endpoint, buckets). */
  env: Record<string, pulumi.Input<string>>;
  /** Object-store credentials of the jobs. */
  secretEnv: Record<string, pulumi.Input<string>>;
  /** What must be ready before Spark starts (topics, buckets). */
  dependsOn: pulumi.Input<pulumi.Resource>[];
}

const user = `${SPARK_UID}:${SPARK_GID}`;

export function sparkMasterSpec(args: DockerSparkArgs): ContainerSpec {
  return {
    role: SPARK_MASTER_ALIAS,
    image: args.image,
    user,
    command: masterCommand(SPARK_MASTER_ALIAS),
    env: { ...args.env, SPARK_NO_DAEMONIZE: "true" },
    secretEnv: args.secretEnv,
    ports: [{ internal: PORTS.sparkMasterUi, external: args.uiPort }],
    healthcheck: { test: MASTER_HEALTHCHECK, intervalSeconds: 10, retries: 12 },
  };
}

export function sparkWorkerSpec(args: DockerSparkArgs, index: number): ContainerSpec {
  return {
    role: `spark-worker-${index}`,
    image: args.image,
    user,
    command: workerCommand(args.settings, masterUrl(SPARK_MASTER_ALIAS)),
    env: { ...args.env, SPARK_NO_DAEMONIZE: "true", SPARK_WORKER_DIR: "/tmp/spark-work" },
    secretEnv: args.secretEnv,
  };
}

export const TICK_WINDOWS_ROLE = "spark-tick-windows";

/** The streaming job's driver, on the cluster's master; executors dial it back by its network alias. */
export function tickWindowsSpec(args: DockerSparkArgs): ContainerSpec {
  return {
    role: TICK_WINDOWS_ROLE,
    image: args.image,
    user,
    command: jobCommand(SPARK_JOBS.tickWindows, masterUrl(SPARK_MASTER_ALIAS), streamingDriverConf(TICK_WINDOWS_ROLE, args.settings)),
    env: { ...args.env, SPARK_LOCAL_DIRS: "/tmp/spark-local" },
    secretEnv: args.secretEnv,
  };
}

/** A Spark standalone cluster (one master, N workers) on the local Docker engine, and the streaming job on it. */
export class DockerSpark extends pulumi.ComponentResource {
  readonly masterUrl: pulumi.Output<string>;
  readonly uiUrl: pulumi.Output<string>;

  constructor(name: string, args: DockerSparkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("market-data:spark:DockerSpark", name, {}, opts);
    const master = createContainer(name, sparkMasterSpec(args), args.placement, { parent: this, dependsOn: args.dependsOn });
    const workers = [];
    for (let i = 1; i <= args.settings.workers; i++) {
      workers.push(createContainer(name, sparkWorkerSpec(args, i), args.placement, { parent: this, dependsOn: [master] }));
    }
    createContainer(name, tickWindowsSpec(args), args.placement, { parent: this, dependsOn: [master, ...workers] });
    this.masterUrl = pulumi.output(masterUrl(SPARK_MASTER_ALIAS));
    const host = hostAddress(args.placement.bindAddress);
    this.uiUrl = pulumi.output(`http://${host}:${args.uiPort}`);
    this.registerOutputs({ masterUrl: this.masterUrl, uiUrl: this.uiUrl });
  }
}
