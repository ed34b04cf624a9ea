import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ENV, PORTS, STOP_GRACE_SECONDS } from "../../contract";
import type { SparkSettings } from "../config";
import { KAFKA_CLIENT_LABEL, restrictedContainerSecurity, restrictedPodSecurity } from "../kubernetes";
import { DRIVER_PORTS, SPARK_JOBS, SPARK_UID, jobCommand, masterCommand, masterUrl, sparkMemoryMiB, streamingDriverConf, workerCommand } from "./spec";

type EnvVar = k8s.types.input.core.v1.EnvVar;

const MASTER_HOSTNAME = "spark-master";
const KAFKA_CA_MOUNT = "/etc/kafka-ca";

/** Worker container resources: what the worker offers to executors, plus the JVM's own overhead. */
export function workerResources(s: SparkSettings): k8s.types.input.core.v1.ResourceRequirements {
  const memory = `${sparkMemoryMiB(s.workerMemory) + 768}Mi`;
  return { requests: { cpu: String(s.workerCores), memory }, limits: { memory } };
}

export interface KubernetesSparkArgs {
  image: pulumi.Input<string>;
  namespace: pulumi.Input<string>;
  settings: SparkSettings;
  /** Service account the pods run as (with its IAM role for the buckets). */
  serviceAccountName: pulumi.Input<string>;
  env: EnvVar[];
  /** Secret with the Kafka cluster CA (`ca.crt`, as Strimzi writes it) that the streaming job trusts. */
  kafkaCaSecret: pulumi.Input<string>;
  labels: Record<string, string>;
}

/**
 * The streaming job's driver: one pod (two would share a checkpoint), dialled back by the executors
 * at its own address, trusting the Kafka cluster's CA from Strimzi's secret.
 */
export function tickWindowsContainer(args: Pick<KubernetesSparkArgs, "image" | "settings" | "env">, master: pulumi.Input<string>): k8s.types.input.core.v1.Container {
  return {
    name: "tick-windows",
    image: args.image,
    // Kubernetes expands $(POD_IP) from the container's env.
    command: pulumi.output(master).apply((m) => jobCommand(SPARK_JOBS.tickWindows, m, streamingDriverConf("$(POD_IP)", args.settings))),
    env: [
      { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
      ...args.env,
      { name: ENV.kafkaCaFile, value: `${KAFKA_CA_MOUNT}/ca.crt` },
      { name: "SPARK_LOCAL_DIRS", value: "/tmp/local" },
    ],
    ports: [{ containerPort: DRIVER_PORTS.driver }, { containerPort: DRIVER_PORTS.blockManager }],
    resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { memory: "1536Mi" } },
  };
}

/** A Spark standalone cluster on Kubernetes: a master Deployment and Service, and N workers. */
export class KubernetesSpark extends pulumi.ComponentResource {
  readonly masterUrl: pulumi.Output<string>;
  readonly uiUrl: pulumi.Output<string>;

