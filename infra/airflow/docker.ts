import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { PORTS } from "../../contract";
import type { AirflowSettings } from "./settings";
import { createContainer, createJob, createVolume, hostAddress, type ContainerSpec, type LocalPlacement } from "../docker";
import {
  AIRFLOW_SERVICES,
  AIRFLOW_USER,
  API_SERVER_ALIAS,
  METADATA_DB_ENV,
  POSTGRES_ALIAS,
  POSTGRES_READY_COMMAND,
  POSTGRES_USER_ID,
  airflowEnv,
  airflowSecretEnv,
  metadataConnection,
  type AirflowSecrets,
} from "./spec";
import { generateAirflowCredentials } from "./credentials";
import { DOCKER_API_CLIENTS, dockerApiProxySpec, type DockerApiProxyArgs } from "./docker-api";

export interface DockerAirflowArgs {
  /** Our Airflow image (apache/airflow with the DAGs and their packages). */
  image: pulumi.Input<string>;
  /** Postgres image of the metadata database (built from the pinned `images.postgres`). */
  postgresImage: pulumi.Input<string>;
  settings: AirflowSettings;
  placement: LocalPlacement;
  /** Host port of the API server (UI). */
  uiPort: number;
  /** Platform settings the DAGs read (Kafka, object store, Spark master). */
  env: Record<string, pulumi.Input<string>>;
  secretEnv: Record<string, pulumi.Input<string>>;
  /** What must be ready before the DAGs run (topics, buckets). */
  dependsOn: pulumi.Input<pulumi.Resource>[];
  /** The proxy of the engine's API the tasks start their containers through (docker-api.ts). */
  dockerApi: DockerApiProxyArgs;
}

export function postgresSpec(image: pulumi.Input<string>, password: pulumi.Input<string>, volume: pulumi.Input<string>): ContainerSpec {
  return {
    role: POSTGRES_ALIAS,
    image,
    user: POSTGRES_USER_ID,
    env: { ...METADATA_DB_ENV },
    secretEnv: { POSTGRES_PASSWORD: password },
    volumes: [{ volume, path: "/var/lib/postgresql/data" }],
    healthcheck: { test: ["CMD", ...POSTGRES_READY_COMMAND], intervalSeconds: 5, retries: 24 },
  };
}

/** Migrates the metadata DB and creates the admin user, once, before any other Airflow service. */
export function airflowInitSpec(args: DockerAirflowArgs, secrets: AirflowSecrets, adminPassword: pulumi.Input<string>): ContainerSpec {
  return {
    role: "airflow-init",
    image: args.image,
    user: AIRFLOW_USER,
    command: ["version"],
    env: {
      ...airflowEnv(args.settings, API_SERVER_ALIAS),
      _AIRFLOW_DB_MIGRATE: "true",
      _AIRFLOW_WWW_USER_CREATE: "true",
      _AIRFLOW_WWW_USER_USERNAME: args.settings.adminUser,
    },
    secretEnv: { ...airflowSecretEnv(secrets), _AIRFLOW_WWW_USER_PASSWORD: adminPassword },
    lifecycle: "job",
  };
}

export function airflowServiceSpec(
  args: DockerAirflowArgs,
  secrets: AirflowSecrets,
  service: keyof typeof AIRFLOW_SERVICES,
  dockerApiNetwork?: pulumi.Input<string>,
): ContainerSpec {
  const { command, healthcheck } = AIRFLOW_SERVICES[service];
  const role = service === "apiserver" ? API_SERVER_ALIAS : `airflow-${service}`;
  const callsDockerApi = (DOCKER_API_CLIENTS as readonly string[]).includes(role) && dockerApiNetwork !== undefined;
  return {
    role,
    networks: callsDockerApi ? [dockerApiNetwork] : undefined,
    image: args.image,
    user: AIRFLOW_USER,
    command: [...command],
    env: { ...args.env, ...airflowEnv(args.settings, API_SERVER_ALIAS) },
    secretEnv: { ...args.secretEnv, ...airflowSecretEnv(secrets) },
    ports: service === "apiserver" ? [{ internal: PORTS.airflowApi, external: args.uiPort }] : undefined,
    healthcheck: { test: [...healthcheck], intervalSeconds: 30, timeoutSeconds: 10, retries: 10, startPeriodSeconds: 30 },
  };
}

/** Airflow 3 (API server, scheduler, DAG processor, triggerer) with its Postgres, on the local Docker engine. */
export class DockerAirflow extends pulumi.ComponentResource {
  readonly uiUrl: pulumi.Output<string>;
  readonly adminUser: pulumi.Output<string>;
  readonly adminPassword: pulumi.Output<string>;

  constructor(name: string, args: DockerAirflowArgs, opts?: pulumi.ComponentResourceOptions) {
    super("market-data:airflow:DockerAirflow", name, {}, opts);
    const child = { parent: this };
    const credentials = generateAirflowCredentials(name, this);
    const dbPassword = credentials.dbPassword;
    const adminPassword = credentials.adminPassword;
    const secrets: AirflowSecrets = {
      connection: metadataConnection(dbPassword, POSTGRES_ALIAS),
      fernetKey: credentials.fernetKey,
      jwtSecret: credentials.jwtSecret,
      apiSecretKey: credentials.apiSecretKey,
    };

    const data = createVolume(name, "postgres-data", args.placement.labels, child);
    const postgres = createContainer(name, postgresSpec(args.postgresImage, dbPassword, data.name), args.placement, child);
    const init = createJob(name, airflowInitSpec(args, secrets, adminPassword), args.placement, "migrating the Airflow database", { parent: this, dependsOn: [postgres] });
    // Internal: the proxy reaches nothing but the engine's socket, and only the scheduler reaches the proxy.
    const dockerApiNetwork = new docker.Network(
      `${name}-docker-api`,
      { name: `${name}-docker-api`, driver: "bridge", internal: true, labels: Object.entries(args.placement.labels).map(([label, value]) => ({ label, value })) },
      child,
    );
    const proxy = createContainer(name, dockerApiProxySpec(args.dockerApi), { ...args.placement, network: dockerApiNetwork.name }, child);
    for (const service of Object.keys(AIRFLOW_SERVICES) as (keyof typeof AIRFLOW_SERVICES)[]) {
      createContainer(name, airflowServiceSpec(args, secrets, service, dockerApiNetwork.name), args.placement, { parent: this, dependsOn: [init.done, proxy, ...args.dependsOn] });
    }
    const host = hostAddress(args.placement.bindAddress);
    this.uiUrl = pulumi.output(`http://${host}:${args.uiPort}`);
    this.adminUser = pulumi.output(args.settings.adminUser);
    this.adminPassword = adminPassword;
    this.registerOutputs({ uiUrl: this.uiUrl, adminUser: this.adminUser });
  }
}
