import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { KAFKA_CLIENT_LABEL } from "./security";

type NetworkPolicySpec = k8s.types.input.networking.v1.NetworkPolicySpec;
type PolicyPeer = k8s.types.input.networking.v1.NetworkPolicyPeer;
type PolicyPort = k8s.types.input.networking.v1.NetworkPolicyPort;

/**
 * What a pod may reach beyond its namespace's default deny, said by labels on the pod: each
 * allowance is one NetworkPolicy of the namespace, so that a workload's access reads off its labels.
 */
export const EGRESS_LABELS = {
  /** HTTPS anywhere outside the cluster but the node's metadata endpoint: S3, STS (IRSA), Yahoo, Finnhub. */
  https: { "market-data.platform/egress-https": "true" },
  /** The Kubernetes API: operators, Airflow's scheduler (it launches task pods), Kafka pods (their certificates). */
  kubeApi: { "market-data.platform/egress-kube-api": "true" },
} as const;

/** The node's instance metadata endpoint: credentials of the node's role, never a pod's business. */
export const METADATA_CIDRS = ["169.254.169.254/32", "169.254.170.2/32"];

/** Selects the cluster DNS (CoreDNS in kube-system, as EKS and kubeadm label it). */
export const DNS_PEER: PolicyPeer = {
  namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
  podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
};

export const DNS_PORTS: PolicyPort[] = [
  { protocol: "UDP", port: 53 },
  { protocol: "TCP", port: 53 },
];

export function tcp(port: number, endPort?: number): PolicyPort {
  return endPort === undefined ? { protocol: "TCP", port } : { protocol: "TCP", port, endPort };
}

/** Pods of a Strimzi cluster (brokers, controllers, entity operator) carry `strimzi.io/cluster`. */
export function strimziClusterPeer(cluster: pulumi.Input<string>): PolicyPeer {
  return { podSelector: { matchLabels: { "strimzi.io/cluster": cluster } } };
}

/** Strimzi's broker pods, where the client listener is. */
export function strimziBrokerPeer(cluster: pulumi.Input<string>): PolicyPeer {
  return { podSelector: { matchLabels: { "strimzi.io/cluster": cluster, "strimzi.io/broker-role": "true" } } };
}

/** Labels of the Strimzi cluster operator's pod (its chart's). */
export const STRIMZI_OPERATOR_SELECTOR = { "strimzi.io/kind": "cluster-operator" } as const;

/** Strimzi's internal ports the operator talks to: control plane, replication, the Kafka agent. */
export const STRIMZI_OPERATOR_PORTS = [9090, 9091, 8443] as const;

export interface NamespacePolicyArgs {
  /** Name of the Strimzi Kafka cluster. */
  kafkaCluster: pulumi.Input<string>;
  /** Port of Kafka's client listener (TLS + SCRAM). */
  kafkaClientPort: number;
  /** Where the Kubernetes API is reached. */
  kubernetesApiCidrs: readonly string[];
}

/**
 * The namespace's baseline: nothing in or out unless a policy allows it, DNS for every pod, and one
 * policy per egress label. Ingress stays with each workload's own policy (or Strimzi's).
 */
export function namespacePolicySpecs(a: NamespacePolicyArgs): Record<string, NetworkPolicySpec> {
  return {
    "default-deny": { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
    "allow-dns": { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [DNS_PEER], ports: DNS_PORTS }] },
    "kafka-clients": {
      podSelector: { matchLabels: { ...KAFKA_CLIENT_LABEL } },
      policyTypes: ["Egress"],
      egress: [{ to: [strimziBrokerPeer(a.kafkaCluster)], ports: [tcp(a.kafkaClientPort)] }],
    },
    "egress-https": {
      podSelector: { matchLabels: { ...EGRESS_LABELS.https } },
      policyTypes: ["Egress"],
      egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: METADATA_CIDRS } }], ports: [tcp(443)] }],
    },
    "egress-kube-api": {
      podSelector: { matchLabels: { ...EGRESS_LABELS.kubeApi } },
      policyTypes: ["Egress"],
      egress: [{ to: a.kubernetesApiCidrs.map((cidr) => ({ ipBlock: cidr === "0.0.0.0/0" ? { cidr, except: METADATA_CIDRS } : { cidr } })), ports: [tcp(443), tcp(6443)] }],
    },
    // Brokers and controllers replicate to each other; the entity operator manages topics and users.
    "kafka-internal": {
      podSelector: { matchLabels: { "strimzi.io/cluster": a.kafkaCluster } },
      policyTypes: ["Egress"],
      egress: [{ to: [strimziClusterPeer(a.kafkaCluster)] }],
    },
    "strimzi-operator": {
      podSelector: { matchLabels: { ...STRIMZI_OPERATOR_SELECTOR } },
      policyTypes: ["Egress"],
      egress: [{ to: [strimziClusterPeer(a.kafkaCluster)], ports: STRIMZI_OPERATOR_PORTS.map((p) => tcp(p)) }],
    },
  };
}

export interface NamespacePoliciesArgs extends NamespacePolicyArgs {
  namespace: pulumi.Input<string>;
  labels: Record<string, string>;
}

/** The namespace's baseline policies (see {@link namespacePolicySpecs}). */
export class NamespacePolicies extends pulumi.ComponentResource {
  constructor(name: string, args: NamespacePoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("market-data:kubernetes:NamespacePolicies", name, {}, opts);
    for (const [role, spec] of Object.entries(namespacePolicySpecs(args))) {
      new k8s.networking.v1.NetworkPolicy(`${name}-${role}`, { metadata: { name: role, namespace: args.namespace, labels: args.labels }, spec }, { parent: this });
    }
    this.registerOutputs({});
  }
}
