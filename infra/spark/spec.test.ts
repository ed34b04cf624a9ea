import * as assert from "node:assert/strict";
import { ENV } from "../../contract";
import type { SparkSettings } from "./settings";
import type { Json } from "../testing/inspect";
import { sparkNetworkPolicySpec, sparkPodSpec, workerResources } from "./kubernetes";
import {
  DRIVER_PORTS,
  JOBS_DIR,
  SPARK_HOME,
  SPARK_LABEL,
  SPARK_PORT_RANGE,
  WORKER_PORT,
  jobCommand,
  jobEnv,
  masterCommand,
  masterUrl,
  sparkMemoryMiB,
  sparkSecurityConf,
  streamingDriverConf,
  workerCommand,
} from "./spec";

const SETTINGS: SparkSettings = { workers: 3, workerCores: 2, workerMemory: "4g" };

describe("spark spec", () => {
  describe("commands", () => {
    it("runs the standalone master in the foreground on the contract's ports", () => {
      assert.deepEqual(masterCommand("spark-master"), [
        `${SPARK_HOME}/bin/spark-class`,
        "org.apache.spark.deploy.master.Master",
        "--host",
        "spark-master",
        "--port",
        "7077",
        "--webui-port",
        "8080",
      ]);
    });

    it("offers each worker's cores and memory to the master it is given", () => {
      const command = workerCommand(SETTINGS, masterUrl("spark-master"));
      assert.equal(command[1], "org.apache.spark.deploy.worker.Worker");
      assert.equal(command[command.indexOf("--cores") + 1], "2");
      assert.equal(command[command.indexOf("--memory") + 1], "4g");
      assert.equal(command.at(-1), "spark://spark-master:7077");
    });
  });

  describe("jobEnv", () => {
    it("tells jobs where Kafka, the object store, each zone's bucket and the master are", () => {
      assert.deepEqual(jobEnv({ kafkaBootstrap: "kafka:9092", s3Endpoint: "http://objectstore:9000", bucketNames: { raw: "b-raw", processed: "b-processed" }, sparkMaster: "spark://m:7077" }), {
        [ENV.kafkaBrokers]: "kafka:9092",
        [ENV.s3Endpoint]: "http://objectstore:9000",
        [ENV.s3ForcePathStyle]: "true",
        RAW_BUCKET: "b-raw",
        PROCESSED_BUCKET: "b-processed",
        SPARK_MASTER_URL: "spark://m:7077",
      });
    });

    it("leaves the endpoint to the SDK on AWS and the master to the command line", () => {
      const env = jobEnv({ kafkaBootstrap: "k:9093", bucketNames: {} });
      assert.deepEqual(Object.keys(env), [ENV.kafkaBrokers]);
    });
  });

  describe("sparkMemoryMiB", () => {
    it("reads Spark's size notation", () => {
      assert.equal(sparkMemoryMiB("4g"), 4096);
      assert.equal(sparkMemoryMiB("512m"), 512);
    });

    it("refuses other notations, naming the setting", () => {
      for (const bad of ["4G", "4gb", "1.5g", "4096"]) {
        assert.throws(() => sparkMemoryMiB(bad), (e: Error) => e.message.includes("`spark.workerMemory`") && e.message.includes(`"${bad}"`), bad);
      }
    });
  });

  describe("workerResources", () => {
    it("requests the offered cores and memory plus the JVM's overhead, and limits both to the same", () => {
      assert.deepEqual(workerResources(SETTINGS), { requests: { cpu: "2", memory: "4864Mi" }, limits: { cpu: "2", memory: "4864Mi" } });
      assert.deepEqual(workerResources({ workers: 1, workerCores: 1, workerMemory: "512m" }), { requests: { cpu: "1", memory: "1280Mi" }, limits: { cpu: "1", memory: "1280Mi" } });
    });
  });
});

