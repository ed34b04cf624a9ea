import * as assert from "node:assert/strict";
import type { Json } from "../testing/inspect";
import { EGRESS_LABELS, METADATA_CIDRS, namespacePolicySpecs } from "./network";
import { KAFKA_CLIENT_LABEL } from "./security";

describe("namespacePolicySpecs", () => {
  const specs = namespacePolicySpecs({ kafkaCluster: "mdp-prod-kafka", kafkaClientPort: 9093, kubernetesApiCidrs: ["0.0.0.0/0"] }) as Record<string, Json>;

  it("denies every ingress and egress of every pod unless another policy allows it", () => {
    assert.deepEqual(specs["default-deny"], { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
  });

  it("lets every pod resolve names through the cluster DNS, and nothing more", () => {
    assert.deepEqual(specs["allow-dns"].podSelector, {});
    assert.deepEqual(specs["allow-dns"].egress, [
      {
        to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
        ports: [
          { protocol: "UDP", port: 53 },
          { protocol: "TCP", port: 53 },
        ],
      },
    ]);
    assert.equal(specs["allow-dns"].ingress, undefined);
  });

  it("lets Kafka's clients reach only the brokers' client listener", () => {
    assert.deepEqual(specs["kafka-clients"].podSelector.matchLabels, KAFKA_CLIENT_LABEL);
    assert.deepEqual(specs["kafka-clients"].egress, [{ to: [{ podSelector: { matchLabels: { "strimzi.io/cluster": "mdp-prod-kafka", "strimzi.io/broker-role": "true" } } }], ports: [{ protocol: "TCP", port: 9093 }] }]);
  });

  it("lets out HTTPS only from pods labelled for it, and never to the node's metadata endpoint", () => {
    assert.deepEqual(specs["egress-https"].podSelector.matchLabels, EGRESS_LABELS.https);
    assert.deepEqual(specs["egress-https"].egress, [{ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: METADATA_CIDRS } }], ports: [{ protocol: "TCP", port: 443 }] }]);
    assert.ok(METADATA_CIDRS.includes("169.254.169.254/32"));
  });

  it("lets the pods labelled for the Kubernetes API reach it where the stack says it is", () => {
    const narrow = namespacePolicySpecs({ kafkaCluster: "k", kafkaClientPort: 9093, kubernetesApiCidrs: ["10.0.0.0/16", "10.1.0.0/16"] }) as Record<string, Json>;
    assert.deepEqual(narrow["egress-kube-api"].egress, [{ to: [{ ipBlock: { cidr: "10.0.0.0/16" } }, { ipBlock: { cidr: "10.1.0.0/16" } }], ports: [{ protocol: "TCP", port: 443 }, { protocol: "TCP", port: 6443 }] }]);
    assert.deepEqual(specs["egress-kube-api"].egress[0].to, [{ ipBlock: { cidr: "0.0.0.0/0", except: METADATA_CIDRS } }], "the open default keeps the metadata endpoint out");
    assert.deepEqual(specs["egress-kube-api"].podSelector.matchLabels, EGRESS_LABELS.kubeApi);
  });

  it("lets Kafka's pods talk among themselves, and the Strimzi operator to them on its ports only", () => {
    assert.deepEqual(specs["kafka-internal"], {
      podSelector: { matchLabels: { "strimzi.io/cluster": "mdp-prod-kafka" } },
      policyTypes: ["Egress"],
      egress: [{ to: [{ podSelector: { matchLabels: { "strimzi.io/cluster": "mdp-prod-kafka" } } }] }],
    });
    assert.deepEqual(specs["strimzi-operator"].podSelector.matchLabels, { "strimzi.io/kind": "cluster-operator" });
    assert.deepEqual(specs["strimzi-operator"].egress[0].ports.map((p: Json) => p.port), [9090, 9091, 8443]);
  });

  it("opens no ingress at all: that is each workload's own policy", () => {
    for (const [name, spec] of Object.entries(specs)) assert.equal(spec.ingress, undefined, name);
  });
});
