import * as assert from "node:assert/strict";
import type { KafkaClusterSettings } from "./settings";
import { runFailingProgram } from "../testing/mocks";
import { DockerKafka } from "./docker";
import { StrimziKafka } from "./kubernetes";

const SETTINGS: KafkaClusterSettings = {
  brokers: 1,
  partitions: 3,
  replicationFactor: 1,
  minInsyncReplicas: 1,
  retentionHours: { realtime: 1, batch: 1, deadLetter: 1 },
  storageGi: 10,
  unsafeReducedDurability: false,
};

describe("Kafka components used on their own", function () {
  this.timeout(30_000);

  it("DockerKafka refuses settings a single container cannot honour, before creating anything", async () => {
    const { error, resources } = await runFailingProgram(
      () => new DockerKafka("k", { image: "apache/kafka:4.3.1", settings: { ...SETTINGS, brokers: 3, replicationFactor: 3 }, placement: { network: "n", bindAddress: "127.0.0.1", labels: {} }, hostPort: 29092 }),
      { stack: "dev" },
    );
    assert.match(error.message, /`kafka.brokers` must be 1 on a local stack, which runs one broker container \(got 3\)/);
    assert.deepEqual(resources.map((r) => r.type), ["market-data:kafka:DockerKafka"]);
  });

  it("StrimziKafka refuses to give up durability unless asked by name", async () => {
    const { error } = await runFailingProgram(
      () => new StrimziKafka("k", { namespace: "ns", settings: { ...SETTINGS, brokers: 3 }, version: "4.3.1", chartVersion: "1.2.0", storageClass: "gp3", users: [], labels: {} }),
      { stack: "prod" },
    );
    assert.match(error.message, /`kafka.replicationFactor` must be 3 or more on a cloud stack \(got 1\)/);
    assert.match(error.message, /`kafka.minInsyncReplicas` must be 2 or more on a cloud stack \(got 1\)/);
  });
});
