import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { EGRESS_LABELS, KAFKA_CLIENT_LABEL } from "../kubernetes";
import { cloudKafkaProblems, type KafkaClusterSettings } from "./settings";
import { brokerConfig, topicSpecs, type TopicSpec } from "./spec";

/** Strimzi's v1 API (Strimzi 1.x accepts only v1). */
export const STRIMZI_API = "kafka.strimzi.io/v1";
export const STRIMZI_CHART = "oci://quay.io/strimzi-helm/strimzi-kafka-operator";
/** Client listener: TLS with SCRAM-SHA-512, inside the cluster. */
export const CLIENT_LISTENER_PORT = 9093;

/** A client of the cluster and what it may do; becomes a KafkaUser with SCRAM credentials and ACLs. */
export interface KafkaUserSpec {
  name: string;
  write: readonly string[];
  read: readonly string[];
  group?: string;
  /** Whether `group` is one consumer group or the prefix of generated ones (Spark's). @default "literal" */
  groupPattern?: "literal" | "prefix";
}

export function kafkaClusterSpec(settings: KafkaClusterSettings, version: string) {
  return {
    kafka: {
      version,
      listeners: [
        {
          name: "tls",
          port: CLIENT_LISTENER_PORT,
          type: "internal",
          tls: true,
          authentication: { type: "scram-sha-512" },
          // Strimzi's own NetworkPolicy opens the listener to these pods only.
          networkPolicyPeers: [{ podSelector: { matchLabels: { ...KAFKA_CLIENT_LABEL } } }],
        },
      ],
      authorization: { type: "simple" },
      config: brokerConfig(settings),
      // Brokers read their certificates from Secrets through the Kubernetes API.
      template: { pod: { metadata: { labels: { ...EGRESS_LABELS.kubeApi } } } },
    },
    // The topic and user operators watch KafkaTopics and KafkaUsers through the API.
    entityOperator: { topicOperator: {}, userOperator: {}, template: { pod: { metadata: { labels: { ...EGRESS_LABELS.kubeApi } } } } },
  };
}

/**
 * Values of the Strimzi operator chart: only its namespace, its own NetworkPolicies for Kafka's
 * pods, every pod it makes under the `restricted` Pod Security standard, and the API reachable.
 */
export function strimziChartValues(): Record<string, unknown> {
  return {
    watchAnyNamespace: false,
    generateNetworkPolicy: true,
    extraEnvs: [{ name: "STRIMZI_POD_SECURITY_PROVIDER_CLASS", value: "restricted" }],
    labels: { ...EGRESS_LABELS.kubeApi },
  };
}

export function nodePoolSpec(role: "controller" | "broker", replicas: number, sizeGi: number, storageClass: string) {
  return {
    replicas,
    roles: [role],
    template: { pod: { metadata: { labels: { ...EGRESS_LABELS.kubeApi } } } },
    storage: { type: "jbod", volumes: [{ id: 0, type: "persistent-claim", size: `${sizeGi}Gi`, class: storageClass, kraftMetadata: "shared", deleteClaim: false }] },
  };
}

export function topicResourceSpec(t: TopicSpec) {
  return { topicName: t.name, partitions: t.partitions, replicas: t.replicationFactor, config: t.config };
}

export function userResourceSpec(u: KafkaUserSpec) {
  const acls = [
    ...u.write.map((topic) => ({ resource: { type: "topic", name: topic, patternType: "literal" }, operations: ["Describe", "Write"], host: "*" })),
    ...u.read.map((topic) => ({ resource: { type: "topic", name: topic, patternType: "literal" }, operations: ["Describe", "Read"], host: "*" })),
    ...(u.group ? [{ resource: { type: "group", name: u.group, patternType: u.groupPattern ?? "literal" }, operations: ["Describe", "Read"], host: "*" }] : []),
  ];
  return { authentication: { type: "scram-sha-512" }, authorization: { type: "simple", acls } };
}

export interface StrimziKafkaArgs {
  namespace: pulumi.Input<string>;
  settings: KafkaClusterSettings;
  /** Kafka release, e.g. 4.3.1; must be one the Strimzi version supports. */
  version: string;
  chartVersion: string;
  storageClass: string;
  users: KafkaUserSpec[];
  labels: Record<string, string>;
}

