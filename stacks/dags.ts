import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { FUNCTION_COMMANDS, LOADED_TABLES } from "../contract";
import type { AirflowConnection, DagProgram, DagRunner } from "../infra/airflow/dags";
import type { FunctionsSettings, SnowflakeSettings } from "../infra/config";
import { airflowLoaderUser, type SnowflakeNames } from "../infra/snowflake";
import { functionEgress, functionPodSpec, type KafkaClientSecrets } from "../infra/functions";
import type { FunctionEnv } from "../infra/functions/spec";
import { EGRESS_LABELS, KAFKA_CLIENT_FILES, KAFKA_CLIENT_LABEL, kafkaClientFiles } from "../infra/kubernetes";
import { DRIVER_PORTS, JOBS_DIR, SPARK_HOME, SPARK_LABEL, sparkPodSpec } from "../infra/spark";

type PodSpec = k8s.types.input.core.v1.PodSpec;
type Volume = k8s.types.input.core.v1.Volume;
type VolumeMount = k8s.types.input.core.v1.VolumeMount;

/** KubernetesPodOperator's own container in a pod template; the task's command replaces its args. */
const TASK_CONTAINER = "base";

/** The Kafka user Airflow reads the sink group's offsets as (a Strimzi KafkaUser: its Secret holds `password`). */
export const AIRFLOW_KAFKA_USER = "airflow";

/**
 * Kafka's CA and the Airflow user's password as files of every Airflow pod, and the Kafka
 * connection's extra that names them: librdkafka reads the CA itself, the DAGs read the password.
 */
export function airflowKafkaFiles(userSecret: pulumi.Input<string>, caSecret: pulumi.Input<string>): { volumes: Volume[]; mounts: VolumeMount[]; extra: Record<string, string> } {
  return {
    ...kafkaClientFiles(userSecret, caSecret),
    extra: {
      "security.protocol": "SASL_SSL",
      "sasl.mechanism": "SCRAM-SHA-512",
      "sasl.username": AIRFLOW_KAFKA_USER,
      "sasl.password.file": KAFKA_CLIENT_FILES.password,
      "ssl.ca.location": KAFKA_CLIENT_FILES.ca,
    },
  };
}

/** Which loaded table lands in Snowflake's staging table how: the pipe where the program declares one, the DAG otherwise. */
export function snowflakeLanding(pipedTables: readonly string[]): Record<string, "pipe" | "dag"> {
  return Object.fromEntries(Object.keys(LOADED_TABLES).map((t) => [t, pipedTables.includes(t) ? "pipe" : "dag"]));
}

/**
 * The load's Snowflake connection: Airflow's own loader user (infra/snowflake/loader.ts), whose one
 * role is the loader's, in the load warehouse. Its private key is the stack's secret and stays one.
 */
export function snowflakeConnection(sf: SnowflakeSettings, names: SnowflakeNames, privateKey: pulumi.Input<string>): AirflowConnection {
  return {
    conn_type: "snowflake",
    login: airflowLoaderUser(names),
    extra: {
      account: `${sf.organization}-${sf.account}`,
      database: names.database,
      schema: names.schema,
      warehouse: names.warehouse,
      role: names.loaderRole,
      private_key_content: pulumi.secret(privateKey),
    },
  };
}

/** spark-submit as a driver in its own container or pod, dialled back by the executors at `host` on the pinned ports. */
export function sparkSubmitCommand(master: pulumi.Input<string>, host: string): pulumi.Output<string[]> {
  const conf = {
    "spark.blockManager.port": String(DRIVER_PORTS.blockManager),
    "spark.driver.bindAddress": "0.0.0.0",
    "spark.driver.host": host,
    "spark.driver.port": String(DRIVER_PORTS.driver),
  };
  return pulumi.output(master).apply((m) => [`${SPARK_HOME}/bin/spark-submit`, "--master", m, ...Object.entries(conf).flatMap(([k, v]) => ["--conf", `${k}=${v}`])]);
}

