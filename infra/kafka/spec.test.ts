import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { TOPICS } from "../../contract";
import type { KafkaClusterSettings } from "./settings";
import { brokerConfig, brokerEnv, propertyToEnv, topicInitScript, topicSpecs } from "./spec";

const DEV: KafkaClusterSettings = {
  brokers: 1,
  partitions: 3,
  replicationFactor: 1,
  minInsyncReplicas: 1,
  retentionHours: { realtime: 72, batch: 720, deadLetter: 336 },
  storageGi: 100,
  unsafeReducedDurability: false,
};
const PROD: KafkaClusterSettings = { ...DEV, brokers: 3, partitions: 6, replicationFactor: 3, minInsyncReplicas: 2 };
const HOUR_MS = 3_600_000;

describe("kafka spec", () => {
  describe("topicSpecs", () => {
    it("declares the contract's three topics with the stack's partitions and replication", () => {
      const topics = topicSpecs(PROD);
      assert.deepEqual(
        topics.map((t) => [t.name, t.partitions, t.replicationFactor]),
        [
          [TOPICS.realtime, 6, 3],
          [TOPICS.batch, 6, 3],
          [TOPICS.deadLetter, 1, 3],
        ],
      );
    });

    it("makes durability explicit on every topic", () => {
      for (const [settings, isr] of [
        [DEV, "1"],
        [PROD, "2"],
      ] as const) {
        for (const t of topicSpecs(settings)) {
          assert.equal(t.config["min.insync.replicas"], isr, t.name);
          assert.equal(t.config["unclean.leader.election.enable"], "false", t.name);
          assert.equal(t.config["cleanup.policy"], "delete", t.name);
        }
      }
    });

    it("keeps each topic for its own retention", () => {
      const retention = Object.fromEntries(topicSpecs(DEV).map((t) => [t.name, Number(t.config["retention.ms"])]));
      assert.deepEqual(retention, { [TOPICS.realtime]: 72 * HOUR_MS, [TOPICS.batch]: 720 * HOUR_MS, [TOPICS.deadLetter]: 336 * HOUR_MS });
    });
  });

  describe("brokerConfig", () => {
    it("sets replication, min ISR and no unclean election or auto-created topics", () => {
      assert.deepEqual(brokerConfig(PROD), {
        "default.replication.factor": "3",
        "min.insync.replicas": "2",
        "unclean.leader.election.enable": "false",
        "auto.create.topics.enable": "false",
        "offsets.topic.replication.factor": "3",
        "transaction.state.log.replication.factor": "3",
        "transaction.state.log.min.isr": "2",
      });
    });

    it("lets a single broker hold its own internal topics", () => {
      const config = brokerConfig(DEV);
      assert.equal(config["offsets.topic.replication.factor"], "1");
      assert.equal(config["transaction.state.log.replication.factor"], "1");
      assert.equal(config["transaction.state.log.min.isr"], "1");
    });

    it("caps internal topics at 3 replicas on bigger clusters", () => {
      assert.equal(brokerConfig({ ...PROD, brokers: 5, replicationFactor: 5, minInsyncReplicas: 3 })["offsets.topic.replication.factor"], "3");
    });
  });

  describe("propertyToEnv", () => {
    it("follows the apache/kafka image's convention", () => {
      assert.equal(propertyToEnv("min.insync.replicas"), "KAFKA_MIN_INSYNC_REPLICAS");
      assert.equal(propertyToEnv("default.replication.factor"), "KAFKA_DEFAULT_REPLICATION_FACTOR");
    });

    it("escapes `_` as `__` and `-` as `___` so the mapping can be reversed", () => {
      assert.equal(propertyToEnv("listener.name.internal.ssl_x"), "KAFKA_LISTENER_NAME_INTERNAL_SSL__X");
      assert.equal(propertyToEnv("log.dir-name"), "KAFKA_LOG_DIR___NAME");
      assert.notEqual(propertyToEnv("a.b"), propertyToEnv("a_b"));
      assert.notEqual(propertyToEnv("a-b"), propertyToEnv("a_b"));
    });
  });

  describe("brokerEnv", () => {
    const env = brokerEnv({ settings: DEV, alias: "kafka", hostAdvertised: "127.0.0.1:29092", clusterId: "cluster-1" });

    it("runs one KRaft node as broker and controller", () => {
      assert.equal(env.KAFKA_PROCESS_ROLES, "broker,controller");
      assert.equal(env.KAFKA_CONTROLLER_QUORUM_VOTERS, "1@kafka:9093");
      assert.equal(env.KAFKA_CONTROLLER_LISTENER_NAMES, "CONTROLLER");
      assert.equal(env.CLUSTER_ID, "cluster-1");
      assert.equal(Object.keys(env).some((k) => k.includes("ZOOKEEPER")), false);
    });

    it("listens on INTERNAL, HOST and CONTROLLER, and advertises the alias inside and the host address outside", () => {
      assert.equal(env.KAFKA_LISTENERS, "INTERNAL://:9092,HOST://:29092,CONTROLLER://:9093");
      assert.equal(env.KAFKA_ADVERTISED_LISTENERS, "INTERNAL://kafka:9092,HOST://127.0.0.1:29092");
      assert.equal(env.KAFKA_INTER_BROKER_LISTENER_NAME, "INTERNAL");
      const protocols = Object.fromEntries(env.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP!.split(",").map((p) => p.split(":")));
      assert.deepEqual(Object.keys(protocols).sort(), ["CONTROLLER", "HOST", "INTERNAL"]);
    });

    it("carries the broker config as env", () => {
      for (const [property, value] of Object.entries(brokerConfig(DEV))) assert.equal(env[propertyToEnv(property)], value, property);
    });
  });

  describe("topicInitScript", () => {
    const script = topicInitScript("kafka:9092", topicSpecs(DEV));

    it("creates every topic idempotently with its partitions, replication and configs", () => {
      for (const t of topicSpecs(DEV)) {
        const create = script.split("\n").find((line) => line.includes("--create") && line.includes(`--topic ${t.name} `));
        assert.ok(create, `creates ${t.name}`);
        assert.ok(create.includes("--if-not-exists"));
        assert.ok(create.includes(`--partitions ${t.partitions} --replication-factor ${t.replicationFactor}`));
        for (const [k, v] of Object.entries(t.config)) assert.ok(create.includes(`--config ${k}=${v}`), `${t.name} ${k}`);
      }
    });

    /**
     * Runs the script against a stand-in for the Kafka CLI that reports `existing` partitions per
     * topic (none: not created yet) and records each call.
     */
    function runScript(existing: Record<string, number>): { status: number | null; calls: string[]; stderr: string } {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "topic-init-"));
      const log = path.join(dir, "calls.log");
      const fake = `#!/bin/bash
echo "$(basename "$0") $*" >> ${log}
topic=""; prev=""
for a in "$@"; do [ "$prev" = "--topic" ] && topic="$a"; prev="$a"; done
if [[ " $* " == *" --describe "* ]]; then
  case "$topic" in
${Object.entries(existing)
  .map(([t, n]) => `    ${t}) for i in $(seq 0 $((${n} - 1))); do echo "Topic: ${t} Partition: $i Leader: 1"; done ;;`)
  .join("\n")}
  esac
fi
`;
      for (const tool of ["kafka-topics.sh", "kafka-configs.sh"]) fs.writeFileSync(path.join(dir, tool), fake, { mode: 0o755 });
      const result = spawnSync("bash", ["-c", script.replaceAll("/opt/kafka/bin", dir)], { encoding: "utf8" });
      const calls = fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : [];
      fs.rmSync(dir, { recursive: true, force: true });
      return { status: result.status, calls, stderr: result.stderr };
    }

    it("applies the configs to topics that already exist", () => {
      const { status, calls } = runScript({ [TOPICS.realtime]: 3, [TOPICS.batch]: 3, [TOPICS.deadLetter]: 1 });
      assert.equal(status, 0);
      const alters = calls.filter((c) => c.startsWith("kafka-configs.sh") && c.includes("--alter"));
      assert.equal(alters.length, 3);
      assert.ok(alters[0]!.includes(`--entity-name ${TOPICS.realtime} --add-config min.insync.replicas=1,unclean.leader.election.enable=false`));
      assert.equal(calls.filter((c) => c.includes("--partitions") && c.includes("--alter")).length, 0, "nothing to grow");
    });

    it("grows a topic that has fewer partitions than declared", () => {
      const { status, calls } = runScript({ [TOPICS.realtime]: 1, [TOPICS.batch]: 3, [TOPICS.deadLetter]: 1 });
      assert.equal(status, 0);
      const grows = calls.filter((c) => c.startsWith("kafka-topics.sh") && c.includes("--alter"));
      assert.deepEqual(grows, [`kafka-topics.sh --bootstrap-server kafka:9092 --alter --topic ${TOPICS.realtime} --partitions 3`]);
    });

    it("refuses to shrink a topic, failing the job with the reason", () => {
      const { status, stderr } = runScript({ [TOPICS.realtime]: 5, [TOPICS.batch]: 3, [TOPICS.deadLetter]: 1 });
      assert.equal(status, 1);
      assert.match(stderr, new RegExp(`topic ${TOPICS.realtime} has 5 partitions; Kafka cannot shrink it to 3`));
    });

    it("quotes what the shell would otherwise split", () => {
      const odd = topicInitScript("kafka:9092", [{ name: "odd topic", partitions: 1, replicationFactor: 1, config: { "retention.ms": "1" } }]);
      assert.ok(odd.includes("--topic 'odd topic' "));
    });
  });
});