/**
 * Kafka in KRaft mode on Kubernetes through the Strimzi operator: controller and broker node pools,
 * a TLS + SCRAM listener open only to labelled clients, the platform's topics and one user per client.
 */
export class StrimziKafka extends pulumi.ComponentResource {
  readonly clusterName: pulumi.Output<string>;
  /** `<cluster>-kafka-bootstrap.<namespace>.svc:9093`, for clients in the cluster. */
  readonly bootstrapInternal: pulumi.Output<string>;
  /** Secret holding the cluster CA certificate (`ca.crt`) that clients trust. */
  readonly caSecretName: pulumi.Output<string>;
  readonly topics: TopicSpec[];
  /** Secret of each user (key `password`), created by the user operator. */
  readonly userSecrets: Record<string, pulumi.Output<string>>;
  readonly ready: pulumi.Resource;

  constructor(name: string, args: StrimziKafkaArgs, opts?: pulumi.ComponentResourceOptions) {
    super("market-data:kafka:StrimziKafka", name, {}, opts);
    const problems = cloudKafkaProblems(args.settings);
    if (problems.length > 0) throw new pulumi.ResourceError(problems.join("; "), this);
    const child = { parent: this };
    const labels = args.labels;
    const operator = new k8s.helm.v4.Chart(
      `${name}-operator`,
      { chart: STRIMZI_CHART, version: args.chartVersion, namespace: args.namespace, values: strimziChartValues() },
      child,
    );
    const crOpts = { parent: this, dependsOn: [operator] };
    const cluster = `${name}`;
    const meta = (resourceName: string) => ({ name: resourceName, namespace: args.namespace, labels: { ...labels, "strimzi.io/cluster": cluster } });
    const pools = [
      new k8s.apiextensions.CustomResource(`${name}-controllers`, { apiVersion: STRIMZI_API, kind: "KafkaNodePool", metadata: meta("controller"), spec: nodePoolSpec("controller", 3, 20, args.storageClass) }, crOpts),
      new k8s.apiextensions.CustomResource(
        `${name}-brokers`,
        { apiVersion: STRIMZI_API, kind: "KafkaNodePool", metadata: meta("broker"), spec: nodePoolSpec("broker", args.settings.brokers, args.settings.storageGi, args.storageClass) },
        crOpts,
      ),
    ];
    const kafka = new k8s.apiextensions.CustomResource(
      `${name}-cluster`,
      {
        apiVersion: STRIMZI_API,
        kind: "Kafka",
        metadata: { name: cluster, namespace: args.namespace, labels, annotations: { "pulumi.com/waitFor": "condition=Ready" } },
        spec: kafkaClusterSpec(args.settings, args.version),
      },
      { parent: this, dependsOn: [operator, ...pools], customTimeouts: { create: "30m", update: "30m" } },
    );
    const entityOpts = { parent: this, dependsOn: [kafka] };
    this.topics = topicSpecs(args.settings);
    for (const t of this.topics) {
      new k8s.apiextensions.CustomResource(`${name}-topic-${t.name}`, { apiVersion: STRIMZI_API, kind: "KafkaTopic", metadata: meta(t.name), spec: topicResourceSpec(t) }, entityOpts);
    }
    const userSecrets: Record<string, pulumi.Output<string>> = {};
    for (const u of args.users) {
      const user = new k8s.apiextensions.CustomResource(`${name}-user-${u.name}`, { apiVersion: STRIMZI_API, kind: "KafkaUser", metadata: meta(u.name), spec: userResourceSpec(u) }, entityOpts);
      userSecrets[u.name] = user.metadata.name;
    }
    this.clusterName = kafka.metadata.name;
    this.bootstrapInternal = pulumi.interpolate`${kafka.metadata.name}-kafka-bootstrap.${kafka.metadata.namespace}.svc:${CLIENT_LISTENER_PORT}`;
    this.caSecretName = pulumi.interpolate`${kafka.metadata.name}-cluster-ca-cert`;
    this.userSecrets = userSecrets;
    this.ready = kafka;
    this.registerOutputs({ bootstrapInternal: this.bootstrapInternal, caSecretName: this.caSecretName });
  }
}
