import * as assert from "node:assert/strict";
import { TOPICS } from "../../contract";
import type { KafkaClusterSettings } from "./settings";
import { KAFKA_CLIENT_LABEL } from "../kubernetes";
import { topicSpecs } from "./spec";
import type { Json } from "../testing/inspect";
import { kafkaVersionOf } from "./settings";
import { CLIENT_LISTENER_PORT, kafkaClusterSpec, nodePoolSpec, strimziChartValues, topicResourceSpec, userResourceSpec } from "./kubernetes";

const PROD: KafkaClusterSettings = {
  brokers: 3,
  partitions: 6,
  replicationFactor: 3,
  minInsyncReplicas: 2,
  retentionHours: { realtime: 168, batch: 2160, deadLetter: 720 },
  storageGi: 100,
  unsafeReducedDurability: false,
};

describe("strimzi spec", () => {
  describe("kafkaVersionOf", () => {
    it("reads the Kafka release from the local image's tag, so both targets run the same Kafka", () => {
      assert.equal(kafkaVersionOf("apache/kafka:4.3.1"), "4.3.1");
      assert.equal(kafkaVersionOf("registry.example.com:5000/apache/kafka:4.2.0"), "4.2.0");
      assert.equal(kafkaVersionOf(`apache/kafka:4.3.1@sha256:${"a".repeat(64)}`), "4.3.1");
    });

    it("refuses an image whose tag names no Kafka release, naming the setting", () => {
      for (const image of ["apache/kafka:latest", `apache/kafka@sha256:${"a".repeat(64)}`, "apache/kafka:4.3"]) {
        assert.throws(() => kafkaVersionOf(image), (e: Error) => e.message.includes("`images.kafka`") && e.message.includes(`"${image}"`), image);
      }
    });
  });

  describe("kafkaClusterSpec", () => {
    const spec = kafkaClusterSpec(PROD, "4.3.1");

    it("has one TLS + SCRAM-SHA-512 listener open to labelled clients only", () => {
      assert.deepEqual(spec.kafka.listeners, [
        {
          name: "tls",
          port: CLIENT_LISTENER_PORT,
          type: "internal",
          tls: true,
          authentication: { type: "scram-sha-512" },
          networkPolicyPeers: [{ podSelector: { matchLabels: KAFKA_CLIENT_LABEL } }],
        },
      ]);
      assert.deepEqual(spec.kafka.authorization, { type: "simple" });
    });

    it("carries the durability settings and runs the user and topic operators", () => {
      assert.equal(spec.kafka.config["min.insync.replicas"], "2");
      assert.equal(spec.kafka.config["default.replication.factor"], "3");
      assert.deepEqual(spec.entityOperator.topicOperator, {});
      assert.deepEqual(spec.entityOperator.userOperator, {});
    });

    it("labels the brokers and the entity operator for the Kubernetes API, which they call (certificates, topics, users)", () => {
      const kubeApi = { "market-data.platform/egress-kube-api": "true" };
      assert.deepEqual(spec.kafka.template.pod.metadata.labels, kubeApi);
      assert.deepEqual(spec.entityOperator.template.pod.metadata.labels, kubeApi);
      assert.deepEqual(nodePoolSpec("broker", 3, 100, "gp3").template.pod.metadata.labels, kubeApi);
    });
  });

  describe("strimziChartValues", () => {
    it("runs every pod Strimzi makes under Pod Security's restricted standard, in its namespace only, with its Kafka network policies", () => {
      const values = strimziChartValues() as Json;
      assert.deepEqual(values.extraEnvs, [{ name: "STRIMZI_POD_SECURITY_PROVIDER_CLASS", value: "restricted" }]);
      assert.equal(values.watchAnyNamespace, false);
      assert.equal(values.generateNetworkPolicy, true);
      assert.deepEqual(values.labels, { "market-data.platform/egress-kube-api": "true" }, "the operator calls the API");
    });
  });

  describe("nodePoolSpec", () => {
    it("keeps its volumes when the pool is deleted and shares them with KRaft metadata", () => {
      assert.deepEqual(nodePoolSpec("broker", 3, 100, "gp3"), {
        replicas: 3,
        roles: ["broker"],
        template: { pod: { metadata: { labels: { "market-data.platform/egress-kube-api": "true" } } } },
        storage: { type: "jbod", volumes: [{ id: 0, type: "persistent-claim", size: "100Gi", class: "gp3", kraftMetadata: "shared", deleteClaim: false }] },
      });
      assert.deepEqual(nodePoolSpec("controller", 3, 20, "gp3").roles, ["controller"]);
    });
  });

  describe("topicResourceSpec", () => {
    it("is the topic spec in Strimzi's words", () => {
      const [realtime] = topicSpecs(PROD);
      assert.deepEqual(topicResourceSpec(realtime!), { topicName: TOPICS.realtime, partitions: 6, replicas: 3, config: realtime!.config });
    });
  });

  describe("userResourceSpec", () => {
    type Acl = { resource: { type: string; name: string; patternType: string }; operations: string[]; host: string };
    const acls = (spec: ReturnType<typeof userResourceSpec>) => spec.authorization.acls as Acl[];

    it("lets a producer describe and write its topic, and nothing else", () => {
      const spec = userResourceSpec({ name: "realtime-producer", write: [TOPICS.realtime], read: [] });
      assert.deepEqual(spec.authentication, { type: "scram-sha-512" });
      assert.deepEqual(acls(spec), [{ resource: { type: "topic", name: TOPICS.realtime, patternType: "literal" }, operations: ["Describe", "Write"], host: "*" }]);
    });

    it("lets a consumer read its topics and its one group", () => {
      const spec = userResourceSpec({ name: "sink", write: [TOPICS.deadLetter], read: [TOPICS.realtime, TOPICS.batch], group: "market-data-sink" });
      assert.deepEqual(
        acls(spec).map((a) => [a.resource.type, a.resource.name, a.resource.patternType, a.operations.join("+")]),
        [
          ["topic", TOPICS.deadLetter, "literal", "Describe+Write"],
          ["topic", TOPICS.realtime, "literal", "Describe+Read"],
          ["topic", TOPICS.batch, "literal", "Describe+Read"],
          ["group", "market-data-sink", "literal", "Describe+Read"],
        ],
      );
    });

    it("grants a group prefix only when asked for", () => {
      const spec = userResourceSpec({ name: "spark", write: [], read: [TOPICS.realtime], group: "spark-kafka-", groupPattern: "prefix" });
      assert.deepEqual(acls(spec).at(-1)!.resource, { type: "group", name: "spark-kafka-", patternType: "prefix" });
    });

    it("never grants All, Alter, Delete or a cluster resource", () => {
      const spec = userResourceSpec({ name: "sink", write: [TOPICS.deadLetter], read: [TOPICS.realtime], group: "g" });
      for (const acl of acls(spec)) {
        assert.notEqual(acl.resource.type, "cluster");
        for (const op of acl.operations) assert.ok(["Describe", "Read", "Write"].includes(op), op);
      }
    });
  });
});
