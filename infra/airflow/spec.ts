import * as pulumi from "@pulumi/pulumi";
import { PORTS } from "../../contract";
import { whenPresent } from "../outputs";
import type { AirflowSettings } from "./settings";

/** The apache/airflow image's user; its entrypoint requires group 0. */
export const AIRFLOW_UID = 50000;
export const AIRFLOW_GID = 0;
export const AIRFLOW_USER = `${AIRFLOW_UID}:${AIRFLOW_GID}`;
/** The official postgres image's user, which owns the cluster's data on its volume. */
export const POSTGRES_UID = 999;
export const POSTGRES_USER_ID = `${POSTGRES_UID}:${POSTGRES_UID}`;
export const POSTGRES_ALIAS = "postgres";
export const API_SERVER_ALIAS = "airflow-apiserver";
export const METADATA_DB = "airflow";
export const METADATA_DB_USER = "airflow";

/** The metadata database's user and database, as the postgres image creates them on first start. */
export const METADATA_DB_ENV = { POSTGRES_USER: METADATA_DB_USER, POSTGRES_DB: METADATA_DB } as const;
/** Ready when Postgres accepts connections to Airflow's database. */
export const POSTGRES_READY_COMMAND = ["pg_isready", "-h", "127.0.0.1", "-U", METADATA_DB_USER, "-d", METADATA_DB] as const;

/**
 * Airflow's settings on both targets, by airflow.cfg section and key: FAB's auth manager (users and
 * roles in the metadata DB) with its DB manager (which migrates FAB's tables), no examples, new
 * DAGs paused. {@link airflowConfigEnv} renders them for Docker, {@link airflowConfigValues} for the chart.
 */
export const AIRFLOW_CONFIG = {
  core: {
    auth_manager: "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager",
    load_examples: false,
    dags_are_paused_at_creation: true,
  },
  database: { external_db_managers: "airflow.providers.fab.auth_manager.models.db.FABDBManager" },
} as const satisfies Record<string, Record<string, string | boolean>>;

type AirflowConfig = Record<string, Record<string, string | boolean>>;

/** The settings as Airflow's AIRFLOW__SECTION__KEY variables. */
export function airflowConfigEnv(config: AirflowConfig = AIRFLOW_CONFIG): Record<string, string> {
  return Object.fromEntries(
    Object.entries(config).flatMap(([section, keys]) => Object.entries(keys).map(([key, value]) => [`AIRFLOW__${section.toUpperCase()}__${key.toUpperCase()}`, String(value)])),
  );
}

/** The settings as the chart's `config` values, which it writes into airflow.cfg (booleans as Python spells them). */
export function airflowConfigValues(config: AirflowConfig = AIRFLOW_CONFIG): Record<string, Record<string, string>> {
  const render = (value: string | boolean) => (typeof value === "boolean" ? (value ? "True" : "False") : value);
  return Object.fromEntries(Object.entries(config).map(([section, keys]) => [section, Object.fromEntries(Object.entries(keys).map(([key, value]) => [key, render(value)]))]));
}

/** Metadata DB URL; the password is URL-encoded, and the result stays a secret. */
export function metadataConnection(password: pulumi.Input<string>, host: pulumi.Input<string>, driver = "postgresql+psycopg2"): pulumi.Output<string> {
  return pulumi.secret(whenPresent(pulumi.all([password, host]), ([p, h]) => `${driver}://${METADATA_DB_USER}:${encodeURIComponent(p)}@${h}:${PORTS.postgres}/${METADATA_DB}`));
}

/** Settings every Airflow service on Docker shares (Airflow's AIRFLOW__SECTION__KEY convention). */
export function airflowEnv(settings: AirflowSettings, apiServerHost: string): Record<string, string> {
  return {
    ...airflowConfigEnv(),
    AIRFLOW__CORE__EXECUTOR: settings.executor,
    // The chart sets these two itself.
    AIRFLOW__CORE__EXECUTION_API_SERVER_URL: `http://${apiServerHost}:${PORTS.airflowApi}/execution/`,
    AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK: "true",
  };
}

export interface AirflowSecrets {
  connection: pulumi.Input<string>;
  fernetKey: pulumi.Input<string>;
  /** Every service must sign and verify task tokens with the same key. */
  jwtSecret: pulumi.Input<string>;
  apiSecretKey: pulumi.Input<string>;
}

/**
 * Where each of Airflow's shared credentials goes on each target: its variable on Docker, and on
 * Kubernetes the chart's Secret (by the role its name ends with) and the key the chart reads there.
 */
export const AIRFLOW_SECRETS = {
  connection: { env: "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", secret: "metadata", key: "connection" },
  fernetKey: { env: "AIRFLOW__CORE__FERNET_KEY", secret: "fernet", key: "fernet-key" },
  jwtSecret: { env: "AIRFLOW__API_AUTH__JWT_SECRET", secret: "jwt", key: "jwt-secret" },
  apiSecretKey: { env: "AIRFLOW__API__SECRET_KEY", secret: "api-key", key: "api-secret-key" },
} as const satisfies Record<keyof AirflowSecrets, { env: string; secret: string; key: string }>;

/** The credentials as Docker env. */
export function airflowSecretEnv(s: AirflowSecrets): Record<string, pulumi.Input<string>> {
  return Object.fromEntries((Object.keys(AIRFLOW_SECRETS) as (keyof AirflowSecrets)[]).map((k) => [AIRFLOW_SECRETS[k].env, s[k]]));
}

/** The credentials as the chart's Secrets: the data of each, by the role its name ends with. */
export function airflowChartSecretData(s: AirflowSecrets): Record<string, Record<string, pulumi.Input<string>>> {
  return Object.fromEntries((Object.keys(AIRFLOW_SECRETS) as (keyof AirflowSecrets)[]).map((k) => [AIRFLOW_SECRETS[k].secret, { [AIRFLOW_SECRETS[k].key]: s[k] }]));
}

/** Long-running Airflow 3 services: command and health check of each. */
export const AIRFLOW_SERVICES = {
  apiserver: { command: ["api-server"], healthcheck: ["CMD", "curl", "--fail", "--silent", `http://localhost:${PORTS.airflowApi}/api/v2/version`] },
  scheduler: { command: ["scheduler"], healthcheck: ["CMD", "curl", "--fail", "--silent", "http://localhost:8974/health"] },
  "dag-processor": { command: ["dag-processor"], healthcheck: ["CMD-SHELL", 'airflow jobs check --job-type DagProcessorJob --hostname "$HOSTNAME"'] },
  triggerer: { command: ["triggerer"], healthcheck: ["CMD-SHELL", 'airflow jobs check --job-type TriggererJob --hostname "$HOSTNAME"'] },
} as const;

/** Fernet keys are 32 random bytes in URL-safe base64 with padding. */
export function fernetKeyFromB64Url(b64url: string): string {
  return b64url.endsWith("=") ? b64url : `${b64url}=`;
}