/** dev: each program in a container on the local Docker engine, on the platform's network. */
export function dockerDagRunner(a: {
  functionsImage: pulumi.Input<string>;
  sparkImage: pulumi.Input<string>;
  network: pulumi.Input<string>;
  sparkMaster: pulumi.Input<string>;
  batchEnv: FunctionEnv;
  sparkEnv: Record<string, pulumi.Input<string>>;
  /** The engine's API as the scheduler reaches it: the proxy, never the socket. */
  dockerUrl: string;
}): DagRunner {
  const driverHost = "airflow-spark-submit";
  return {
    kind: "docker",
    jobs_dir: JOBS_DIR,
    docker_url: a.dockerUrl,
    network: a.network,
    hostname: driverHost,
    programs: {
      [FUNCTION_COMMANDS.batchProducer]: { image: a.functionsImage, command: [FUNCTION_COMMANDS.batchProducer], env: a.batchEnv, secrets: ["kafka"] },
      "spark-submit": { image: a.sparkImage, command: sparkSubmitCommand(a.sparkMaster, driverHost) as unknown as pulumi.Input<string>[], env: a.sparkEnv, secrets: ["s3"] },
    },
  };
}

/** A pod template for KubernetesPodOperator: the pod's labels say what it may reach; its spec is restricted. */
function podTemplate(labels: Record<string, string>, spec: PodSpec): pulumi.Output<Record<string, unknown>> {
  return pulumi.output(spec).apply((resolved): Record<string, unknown> => {
    const [container, ...others] = resolved.containers;
    return { apiVersion: "v1", kind: "Pod", metadata: { labels }, spec: { ...resolved, restartPolicy: "Never", containers: [{ ...container, name: TASK_CONTAINER }, ...others] } };
  });
}

/**
 * prod: each program in a pod of its own, as restricted as the platform's long-running pods: the
 * batch producer's pod, the only one that publishes the daily bars (its Kafka user's password and the
 * cluster CA as files, its own service account without a token); spark-submit's pod is a Spark driver (the cluster's
 * authentication conf mounted, the Spark label for the driver and block-manager ports, HTTPS for S3
 * under the Spark service account's role).
 */
export function kubernetesDagRunner(a: {
  namespace: pulumi.Input<string>;
  labels: Record<string, string>;
  functionsImage: pulumi.Input<string>;
  sparkImage: pulumi.Input<string>;
  functions: FunctionsSettings;
  batchEnv: FunctionEnv;
  kafkaSecrets: KafkaClientSecrets;
  sparkMaster: pulumi.Input<string>;
  sparkEnv: { name: string; value: pulumi.Input<string> }[];
  sparkServiceAccount: pulumi.Input<string>;
  sparkConfSecret: pulumi.Input<string>;
}): DagRunner {
  const batch = FUNCTION_COMMANDS.batchProducer;
  const batchPod = functionPodSpec({ image: a.functionsImage, command: batch, env: a.batchEnv, secrets: a.kafkaSecrets, serviceAccountName: batch, restartPolicy: "Never" });
  const sparkPod = sparkPodSpec({
    serviceAccountName: a.sparkServiceAccount,
    confSecret: a.sparkConfSecret,
    container: {
      name: TASK_CONTAINER,
      image: a.sparkImage,
      env: [{ name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } }, ...a.sparkEnv, { name: "SPARK_LOCAL_DIRS", value: "/tmp/local" }],
      ports: [
        { name: "driver", containerPort: DRIVER_PORTS.driver },
        { name: "block-manager", containerPort: DRIVER_PORTS.blockManager },
      ],
      resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "1", memory: "2Gi" } },
    },
  });
  const programs: Record<string, DagProgram> = {
    [batch]: {
      command: [batch],
      env: {},
      secrets: [],
      pod_template: podTemplate({ ...a.labels, "app.kubernetes.io/name": batch, "app.kubernetes.io/component": "airflow-task", ...KAFKA_CLIENT_LABEL, ...functionEgress(batch, a.functions) }, batchPod),
    },
    "spark-submit": {
      // Kubernetes expands $(POD_IP) from the container's env.
      command: sparkSubmitCommand(a.sparkMaster, "$(POD_IP)") as unknown as pulumi.Input<string>[],
      env: {},
      secrets: [],
      pod_template: podTemplate({ ...a.labels, "app.kubernetes.io/name": "spark-submit", "app.kubernetes.io/component": "airflow-task", ...SPARK_LABEL, ...EGRESS_LABELS.https }, sparkPod),
    },
  };
  return { kind: "kubernetes", jobs_dir: JOBS_DIR, namespace: a.namespace, programs: programs as DagRunner["programs"] };
}
