import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ENV, PORTS, STOP_GRACE_SECONDS, TOPICS } from "../../contract";
import type { KafkaUserSpec } from "../kafka";
import type { SparkSettings } from "./settings";
import { EGRESS_LABELS, KAFKA_CLIENT_FILES, KAFKA_CLIENT_LABEL, kafkaClientFiles, restrictedContainerSecurity, restrictedPodSecurity, tcp, workloadRoleAnnotations, type WorkloadRole } from "../kubernetes";
import { whenPresent } from "../outputs";
import { DRIVER_PORTS, SPARK_JOBS, SPARK_LABEL, SPARK_GID, SPARK_PORT_RANGE, SPARK_UID, jobCommand, masterCommand, masterUrl, sparkMemoryMiB, sparkSecurityConf, streamingDriverConf, workerCommand } from "./spec";

type EnvVar = k8s.types.input.core.v1.EnvVar;
type Container = k8s.types.input.core.v1.Container;
type PodSpec = k8s.types.input.core.v1.PodSpec;
type Volume = k8s.types.input.core.v1.Volume;
type VolumeMount = k8s.types.input.core.v1.VolumeMount;
type NetworkPolicySpec = k8s.types.input.networking.v1.NetworkPolicySpec;

const MASTER_HOSTNAME = "spark-master";
/** Where every Spark process of the cluster reads `spark-defaults.conf`: the authentication secret. */
export const SPARK_CONF_MOUNT = "/etc/spark-conf";

/** Worker container resources: what the worker offers to executors, plus the JVM's own overhead. */
export function workerResources(s: SparkSettings): k8s.types.input.core.v1.ResourceRequirements {
  const memory = `${sparkMemoryMiB(s.workerMemory) + 768}Mi`;
  return { requests: { cpu: String(s.workerCores), memory }, limits: { cpu: String(s.workerCores), memory } };
}

/** The service account Spark's pods run as, which its IAM role trusts. */
export const SPARK_SERVICE_ACCOUNT = "spark";

/**
 * Spark's Kafka user: it reads both topics, and its Kafka source generates its consumer group ids
 * (spark-kafka-source-<uuid>...), hence a group prefix.
 */
export const SPARK_KAFKA_USER: KafkaUserSpec = { name: "spark", write: [], read: [TOPICS.realtime, TOPICS.batch], group: "spark-kafka-", groupPattern: "prefix" };

/** The Kafka user the streaming job reads as: its name, and the Secret (key `password`) Strimzi made for it. */
export interface SparkKafkaUser {
  name: string;
  secret: pulumi.Input<string>;
}

export interface KubernetesSparkArgs {
  image: pulumi.Input<string>;
  namespace: pulumi.Input<string>;
  settings: SparkSettings;
  /** The IAM role the pods run as (the buckets); the component creates the service account its trust names. */
  role: WorkloadRole;
  /** Plain settings of the jobs: Kafka bootstrap, buckets, region. No credential passes here. */
  env: EnvVar[];
  /** Only the streaming job's driver reads Kafka's credentials; the master and workers never hold them. */
  kafkaUser: SparkKafkaUser;
  /** Secret with the Kafka cluster CA (`ca.crt`, as Strimzi writes it) that the streaming job trusts. */
  kafkaCaSecret: pulumi.Input<string>;
  labels: Record<string, string>;
}

/** The Secret volume of the cluster's `spark-defaults.conf`, and where it goes. */
export function sparkConfVolume(secretName: pulumi.Input<string>): { volume: Volume; mount: VolumeMount; env: EnvVar } {
  return {
    volume: { name: "spark-conf", secret: { secretName, defaultMode: 0o440 } },
    mount: { name: "spark-conf", mountPath: SPARK_CONF_MOUNT, readOnly: true },
    env: { name: "SPARK_CONF_DIR", value: SPARK_CONF_MOUNT },
  };
}

/**
 * A Spark pod: the image's user, no service-account token (Spark calls no Kubernetes API; IRSA
 * mounts its own token), a read-only root with /tmp for scratch, and the cluster's secret conf.
 */
