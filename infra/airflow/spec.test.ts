import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import type { AirflowSettings } from "../config";
import type { Json } from "../testing/inspect";
import { isSecretOutput, unwrap } from "../testing/mocks";
import { airflowChartValues, type AirflowChartInputs } from "./kubernetes";
import { AIRFLOW_SERVICES, airflowEnv, airflowSecretEnv, airflowVersionOf, fernetKeyFromB64Url, metadataConnection } from "./spec";

const SETTINGS: AirflowSettings = { adminUser: "admin", executor: "KubernetesExecutor" };

describe("airflow spec", () => {
  describe("airflowVersionOf", () => {
    it("reads the Airflow release from the image tag", () => {
      assert.equal(airflowVersionOf("apache/airflow:3.3.2-python3.12"), "3.3.2");
      assert.equal(airflowVersionOf("apache/airflow:3.1.0"), "3.1.0");
      assert.equal(airflowVersionOf("registry.example.com:5000/apache/airflow:3.0.6-python3.11"), "3.0.6");
      assert.equal(airflowVersionOf(`apache/airflow:3.3.2-python3.12@sha256:${"a".repeat(64)}`), "3.3.2");
    });

    it("refuses a tag without a release, naming the setting", () => {
      for (const image of ["apache/airflow:latest", "apache/airflow:slim-3.3.2", "apache/airflow", `apache/airflow@sha256:${"a".repeat(64)}`]) {
        assert.throws(() => airflowVersionOf(image), (e: Error) => e.message.includes("`images.airflow`") && e.message.includes(`"${image}"`), image);
      }
    });
  });

  describe("metadataConnection", () => {
    it("URL-encodes the password", async () => {
      const url = await unwrap(metadataConnection("p@ss/w:rd%", "postgres"));
      assert.equal(url, "postgresql+psycopg2://airflow:p%40ss%2Fw%3Ard%25@postgres:5432/airflow");
      assert.equal(new URL(url.replace("postgresql+psycopg2", "postgresql")).password, "p%40ss%2Fw%3Ard%25");
    });

    it("stays a secret, even from a plain password", async () => {
      assert.ok(await isSecretOutput(metadataConnection("plain", "postgres")));
      assert.ok(await isSecretOutput(metadataConnection(pulumi.secret("hidden"), "postgres")));
    });

    it("uses the driver it is given", async () => {
      assert.match(await unwrap(metadataConnection("x", "db", "postgresql")), /^postgresql:\/\/airflow:x@db:5432\/airflow$/);
    });
  });

  describe("service env", () => {
    it("points every service at the API server for task execution and loads no examples", () => {
      const env = airflowEnv(SETTINGS, "airflow-apiserver");
      assert.equal(env.AIRFLOW__CORE__EXECUTION_API_SERVER_URL, "http://airflow-apiserver:8080/execution/");
      assert.equal(env.AIRFLOW__CORE__LOAD_EXAMPLES, "false");
      assert.equal(env.AIRFLOW__CORE__EXECUTOR, "KubernetesExecutor");
    });

    it("passes the connection and every key as secret env", () => {
      assert.deepEqual(Object.keys(airflowSecretEnv({ connection: "c", fernetKey: "f", jwtSecret: "j", apiSecretKey: "a" })).sort(), [
        "AIRFLOW__API_AUTH__JWT_SECRET",
        "AIRFLOW__API__SECRET_KEY",
        "AIRFLOW__CORE__FERNET_KEY",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
      ]);
    });

    it("runs the four Airflow 3 services, each with a health check", () => {
      assert.deepEqual(Object.keys(AIRFLOW_SERVICES), ["apiserver", "scheduler", "dag-processor", "triggerer"]);
      for (const s of Object.values(AIRFLOW_SERVICES)) assert.ok(s.healthcheck.length > 1);
    });

    it("pads a 32-byte URL-safe base64 key into a Fernet key", () => {
      const key = fernetKeyFromB64Url(Buffer.alloc(32, 7).toString("base64url"));
      assert.equal(key.length, 44);
      assert.equal(Buffer.from(key, "base64url").length, 32);
      assert.equal(fernetKeyFromB64Url(key), key);
    });
  });

  describe("airflowChartValues", () => {
    const inputs: AirflowChartInputs = {
      settings: SETTINGS,
      repository: "123.dkr.ecr.us-east-1.amazonaws.com/mdp/airflow",
      tag: "src-0123456789abcdef",
      airflowVersion: "3.3.2",
      secretNames: { metadata: "meta", fernet: "fernet", apiKey: "api", jwt: "jwt" },
      adminPassword: pulumi.secret("admin-secret"),
      env: [{ name: "KAFKA_BROKERS", value: "k:9093" }],
      taskRoleArn: "arn:aws:iam::123:role/airflow",
    };
    const values = airflowChartValues(inputs) as Json;

    it("runs migrations and the admin user as plain Jobs, since Pulumi waits for the release", () => {
      assert.deepEqual(values.migrateDatabaseJob, { enabled: true, useHelmHooks: false });
      assert.equal(values.createUserJob.useHelmHooks, false);
      assert.equal(values.createUserJob.defaultUser.username, "admin");
      assert.equal(values.createUserJob.defaultUser.password, inputs.adminPassword);
    });

    it("uses our Postgres and our secrets, not the chart's", () => {
      assert.deepEqual(values.postgresql, { enabled: false });
      assert.deepEqual(values.data, { metadataSecretName: "meta" });
      assert.equal(values.fernetKeySecretName, "fernet");
      assert.equal(values.jwtSecretName, "jwt");
      assert.equal(values.apiSecretKeySecretName, "api");
    });

    it("runs our image and the matching Airflow version", () => {
      assert.deepEqual(values.images.airflow, { repository: inputs.repository, tag: inputs.tag, pullPolicy: "IfNotPresent" });
      assert.equal(values.airflowVersion, "3.3.2");
      assert.equal(values.executor, "KubernetesExecutor");
      assert.deepEqual(values.redis, { enabled: false });
      assert.deepEqual(airflowChartValues({ ...inputs, settings: { ...SETTINGS, executor: "CeleryExecutor" } }).redis, { enabled: true });
    });

    it("runs pods as non-root with network policies on", () => {
      assert.equal(values.securityContexts.pod.runAsNonRoot, true);
      assert.equal(values.securityContexts.containers.allowPrivilegeEscalation, false);
      assert.deepEqual(values.networkPolicies, { enabled: true });
    });

    it("annotates the task pods' service account with the IAM role, when there is one", () => {
      assert.equal(values.workers.serviceAccount.annotations["eks.amazonaws.com/role-arn"], inputs.taskRoleArn);
      assert.equal(values.scheduler, undefined, "the scheduler reads no bucket");
      assert.deepEqual(airflowChartValues({ ...inputs, taskRoleArn: undefined }).workers, {});
    });
  });
});
