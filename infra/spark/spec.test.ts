import * as assert from "node:assert/strict";
import { ENV } from "../../contract";
import type { SparkSettings } from "../config";
import { workerResources } from "./kubernetes";
import { JOBS_DIR, SPARK_HOME, jobCommand, jobEnv, masterCommand, masterUrl, sparkMemoryMiB, streamingDriverConf, workerCommand } from "./spec";

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
      assert.deepEqual(jobEnv({ kafkaBootstrap: "kafka:9092", s3Endpoint: "http://objectstore:9000", buckets: { raw: "b-raw", processed: "b-processed" }, sparkMaster: "spark://m:7077" }), {
        [ENV.kafkaBrokers]: "kafka:9092",
        [ENV.s3Endpoint]: "http://objectstore:9000",
        [ENV.s3ForcePathStyle]: "true",
        RAW_BUCKET: "b-raw",
        PROCESSED_BUCKET: "b-processed",
        SPARK_MASTER_URL: "spark://m:7077",
      });
    });

    it("leaves the endpoint to the SDK on AWS and the master to the command line", () => {
      const env = jobEnv({ kafkaBootstrap: "k:9093", buckets: {} });
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
    it("requests the offered cores and memory plus the JVM's overhead, and limits memory to the same", () => {
      assert.deepEqual(workerResources(SETTINGS), { requests: { cpu: "2", memory: "4864Mi" }, limits: { memory: "4864Mi" } });
      assert.deepEqual(workerResources({ workers: 1, workerCores: 1, workerMemory: "512m" }), { requests: { cpu: "1", memory: "1280Mi" }, limits: { memory: "1280Mi" } });
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