export function sparkPodSpec(a: { serviceAccountName: pulumi.Input<string>; confSecret: pulumi.Input<string>; container: Container; volumes?: Volume[]; mounts?: VolumeMount[] }, dns: Partial<PodSpec> = {}): PodSpec {
  const conf = sparkConfVolume(a.confSecret);
  return {
    ...dns,
    serviceAccountName: a.serviceAccountName,
    automountServiceAccountToken: false,
    terminationGracePeriodSeconds: STOP_GRACE_SECONDS,
    securityContext: restrictedPodSecurity(SPARK_UID, SPARK_GID),
    containers: [
      {
        ...a.container,
        env: [conf.env, ...((a.container.env as EnvVar[] | undefined) ?? [])],
        securityContext: restrictedContainerSecurity(),
        volumeMounts: [{ name: "tmp", mountPath: "/tmp" }, conf.mount, ...(a.mounts ?? [])],
      },
    ],
    volumes: [{ name: "tmp", emptyDir: {} }, conf.volume, ...(a.volumes ?? [])],
  };
}

/**
 * The streaming job's driver: one pod (two would share a checkpoint), dialled back by the executors
 * at its own address; Kafka's password and CA come from mounted Secrets, never from the env.
 */
export function tickWindowsContainer(args: Pick<KubernetesSparkArgs, "image" | "settings" | "env" | "kafkaUser">, master: pulumi.Input<string>): Container {
  return {
    name: "tick-windows",
    image: args.image,
    // Kubernetes expands $(POD_IP) from the container's env.
    command: pulumi.output(master).apply((m) => jobCommand(SPARK_JOBS.tickWindows, m, streamingDriverConf("$(POD_IP)", args.settings))),
    env: [
      { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
      ...args.env,
      { name: ENV.kafkaSsl, value: "true" },
      { name: ENV.kafkaSaslMechanism, value: "scram-sha-512" },
      { name: ENV.kafkaUsername, value: args.kafkaUser.name },
      { name: `${ENV.kafkaPassword}_FILE`, value: KAFKA_CLIENT_FILES.password },
      { name: ENV.kafkaCaFile, value: KAFKA_CLIENT_FILES.ca },
      { name: "SPARK_LOCAL_DIRS", value: "/tmp/local" },
    ],
    ports: [
      { name: "driver", containerPort: DRIVER_PORTS.driver },
      { name: "block-manager", containerPort: DRIVER_PORTS.blockManager },
      { name: "ui", containerPort: 4040 },
    ],
    readinessProbe: { httpGet: { path: "/", port: 4040 }, periodSeconds: 15, failureThreshold: 4 },
    livenessProbe: { tcpSocket: { port: DRIVER_PORTS.driver }, initialDelaySeconds: 60, periodSeconds: 30, failureThreshold: 6 },
    resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "1", memory: "1536Mi" } },
  };
}

/**
 * Spark's own traffic, only between pods labelled {@link SPARK_LABEL} (its master, workers and
 * drivers): the master's port and the pinned driver, block-manager and worker ports. The web UIs
 * are reachable from nowhere; `kubectl port-forward` needs no rule.
 */
export function sparkNetworkPolicySpec(): NetworkPolicySpec {
  const peers = [{ podSelector: { matchLabels: { ...SPARK_LABEL } } }];
  const ports = [tcp(SPARK_PORT_RANGE.from, SPARK_PORT_RANGE.to)];
  return {
    podSelector: { matchLabels: { ...SPARK_LABEL } },
    policyTypes: ["Ingress", "Egress"],
    ingress: [{ from: peers, ports }],
    egress: [{ to: peers, ports }],
  };
}

/**
 * A Spark standalone cluster on Kubernetes: a master Deployment and Service, N workers and the
 * streaming job's driver; every connection authenticated with a generated secret and encrypted,
 * and open only between Spark's own pods.
 */
export class KubernetesSpark extends pulumi.ComponentResource {
  readonly masterUrl: pulumi.Output<string>;
  readonly uiUrl: pulumi.Output<string>;
  /** Secret with the cluster's `spark-defaults.conf`, which every driver of the cluster mounts (see {@link sparkConfVolume}). */
  readonly confSecretName: pulumi.Output<string>;
  /** The service account of Spark's pods, which drivers started elsewhere (the DAGs' spark-submit) run as too. */
  readonly serviceAccountName: pulumi.Output<string>;