describe("spark jobs", () => {
  it("submits a job from the image's jobs folder to the master, with its conf sorted and its arguments last", () => {
    assert.deepEqual(jobCommand("daily_metrics", "spark://m:7077", { "spark.b": "2", "spark.a": "1" }, ["--from", "2025-12-01", "--to", "2025-12-31"]), [
      `${SPARK_HOME}/bin/spark-submit`,
      "--master",
      "spark://m:7077",
      "--conf",
      "spark.a=1",
      "--conf",
      "spark.b=2",
      `${JOBS_DIR}/daily_metrics.py`,
      "--from",
      "2025-12-01",
      "--to",
      "2025-12-31",
    ]);
  });

  it("lets executors dial a streaming driver back, and leaves room on the cluster for batch jobs", () => {
    const conf = streamingDriverConf("driver-host", SETTINGS);
    assert.equal(conf["spark.driver.host"], "driver-host");
    assert.equal(conf["spark.driver.bindAddress"], "0.0.0.0");
    assert.equal(conf["spark.cores.max"], "2", "one worker's cores of three workers");
    assert.equal(conf["spark.executor.memory"], "2048m", "half a worker's memory");
  });
});

describe("spark security", () => {
  it("authenticates every connection with the secret and encrypts RPC, without SASL fallback or the REST server", () => {
    const conf = Object.fromEntries(
      sparkSecurityConf("s3cr3t")
        .trim()
        .split("\n")
        .map((line) => line.split(" ") as [string, string]),
    );
    assert.deepEqual(conf, {
      "spark.authenticate": "true",
      "spark.authenticate.secret": "s3cr3t",
      "spark.network.crypto.enabled": "true",
      "spark.network.crypto.cipher": "AES/GCM/NoPadding",
      "spark.network.crypto.saslFallback": "false",
      "spark.master.rest.enabled": "false",
    });
  });

  it("lets Spark's pods reach each other on Spark's ports only, and its UIs from nowhere", () => {
    const spec = sparkNetworkPolicySpec() as Json;
    assert.deepEqual(spec.podSelector, { matchLabels: SPARK_LABEL });
    assert.deepEqual(spec.policyTypes, ["Ingress", "Egress"]);
    const ports = [{ protocol: "TCP", port: 7077, endPort: 7099 }];
    assert.deepEqual(spec.ingress, [{ from: [{ podSelector: { matchLabels: SPARK_LABEL } }], ports }]);
    assert.deepEqual(spec.egress, [{ to: [{ podSelector: { matchLabels: SPARK_LABEL } }], ports }]);
    for (const ui of [8080, 8081, 4040]) assert.ok(ui < ports[0]!.port || ui > ports[0]!.endPort, `UI ${ui} stays closed`);
    for (const port of [DRIVER_PORTS.driver, DRIVER_PORTS.blockManager, WORKER_PORT]) assert.ok(port >= SPARK_PORT_RANGE.from && port <= SPARK_PORT_RANGE.to, `${port} is in the range`);
  });

  it("pins the worker's port, so that the policy can name it", () => {
    const command = workerCommand(SETTINGS, masterUrl("m"));
    assert.equal(command[command.indexOf("--port") + 1], String(WORKER_PORT));
  });

  it("mounts the cluster's conf from its Secret and gives its pods no service-account token", () => {
    const pod = sparkPodSpec({ serviceAccountName: "spark", confSecret: "spark-conf", container: { name: "x", image: "i" } }) as Json;
    assert.equal(pod.automountServiceAccountToken, false);
    assert.deepEqual(pod.volumes.find((v: Json) => v.name === "spark-conf").secret, { secretName: "spark-conf", defaultMode: 0o440 });
    assert.deepEqual(pod.containers[0].env[0], { name: "SPARK_CONF_DIR", value: "/etc/spark-conf" });
    assert.ok(pod.containers[0].volumeMounts.some((m: Json) => m.mountPath === "/etc/spark-conf" && m.readOnly));
  });
});
