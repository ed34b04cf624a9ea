import * as pulumi from "@pulumi/pulumi";
import { FUNCTION_COMMANDS, ZONES, type Zone } from "../../contract";

/**
 * What the market-data DAGs read at run time (functions/airflow/dags/market_data/settings.py): four
 * Airflow variables, plain JSON without a credential, and the connections that hold the credentials.
 * The DAG files never change between stacks; these do.
 */
export const DAG_VARIABLES = {
  runner: "AIRFLOW_VAR_MARKET_DATA_RUNNER",
  buckets: "AIRFLOW_VAR_MARKET_DATA_BUCKETS",
  pipeline: "AIRFLOW_VAR_MARKET_DATA_PIPELINE",
  snowflake: "AIRFLOW_VAR_MARKET_DATA_SNOWFLAKE",
} as const;

/** Connection ids as the DAGs name them (`market_data.settings.CONNECTIONS`). */
export const DAG_CONNECTIONS = { kafka: "market_data_kafka", s3: "market_data_s3", snowflake: "market_data_snowflake" } as const;
export type DagConnection = keyof typeof DAG_CONNECTIONS;

/** One program a task runs: the argv before the task's own arguments, its standing env, and where it runs. */
export interface DagProgram {
  command: pulumi.Input<string>[];
  env: Record<string, pulumi.Input<string>>;
  /** Credentials a local or docker runner hands in from the connections; a pod mounts its own. */
  secrets: ("kafka" | "s3")[];
  /** docker: the image. */
  image?: pulumi.Input<string>;
  /** docker: the user the container runs as. */
  user?: string;
  /** kubernetes: the whole pod (security context, labels, Secret volumes), container `base`. */
  pod_template?: pulumi.Input<Record<string, unknown>>;
}

export interface DagRunner {
  kind: "docker" | "kubernetes";
  /** The Spark jobs' folder as spark-submit sees it. */
  jobs_dir: string;
  programs: { [FUNCTION_COMMANDS.batchProducer]: DagProgram; "spark-submit": DagProgram };
  /** docker: daemon URL and network; kubernetes: namespace. */
  [option: string]: unknown;
}

export interface DagSettingsArgs {
  runner: DagRunner;
  bucketNames: Record<Zone, pulumi.Input<string>>;
  sinkGroup: string;
  batchSymbols: string[];
  realtimeSymbols: string[];
  /** Tables loaded into Snowflake, each landed by a `pipe` or by the `dag`; unset: Snowflake is off. */
  snowflakeLanding?: Record<string, "pipe" | "dag">;
}

/** `AIRFLOW_VAR_*` of the DAGs: JSON, plain (no credential passes here), in a fixed key order for stable previews. */
export function dagVariables(a: DagSettingsArgs): Record<string, pulumi.Output<string>> {
  const json = (value: unknown) => pulumi.jsonStringify(pulumi.output(value));
  return {
    [DAG_VARIABLES.runner]: json(a.runner),
    [DAG_VARIABLES.buckets]: json(Object.fromEntries(ZONES.map((z) => [z, a.bucketNames[z]]))),
    [DAG_VARIABLES.pipeline]: json({
      sink_group: a.sinkGroup,
      batch_symbols: a.batchSymbols,
      realtime_symbols: a.realtimeSymbols,
      // The streaming job runs all the time on both targets: the hourly DAG only checks it is current.
      tick_windows_mode: "continuous",
    }),
    [DAG_VARIABLES.snowflake]: json(a.snowflakeLanding ? { enabled: true, landing: a.snowflakeLanding } : { enabled: false }),
  };
}

/** An Airflow connection in its JSON form (what `AIRFLOW_CONN_<ID>` or a connections file holds). */
export interface AirflowConnection {
  conn_type: string;
  login?: pulumi.Input<string>;
  password?: pulumi.Input<string>;
  extra?: Record<string, pulumi.Input<string>>;
}

/** `AIRFLOW_CONN_<ID>` of each connection, as one secret each: a connection may hold a credential. */
export function connectionEnv(connections: Partial<Record<DagConnection, AirflowConnection>>): Record<string, pulumi.Output<string>> {
  return Object.fromEntries(
    (Object.keys(connections) as DagConnection[]).sort().map((c) => [`AIRFLOW_CONN_${DAG_CONNECTIONS[c].toUpperCase()}`, pulumi.secret(pulumi.jsonStringify(pulumi.output(connections[c]!)))]),
  );
}

/** Where Airflow reads its connections from on Kubernetes: a file of a mounted Secret, never a variable. */
export const CONNECTIONS_MOUNT = "/etc/airflow-connections";
export const CONNECTIONS_FILE = "connections.json";

/** The connections file's content: `{ "<conn_id>": { ...connection } }`, a secret. */
export function connectionsFile(connections: Partial<Record<DagConnection, AirflowConnection>>): pulumi.Output<string> {
  const byId = Object.fromEntries((Object.keys(connections) as DagConnection[]).sort().map((c) => [DAG_CONNECTIONS[c], connections[c]!]));
  return pulumi.secret(pulumi.jsonStringify(pulumi.output(byId)));
}

/** Airflow's settings that make it read connections from that file (variables stay `AIRFLOW_VAR_*`). */
export function connectionsFileEnv(): Record<string, string> {
  return {
    AIRFLOW__SECRETS__BACKEND: "airflow.secrets.local_filesystem.LocalFilesystemBackend",
    AIRFLOW__SECRETS__BACKEND_KWARGS: JSON.stringify({ connections_file_path: `${CONNECTIONS_MOUNT}/${CONNECTIONS_FILE}` }),
  };
}