  constructor(name: string, args: KubernetesSparkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("market-data:spark:KubernetesSpark", name, {}, opts);
    const child = { parent: this };
    // The stack created it before the component did: the alias keeps it.
    const account = new k8s.core.v1.ServiceAccount(
      `${name}-account`,
      { metadata: { name: args.role.serviceAccount, namespace: args.namespace, labels: args.labels, annotations: workloadRoleAnnotations(args.role) }, automountServiceAccountToken: false },
      { parent: this, aliases: [{ parent: pulumi.rootStackResource }] },
    );
    this.serviceAccountName = account.metadata.name;
    const component = (role: string) => ({ ...args.labels, "app.kubernetes.io/component": role, ...SPARK_LABEL });
    const masterLabels = component("spark-master");
    const workerLabels = component("spark-worker");
    const secret = new random.RandomPassword(`${name}-auth-secret`, { length: 48, special: false }, child);
    const conf = new k8s.core.v1.Secret(
      `${name}-conf`,
      { metadata: { name: `${name}-conf`, namespace: args.namespace, labels: args.labels }, type: "Opaque", stringData: { "spark-defaults.conf": pulumi.secret(whenPresent(secret.result, sparkSecurityConf)) } },
      child,
    );
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
    new k8s.networking.v1.NetworkPolicy(`${name}-internal`, { metadata: { name: `${name}-internal`, namespace: args.namespace, labels: args.labels }, spec: sparkNetworkPolicySpec() }, child);
    const host = pulumi.interpolate`${MASTER_HOSTNAME}.${service.metadata.name}.${service.metadata.namespace}.svc`;
    const pod = (labels: Record<string, string>, container: Container, extra: { volumes?: Volume[]; mounts?: VolumeMount[] } = {}, dns: Partial<PodSpec> = {}) => ({
      metadata: { labels },
      spec: sparkPodSpec({ serviceAccountName: account.metadata.name, confSecret: conf.metadata.name, container, ...extra }, dns),
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
              env: [{ name: "SPARK_NO_DAEMONIZE", value: "true" }],
              ports: [{ containerPort: PORTS.sparkMaster }, { containerPort: PORTS.sparkMasterUi }],
              readinessProbe: { httpGet: { path: "/json/", port: PORTS.sparkMasterUi }, periodSeconds: 10 },
              livenessProbe: { tcpSocket: { port: PORTS.sparkMaster }, periodSeconds: 20, failureThreshold: 6 },
              resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "1", memory: "1Gi" } },
            },
            {},
            { hostname: MASTER_HOSTNAME, subdomain: service.metadata.name },
          ),
        },
      },
      child,
    );
    // Executors read Kafka (the streaming job) and the buckets.
    const executorHost = { ...workerLabels, ...KAFKA_CLIENT_LABEL, ...EGRESS_LABELS.https };
    new k8s.apps.v1.Deployment(
      `${name}-workers`,
      {
        metadata: { name: `${name}-worker`, namespace: args.namespace, labels: workerLabels },
        spec: {
          replicas: args.settings.workers,
          selector: { matchLabels: workerLabels },
          template: pod(executorHost, {
            name: "worker",
            image: args.image,
            command: host.apply((h) => workerCommand(args.settings, masterUrl(h))),
            env: [...args.env, { name: "SPARK_NO_DAEMONIZE", value: "true" }, { name: "SPARK_WORKER_DIR", value: "/tmp/work" }, { name: "SPARK_LOCAL_DIRS", value: "/tmp/local" }],
            ports: [{ containerPort: PORTS.sparkWorkerUi }],
            readinessProbe: { httpGet: { path: "/json/", port: PORTS.sparkWorkerUi }, periodSeconds: 10 },
            livenessProbe: { httpGet: { path: "/json/", port: PORTS.sparkWorkerUi }, periodSeconds: 20, failureThreshold: 6 },
            resources: workerResources(args.settings),
          }),
        },
      },
      { parent: this, dependsOn: [service] },
    );
    const streamingLabels = component("spark-tick-windows");
    new k8s.apps.v1.Deployment(
      `${name}-tick-windows`,
      {
        metadata: { name: `${name}-tick-windows`, namespace: args.namespace, labels: streamingLabels },
        spec: {
          replicas: 1,
          strategy: { type: "Recreate" },
          selector: { matchLabels: streamingLabels },
          template: pod({ ...streamingLabels, ...KAFKA_CLIENT_LABEL, ...EGRESS_LABELS.https }, tickWindowsContainer(args, host.apply(masterUrl)), kafkaClientFiles(args.kafkaUser.secret, args.kafkaCaSecret)),
        },
      },
      { parent: this, dependsOn: [service] },
    );
    this.masterUrl = host.apply(masterUrl);
    this.uiUrl = pulumi.interpolate`http://${host}:${PORTS.sparkMasterUi}`;
    this.confSecretName = conf.metadata.name;
    this.registerOutputs({ masterUrl: this.masterUrl, uiUrl: this.uiUrl, confSecretName: this.confSecretName, serviceAccountName: this.serviceAccountName });
  }
}