  constructor(name: string, args: KubernetesSparkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("market-data:spark:KubernetesSpark", name, {}, opts);
    const child = { parent: this };
    const masterLabels = { ...args.labels, "app.kubernetes.io/component": "spark-master" };
    const workerLabels = { ...args.labels, "app.kubernetes.io/component": "spark-worker" };
    // Headless: the master's pod gets a DNS name (`spark-master.<service>.<ns>.svc`) that resolves to
    // its own address, which Spark needs because the master binds and advertises the same host.
    const service = new k8s.core.v1.Service(
      `${name}-master`,
      {
        metadata: { name: `${name}-master`, namespace: args.namespace, labels: masterLabels },
        spec: {
          clusterIP: "None",
          publishNotReadyAddresses: true,
          selector: masterLabels,
          ports: [
            { name: "spark", port: PORTS.sparkMaster, targetPort: PORTS.sparkMaster },
            { name: "ui", port: PORTS.sparkMasterUi, targetPort: PORTS.sparkMasterUi },
          ],
        },
      },
      child,
    );
    const host = pulumi.interpolate`${MASTER_HOSTNAME}.${service.metadata.name}.${service.metadata.namespace}.svc`;
    const kafkaCa = {
      mounts: [{ name: "kafka-ca", mountPath: KAFKA_CA_MOUNT, readOnly: true }],
      volumes: [{ name: "kafka-ca", secret: { secretName: args.kafkaCaSecret, items: [{ key: "ca.crt", path: "ca.crt" }] } }],
    };
    const pod = (
      labels: Record<string, string>,
      container: k8s.types.input.core.v1.Container,
      dns: Partial<k8s.types.input.core.v1.PodSpec> = {},
      extra: { mounts: k8s.types.input.core.v1.VolumeMount[]; volumes: k8s.types.input.core.v1.Volume[] } = { mounts: [], volumes: [] },
    ): k8s.types.input.core.v1.PodTemplateSpec => ({
      metadata: { labels: { ...labels, ...KAFKA_CLIENT_LABEL } },
      spec: {
        ...dns,
        serviceAccountName: args.serviceAccountName,
        terminationGracePeriodSeconds: STOP_GRACE_SECONDS,
        securityContext: restrictedPodSecurity(SPARK_UID),
        containers: [{ ...container, securityContext: restrictedContainerSecurity(), volumeMounts: [{ name: "tmp", mountPath: "/tmp" }, ...extra.mounts] }],
        volumes: [{ name: "tmp", emptyDir: {} }, ...extra.volumes],
      },
    });
    new k8s.apps.v1.Deployment(
      `${name}-master`,
      {
        metadata: { name: `${name}-master`, namespace: args.namespace, labels: masterLabels },
        spec: {
          replicas: 1,
          strategy: { type: "Recreate" },
          selector: { matchLabels: masterLabels },
          template: pod(
            masterLabels,
            {
              name: "master",
              image: args.image,
              command: host.apply(masterCommand),
              env: [...args.env, { name: "SPARK_NO_DAEMONIZE", value: "true" }],
              ports: [{ containerPort: PORTS.sparkMaster }, { containerPort: PORTS.sparkMasterUi }],
              readinessProbe: { httpGet: { path: "/json/", port: PORTS.sparkMasterUi }, periodSeconds: 10 },
              livenessProbe: { tcpSocket: { port: PORTS.sparkMaster }, periodSeconds: 20, failureThreshold: 6 },
              resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { memory: "1Gi" } },
            },
            { hostname: MASTER_HOSTNAME, subdomain: service.metadata.name },
          ),
        },
      },
      child,
    );
    new k8s.apps.v1.Deployment(
      `${name}-workers`,
      {
        metadata: { name: `${name}-worker`, namespace: args.namespace, labels: workerLabels },
        spec: {
          replicas: args.settings.workers,
          selector: { matchLabels: workerLabels },
          template: pod(workerLabels, {
            name: "worker",
            image: args.image,
            command: host.apply((h) => workerCommand(args.settings, masterUrl(h))),
            env: [...args.env, { name: "SPARK_NO_DAEMONIZE", value: "true" }, { name: "SPARK_WORKER_DIR", value: "/tmp/work" }, { name: "SPARK_LOCAL_DIRS", value: "/tmp/local" }],
            ports: [{ containerPort: PORTS.sparkWorkerUi }],
            livenessProbe: { httpGet: { path: "/json/", port: PORTS.sparkWorkerUi }, periodSeconds: 20, failureThreshold: 6 },
            resources: workerResources(args.settings),
          }),
        },
      },
      { parent: this, dependsOn: [service] },
    );
    const streamingLabels = { ...args.labels, "app.kubernetes.io/component": "spark-tick-windows" };
    new k8s.apps.v1.Deployment(
      `${name}-tick-windows`,
      {
        metadata: { name: `${name}-tick-windows`, namespace: args.namespace, labels: streamingLabels },
        spec: {
          replicas: 1,
          strategy: { type: "Recreate" },
          selector: { matchLabels: streamingLabels },
          template: pod(streamingLabels, tickWindowsContainer(args, host.apply(masterUrl)), {}, kafkaCa),
        },
      },
      { parent: this, dependsOn: [service] },
    );
    this.masterUrl = host.apply(masterUrl);
    this.uiUrl = pulumi.interpolate`http://${host}:${PORTS.sparkMasterUi}`;
    this.registerOutputs({ masterUrl: this.masterUrl, uiUrl: this.uiUrl });
  }
}
