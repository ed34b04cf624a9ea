import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import type { Json } from "../testing/inspect";
import { isSecretOutput, unwrap } from "../testing/mocks";
import { ENSURE_ADMIN_SCRIPT, airflowChartValues, postgresStatefulSetSpec, type AirflowChartInputs } from "./kubernetes";
import { postgresSpec } from "./docker";
import {
  AIRFLOW_CONFIG,
  AIRFLOW_SECRETS,
  AIRFLOW_SERVICES,
  POSTGRES_READY_COMMAND,
  airflowChartSecretData,
  airflowConfigEnv,
  airflowConfigValues,
  airflowEnv,
  airflowSecretEnv,
  fernetKeyFromB64Url,
  metadataConnection,
} from "./spec";
import { airflowVersionOf, type AirflowSettings } from "./settings";

const SETTINGS: AirflowSettings = { adminUser: "admin", executor: "KubernetesExecutor" };

describe("airflow spec", () => {
  describe("airflowVersionOf", () => {
    it("reads the Airflow release from the image tag", () => {
      assert.equal(airflowVersionOf("apache/airflow:3.3.2-python3.11"), "3.3.2");
      assert.equal(airflowVersionOf("apache/airflow:3.1.0"), "3.1.0");
      assert.equal(airflowVersionOf("registry.example.com:5000/apache/airflow:3.0.6-python3.11"), "3.0.6");
      assert.equal(airflowVersionOf(`apache/airflow:3.3.2-python3.11@sha256:${"a".repeat(64)}`), "3.3.2");
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

  describe("AIRFLOW_CONFIG", () => {
    const entries = Object.entries(AIRFLOW_CONFIG).flatMap(([section, keys]) => Object.entries(keys).map(([key, value]) => ({ section, key, value: value as string | boolean })));
    const chart = airflowChartValues({ settings: SETTINGS, repository: "r", tag: "t", airflowVersion: "3.3.2", secretNames: { metadata: "m", fernet: "f", apiKey: "a", jwt: "j", admin: "ad" }, env: [] }) as Json;

    it("uses FAB's auth manager with its DB manager, loads no examples and pauses new DAGs", () => {
      assert.equal(AIRFLOW_CONFIG.core.auth_manager, "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager");
      assert.equal(AIRFLOW_CONFIG.database.external_db_managers, "airflow.providers.fab.auth_manager.models.db.FABDBManager");
      assert.equal(AIRFLOW_CONFIG.core.load_examples, false);
      assert.equal(AIRFLOW_CONFIG.core.dags_are_paused_at_creation, true);
    });

    it("reaches the Docker services as AIRFLOW__SECTION__KEY, and the chart under its config values, entry by entry", () => {
      const env = airflowEnv(SETTINGS, "airflow-apiserver");
      for (const { section, key, value } of entries) assert.equal(env[`AIRFLOW__${section.toUpperCase()}__${key.toUpperCase()}`], String(value), `docker: ${section}.${key}`);
      for (const { section, key, value } of entries) {
        assert.equal(chart.config[section][key], typeof value === "boolean" ? (value ? "True" : "False") : value, `chart: ${section}.${key}`);
      }
      assert.deepEqual(Object.keys(chart.config).sort(), Object.keys(AIRFLOW_CONFIG).sort());
    });

    it("renders both ways from any table, booleans as each side spells them", () => {
      const table = { core: { flag: true, name: "x" }, logging: { off: false } };
      assert.deepEqual(airflowConfigEnv(table), { AIRFLOW__CORE__FLAG: "true", AIRFLOW__CORE__NAME: "x", AIRFLOW__LOGGING__OFF: "false" });
      assert.deepEqual(airflowConfigValues(table), { core: { flag: "True", name: "x" }, logging: { off: "False" } });
    });

    it("hands every shared credential to both targets: a variable on Docker, a key of the chart's Secrets", () => {
      const values = { connection: "c", fernetKey: "f", jwtSecret: "j", apiSecretKey: "a" };
      const env = airflowSecretEnv(values);
      const data = airflowChartSecretData(values);
      for (const [credential, where] of Object.entries(AIRFLOW_SECRETS)) {
        const value = values[credential as keyof typeof values];
        assert.equal(env[where.env], value, `${credential} on Docker`);
        assert.equal(data[where.secret]![where.key], value, `${credential} in the chart's ${where.secret} Secret`);
      }
      assert.equal(Object.keys(env).length, Object.keys(AIRFLOW_SECRETS).length);
      assert.equal(Object.keys(data).length, Object.keys(AIRFLOW_SECRETS).length);
    });

    it("probes the metadata Postgres the same way on both targets", () => {
      const pod = postgresStatefulSetSpec({ labels: {}, image: "p", serviceName: "s", serviceAccountName: "s", passwordSecret: "s", storageClass: "gp3" }).template as Json;
      assert.deepEqual(postgresSpec("p", "pw", "v").healthcheck!.test, ["CMD", ...pod.spec.containers[0].readinessProbe.exec.command]);
      assert.deepEqual(pod.spec.containers[0].readinessProbe.exec.command, [...POSTGRES_READY_COMMAND]);
    });
  });

  describe("airflowChartValues", () => {
    const inputs: AirflowChartInputs = {
      settings: SETTINGS,
      repository: "123.dkr.ecr.us-east-1.amazonaws.com/mdp/airflow",
      tag: "src-0123456789abcdef",
      airflowVersion: "3.3.2",
      secretNames: { metadata: "meta", fernet: "fernet", apiKey: "api", jwt: "jwt", admin: "admin-pw" },
      env: [{ name: "KAFKA_BROKERS", value: "k:9093" }],
      taskRoleArn: "arn:aws:iam::123:role/airflow",
    };
    const values = airflowChartValues(inputs) as Json;

    it("runs migrations and the admin user as plain Jobs, since Pulumi waits for the release", () => {
      assert.equal(values.migrateDatabaseJob.enabled, true);
      assert.equal(values.migrateDatabaseJob.useHelmHooks, false);
      assert.equal(values.createUserJob.useHelmHooks, false);
      assert.equal(values.createUserJob.defaultUser.username, "admin");
    });

    it("creates the admin with our script, from the password in a mounted Secret, never on a command line", () => {
      const job = values.createUserJob;
      assert.equal(job.defaultUser.password, "", "no password among the chart's values");
      assert.deepEqual(job.args, ["python", ENSURE_ADMIN_SCRIPT]);
      assert.equal(job.command, undefined);
      const env = Object.fromEntries((job.env as { name: string; value: string }[]).map((e) => [e.name, e.value]));
      assert.equal(env.AIRFLOW_ADMIN_USERNAME, "admin");
      const volume = job.extraVolumes.find((v: Json) => v.secret?.secretName === "admin-pw");
      assert.deepEqual(volume.secret.items, [{ key: "password", path: "password" }]);
      const mount = job.extraVolumeMounts.find((m: Json) => m.name === volume.name);
      assert.equal(mount.readOnly, true);
      assert.equal(env.AIRFLOW_ADMIN_PASSWORD_FILE, `${mount.mountPath}/password`);
      assert.ok(job.resources.limits.cpu, "bounded, like every pod");
      assert.equal(job.serviceAccount.automountServiceAccountToken, false);
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

    it("runs every pod under Pod Security's restricted standard, on a read-only root with /tmp for scratch", () => {
      assert.deepEqual(values.securityContexts.pod, { runAsNonRoot: true, runAsUser: 50000, runAsGroup: 0, fsGroup: 0, seccompProfile: { type: "RuntimeDefault" } });
      assert.deepEqual(values.securityContexts.containers, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] }, runAsNonRoot: true });
      assert.deepEqual(values.workers.securityContexts, { pod: values.securityContexts.pod, container: values.securityContexts.containers }, "the task pods too");
      assert.deepEqual(values.volumes, [{ name: "tmp", emptyDir: {} }]);
      assert.deepEqual(values.volumeMounts, [{ name: "tmp", mountPath: "/tmp" }]);
      assert.match(values.apiServer.apiServerConfig, /AUTH_TYPE = AUTH_DB/, "FAB finds its config and writes none");
      assert.deepEqual(values.statsd, { enabled: false });
    });

    it("bounds every component's CPU and memory", () => {
      for (const component of ["apiServer", "scheduler", "dagProcessor", "triggerer", "workers", "migrateDatabaseJob"]) {
        const resources = values[component].resources;
        assert.ok(resources.requests.cpu && resources.requests.memory && resources.limits.cpu && resources.limits.memory, component);
      }
    });

    it("mounts an API token only where the Kubernetes API is called, and labels those pods for its egress", () => {
      const token = (c: string) => values[c].serviceAccount.automountServiceAccountToken;
      for (const c of ["apiServer", "scheduler", "triggerer", "workers"]) assert.equal(token(c), true, c);
      for (const c of ["dagProcessor", "migrateDatabaseJob"]) assert.equal(token(c), false, c);
      assert.equal(values.scheduler.labels["market-data.platform/egress-kube-api"], "true");
      assert.equal(values.dagProcessor.labels["market-data.platform/egress-kube-api"], undefined);
      assert.equal(values.workers.labels["market-data.platform/egress-https"], "true", "tasks reach S3 and Snowflake");
    });

    it("keeps network policies on, and lets only Airflow's own pods reach the API server", () => {
      assert.deepEqual(values.networkPolicies, { enabled: true });
      assert.deepEqual(values.apiServer.networkPolicy.ingress, { from: [{ podSelector: { matchLabels: { tier: "airflow", release: "airflow" } } }], ports: [{ port: 8080 }] });
    });

    it("annotates the task pods' service account with the IAM role, when there is one", () => {
      assert.equal(values.workers.serviceAccount.annotations["eks.amazonaws.com/role-arn"], inputs.taskRoleArn);
      assert.equal(values.scheduler.serviceAccount.annotations, undefined, "the scheduler reads no bucket");
      assert.equal((airflowChartValues({ ...inputs, taskRoleArn: undefined }) as Json).workers.serviceAccount.annotations, undefined);
    });
  });
});
