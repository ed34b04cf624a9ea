import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PORTS, STOP_GRACE_SECONDS } from "../../contract";
import type { SparkSettings } from "../config";
import { KAFKA_CLIENT_LABEL, restrictedContainerSecurity, restrictedPodSecurity } from "../kubernetes";
import { SPARK_UID, masterCommand, masterUrl, workerCommand } from "./spec";

type EnvVar = k8s.types.input.core.v1.EnvVar;

const MASTER_HOSTNAME = "spark-master";

/** `4g` → 4096, `512m` → 512 (MiB). */
export function sparkMemoryMiB(memory: string): number {
  const m = /^(\d+)([mg])$/.exec(memory);
  if (!m) throw new Error(`\`spark.workerMemory\` must look like 4g or 512m (got "${memory}")`);
  return Number(m[1]) * (m[2] === "g" ? 1024 : 1);
}

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
  labels: Record<string, string>;
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
    const pod = (labels: Record<string, string>, container: k8s.types.input.core.v1.Container, dns: Partial<k8s.types.input.core.v1.PodSpec> = {}): k8s.types.input.core.v1.PodTemplateSpec => ({
      metadata: { labels: { ...labels, ...KAFKA_CLIENT_LABEL } },
      spec: {
        ...dns,
        serviceAccountName: args.serviceAccountName,
        terminationGracePeriodSeconds: STOP_GRACE_SECONDS,
        securityContext: restrictedPodSecurity(SPARK_UID),
        containers: [{ ...container, securityContext: restrictedContainerSecurity(), volumeMounts: [{ name: "tmp", mountPath: "/tmp" }] }],
        volumes: [{ name: "tmp", emptyDir: {} }],
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
    this.masterUrl = host.apply(masterUrl);
    this.uiUrl = pulumi.interpolate`http://${host}:${PORTS.sparkMasterUi}`;
    this.registerOutputs({ masterUrl: this.masterUrl, uiUrl: this.uiUrl });
  }
}
