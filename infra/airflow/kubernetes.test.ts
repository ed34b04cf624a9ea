import * as assert from "node:assert/strict";
import { PORTS } from "../../contract";
import type { Json } from "../testing/inspect";
import { CONNECTIONS_FILE, CONNECTIONS_MOUNT } from "./dags";
import {
  AIRFLOW_POD_SELECTOR,
  airflowEgressPolicySpec,
  airflowSecretData,
  airflowSecretFiles,
  airflowSecretNames,
  postgresIngressPolicySpec,
  postgresLabels,
  postgresServiceSpec,
  postgresStatefulSetSpec,
  AIRFLOW_WORKER_SERVICE_ACCOUNT,
  kubernetesAirflowProblems,
} from "./kubernetes";
import { METADATA_DB, METADATA_DB_USER, POSTGRES_UID } from "./spec";

const PLATFORM = { "app.kubernetes.io/part-of": "market-data-platform", "market-data.platform/stack": "prod" };
const SECRETS = { connection: "postgresql://u:p@h:5432/airflow", fernetKey: "fernet", apiSecretKey: "api", jwtSecret: "jwt" };

describe("airflow on kubernetes", () => {
  describe("metadata Postgres", () => {
    const labels = postgresLabels(PLATFORM);
    const set = postgresStatefulSetSpec({ labels, image: "repo/postgres@sha256:abc", serviceName: "a-postgres", serviceAccountName: "a-postgres", passwordSecret: "a-postgres", storageClass: "gp3" });
    const pod = set.template as Json;
    const container = (pod.spec.containers as Json[])[0]!;

    it("keeps the platform's labels and tells the database apart from Airflow's own pods", () => {
      for (const [k, v] of Object.entries(PLATFORM)) assert.equal(labels[k], v);
      assert.equal(labels["app.kubernetes.io/name"], "postgres");
      assert.ok(Object.entries(AIRFLOW_POD_SELECTOR).some(([k, v]) => labels[k] !== v), "Postgres must not match Airflow's pod selector");
    });

    it("selects its own pod, by the labels the pod carries, from the StatefulSet and the Service", () => {
      assert.deepEqual(set.selector, { matchLabels: labels });
      assert.deepEqual(pod.metadata.labels, labels);
      assert.deepEqual(postgresServiceSpec(labels).selector, labels);
      assert.equal(set.serviceName, "a-postgres");
      assert.equal(set.replicas, 1);
    });

    it("serves Postgres's port on the Service and the container", () => {
      assert.deepEqual(postgresServiceSpec(labels).ports, [{ name: "postgres", port: PORTS.postgres, targetPort: PORTS.postgres }]);
      assert.deepEqual(container.ports, [{ containerPort: PORTS.postgres, name: "postgres" }]);
    });

    it("runs as the image's postgres user under the restricted profile, on a read-only root, without an API token", () => {
      assert.equal(pod.spec.automountServiceAccountToken, false);
      assert.equal(pod.spec.serviceAccountName, "a-postgres");
      assert.equal(pod.spec.securityContext.runAsUser, POSTGRES_UID);
      assert.equal(pod.spec.securityContext.runAsNonRoot, true);
      assert.equal(pod.spec.securityContext.seccompProfile.type, "RuntimeDefault");
      assert.deepEqual(container.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] }, runAsNonRoot: true });
      // What Postgres writes besides its data: its socket and scratch.
      const mounts = Object.fromEntries((container.volumeMounts as Json[]).map((m) => [m.mountPath, m]));
      assert.ok(mounts["/var/run/postgresql"] && mounts["/tmp"] && mounts["/var/lib/postgresql/data"]);
    });

    it("reads its password from a file of its Secret, never from a variable", () => {
      const env = Object.fromEntries((container.env as Json[]).map((e) => [e.name, e.value]));
      assert.equal(env.POSTGRES_PASSWORD, undefined);
      assert.equal(env.POSTGRES_USER, METADATA_DB_USER);
      assert.equal(env.POSTGRES_DB, METADATA_DB);
      const file = env.POSTGRES_PASSWORD_FILE as string;
      const mount = (container.volumeMounts as Json[]).find((m) => file.startsWith(`${m.mountPath}/`))!;
      assert.equal(mount.readOnly, true);
      const volume = (pod.spec.volumes as Json[]).find((v) => v.name === mount.name)!;
      assert.equal(volume.secret.secretName, "a-postgres");
      assert.equal(volume.secret.defaultMode, 0o440);
    });

    it("keeps the cluster below the volume's root, on a claim of the stack's storage class", () => {
      const env = Object.fromEntries((container.env as Json[]).map((e) => [e.name, e.value]));
      assert.equal(env.PGDATA, "/var/lib/postgresql/data/pgdata");
      const claim = (set.volumeClaimTemplates as Json[])[0]!;
      assert.equal(claim.metadata.name, "data");
      assert.equal(claim.spec.storageClassName, "gp3");
      assert.deepEqual(claim.spec.accessModes, ["ReadWriteOnce"]);
    });

    it("is ready only when pg_isready answers for Airflow's database", () => {
      assert.deepEqual(container.readinessProbe.exec.command, ["pg_isready", "-h", "127.0.0.1", "-U", METADATA_DB_USER, "-d", METADATA_DB]);
      assert.equal(container.livenessProbe.exec.command[0], "pg_isready");
      assert.ok(container.resources.limits.memory);
    });

    it("lets in only Airflow's pods, on Postgres's port, and lets Airflow's pods out to it", () => {
      const ingress = postgresIngressPolicySpec(labels) as Json;
      assert.deepEqual(ingress.podSelector, { matchLabels: labels });
      assert.deepEqual(ingress.policyTypes, ["Ingress"]);
      assert.deepEqual(ingress.ingress, [{ from: [{ podSelector: { matchLabels: AIRFLOW_POD_SELECTOR } }], ports: [{ protocol: "TCP", port: PORTS.postgres }] }]);
      const egress = airflowEgressPolicySpec(labels) as Json;
      assert.deepEqual(egress.podSelector, { matchLabels: AIRFLOW_POD_SELECTOR });
      assert.deepEqual(egress.egress[0], { to: [{ podSelector: { matchLabels: labels } }], ports: [{ protocol: "TCP", port: PORTS.postgres }] });
    });
  });

  describe("kubernetesAirflowProblems", () => {
    it("takes a task role that trusts the chart's worker account, or none", () => {
      assert.deepEqual(kubernetesAirflowProblems({ taskRole: { arn: "arn:aws:iam::1:role/a", serviceAccount: AIRFLOW_WORKER_SERVICE_ACCOUNT } }), []);
      assert.deepEqual(kubernetesAirflowProblems({}), []);
    });

    it("refuses a task role that trusts another account, naming the argument and the value", () => {
      assert.deepEqual(kubernetesAirflowProblems({ taskRole: { arn: "arn:aws:iam::1:role/a", serviceAccount: "airflow" } }), [
        '`taskRole.serviceAccount` must be airflow-worker, the chart\'s account of the pods that run tasks (got "airflow")',
      ]);
    });
  });

  describe("secrets", () => {
    it("creates every Secret the chart is told to read, under the key it reads", () => {
      const names = airflowSecretNames("a");
      const data = airflowSecretData(SECRETS, "admin-pw", '{"connections": {}}');
      const created = new Set(Object.keys(data).map((role) => `a-${role}`));
      for (const secretName of Object.values(names)) assert.ok(created.has(secretName), `${secretName} is read but never created`);
      assert.deepEqual(data.metadata, { connection: "postgresql://u:p@h:5432/airflow" });
      assert.deepEqual(data.fernet, { "fernet-key": "fernet" });
      assert.deepEqual(data["api-key"], { "api-secret-key": "api" });
      assert.deepEqual(data.jwt, { "jwt-secret": "jwt" });
      assert.deepEqual(data.admin, { password: "admin-pw" });
      assert.deepEqual(data.connections, { [CONNECTIONS_FILE]: '{"connections": {}}' });
    });

    it("creates no connections Secret and mounts none when the DAGs have no connections", () => {
      assert.equal(airflowSecretData(SECRETS, "admin-pw").connections, undefined);
      assert.deepEqual(airflowSecretFiles(undefined), { volumes: [], mounts: [] });
    });

    it("mounts the connections file read-only, beside the files it names", () => {
      const extra = { volumes: [{ name: "kafka-ca", secret: { secretName: "ca" } }], mounts: [{ name: "kafka-ca", mountPath: "/etc/kafka-ca", readOnly: true }] };
      const files = airflowSecretFiles("a-connections", extra);
      assert.deepEqual(files.volumes, [{ name: "dag-connections", secret: { secretName: "a-connections", defaultMode: 0o440 } }, ...extra.volumes]);
      assert.deepEqual(files.mounts, [{ name: "dag-connections", mountPath: CONNECTIONS_MOUNT, readOnly: true }, ...extra.mounts]);
    });
  });
});
