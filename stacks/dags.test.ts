import { createPublicKey } from "node:crypto";
import * as assert from "node:assert/strict";
import type { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { FUNCTION_COMMANDS } from "../contract";
import { CONNECTIONS_FILE, CONNECTIONS_MOUNT, DAG_CONNECTIONS, DAG_VARIABLES } from "../infra/airflow";
import { SINK_GROUP_ID } from "../infra/functions";
import { EGRESS_LABELS, KAFKA_CLIENT_LABEL } from "../infra/kubernetes";
import { SPARK_LABEL } from "../infra/spark";
import { TYPES, metadataOf, type Json } from "../infra/testing/inspect";
import { isSecret, ofType, runProgram, unwrap, type RecordedResource, type Run } from "../infra/testing/mocks";
import { INVARIANTS } from "../policy/invariants";
import type { PlatformOutputs } from "./outputs";
import { definePlatform } from "./platform";
import { TEST_LOADER_KEY } from "../infra/testing/keys";

const SNOWFLAKE = JSON.stringify({ enabled: true, organization: "ORG", account: "DEV", user: "PULUMI" });

/** The policy pack's resource rules on one pod template, presented as a Deployment's. */
function violations(name: string, template: Json): string[] {
  const found: string[] = [];
  for (const policy of INVARIANTS) {
    const validate = (policy as ResourceValidationPolicy).validateResource;
    if (typeof validate !== "function" || policy.enforcementLevel !== "mandatory") continue;
    const args = { type: "kubernetes:apps/v1:Deployment", name, urn: name, props: { spec: { template } }, opts: {}, stackTags: new Map() };
    void validate(args as unknown as ResourceValidationArgs, (m: string) => found.push(`${policy.name}: ${m}`));
  }
  return found;
}

describe("the DAGs' settings on each stack", function () {
  this.timeout(120_000);

  describe("dev: tasks in containers on the local engine", () => {
    let run: Run<PlatformOutputs>;
    const container = (hostname: string) => run.resources.find((r) => r.type === TYPES.container && r.plain.hostname === hostname)!;
    const envOf = (r: RecordedResource) => Object.fromEntries((r.plain.envs as string[]).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));

    before(async () => {
      run = await runProgram(definePlatform, { stack: "dev" });
    });

    it("gives every Airflow service the DAGs' variables: a docker runner on the platform's network, the buckets, the sink's group, Snowflake off", async () => {
      const refs = { functions: await unwrap(run.outputs.images.functions!), spark: await unwrap(run.outputs.images.spark!) };
      for (const role of ["airflow-scheduler", "airflow-triggerer", "airflow-dag-processor", "airflow-apiserver"]) {
        const env = envOf(container(role));
        const runner = JSON.parse(env[DAG_VARIABLES.runner]!) as Json;
        assert.equal(runner.kind, "docker", role);
        assert.equal(runner.network, "mdp-dev");
        assert.equal(runner.programs[FUNCTION_COMMANDS.batchProducer].image, refs.functions);
        assert.deepEqual(runner.programs[FUNCTION_COMMANDS.batchProducer].command, [FUNCTION_COMMANDS.batchProducer]);
        assert.equal(runner.programs["spark-submit"].image, refs.spark);
        assert.deepEqual(runner.programs["spark-submit"].command.slice(0, 3), ["/opt/spark/bin/spark-submit", "--master", "spark://spark-master:7077"]);
        const buckets = JSON.parse(env[DAG_VARIABLES.buckets]!) as Record<string, string>;
        assert.deepEqual(Object.keys(buckets), ["raw", "processed", "realtime", "checkpoints"]);
        const pipeline = JSON.parse(env[DAG_VARIABLES.pipeline]!) as Json;
        assert.equal(pipeline.sink_group, SINK_GROUP_ID);
        assert.deepEqual(JSON.parse(env[DAG_VARIABLES.snowflake]!), { enabled: false });
      }
    });

    it("passes the connections, which hold the object store's secret key, only as secrets", async () => {
      const scheduler = container("airflow-scheduler");
      assert.ok(isSecret(scheduler.inputs.envs), "the containers' env carries secrets, so it is one");
      const env = envOf(scheduler);
      const s3 = JSON.parse(env[`AIRFLOW_CONN_${DAG_CONNECTIONS.s3.toUpperCase()}`]!) as Json;
      assert.equal(s3.conn_type, "aws");
      assert.equal(s3.password, await unwrap(run.outputs.objectStore.secretAccessKey!));
      assert.equal(s3.extra.endpoint_url, await unwrap(run.outputs.objectStore.endpoint));
      const kafka = JSON.parse(env[`AIRFLOW_CONN_${DAG_CONNECTIONS.kafka.toUpperCase()}`]!) as Json;
      assert.equal(kafka.extra["bootstrap.servers"], await unwrap(run.outputs.kafka.bootstrapInternal));
      assert.equal(env[`AIRFLOW_CONN_${DAG_CONNECTIONS.snowflake.toUpperCase()}`], undefined, "no Snowflake on this stack");
    });

    it("turns the load on, landed by the DAG, connected as Airflow's own loader user when Snowflake is switched on", async () => {
      const withSnowflake = await runProgram(definePlatform, { stack: "dev", config: { "market-data-platform:snowflake": SNOWFLAKE }, secrets: { snowflakePrivateKey: "PEM", snowflakeLoaderPrivateKey: TEST_LOADER_KEY } });
      const scheduler = withSnowflake.resources.find((r) => r.type === TYPES.container && r.plain.hostname === "airflow-scheduler")!;
      const env = envOf(scheduler);
      assert.deepEqual(JSON.parse(env[DAG_VARIABLES.snowflake]!), { enabled: true, landing: { daily_metrics: "dag", tick_windows: "dag" } });
      const sf = JSON.parse(env[`AIRFLOW_CONN_${DAG_CONNECTIONS.snowflake.toUpperCase()}`]!) as Json;
      assert.equal(sf.login, "MDP_DEV_AIRFLOW", "never the admin user `snowflake.user`");
      assert.deepEqual({ ...sf.extra, private_key_content: "..." }, {
        account: "ORG-DEV",
        database: "MARKET_DATA",
        schema: "ANALYTICS",
        warehouse: "MDP_DEV_LOAD_WH",
        role: "MDP_DEV_LOADER",
        private_key_content: "...",
      });
      assert.equal(sf.extra.private_key_content, TEST_LOADER_KEY, "the loader's key, not the admin's");
    });

    it("declares that user in Snowflake: a service user with the loader's role only, its public key derived from the one secret", async () => {
      const withSnowflake = await runProgram(definePlatform, { stack: "dev", config: { "market-data-platform:snowflake": SNOWFLAKE }, secrets: { snowflakePrivateKey: "PEM", snowflakeLoaderPrivateKey: TEST_LOADER_KEY } });
      const [user, ...others] = withSnowflake.resources.filter((r) => r.type === "snowflake:index/serviceUser:ServiceUser");
      assert.equal(others.length, 0);
      assert.equal(user!.plain.name, "MDP_DEV_AIRFLOW");
      assert.equal(user!.plain.rsaPublicKey, createPublicKey(TEST_LOADER_KEY).export({ type: "spki", format: "der" }).toString("base64"));
      assert.equal(user!.plain.password, undefined, "a key pair only");
      assert.deepEqual([user!.plain.defaultRole, user!.plain.defaultSecondaryRolesOption, user!.plain.defaultWarehouse], ["MDP_DEV_LOADER", "NONE", "MDP_DEV_LOAD_WH"]);
      const roles = withSnowflake.resources.filter((r) => r.type === "snowflake:index/grantAccountRole:GrantAccountRole" && r.plain.userName === "MDP_DEV_AIRFLOW").map((g) => g.plain.roleName);
      assert.deepEqual(roles, ["MDP_DEV_LOADER"], "the loader's role and no other");
    });
  });

  describe("prod: tasks as pods through the Kubernetes provider", () => {
    let run: Run<PlatformOutputs>;
    let values: Json;
    let env: Record<string, string>;
    let runner: Json;

    before(async () => {
      run = await runProgram(definePlatform, { stack: "prod", secrets: { kubeconfig: "apiVersion: v1", snowflakePrivateKey: "PEM", snowflakeLoaderPrivateKey: TEST_LOADER_KEY } });
      values = ofType(run.resources, TYPES.helmRelease)[0]!.plain.values as Json;
      env = Object.fromEntries((values.env as { name: string; value: string }[]).map((e) => [e.name, e.value]));
      runner = JSON.parse(env[DAG_VARIABLES.runner]!) as Json;
    });

    it("gives Airflow a kubernetes runner in the platform's namespace, the S3 buckets, and the pipe landing the daily metrics", () => {
      assert.equal(runner.kind, "kubernetes");
      assert.equal(runner.namespace, "market-data");
      assert.equal(runner.jobs_dir, "/opt/market-data/jobs");
      assert.deepEqual(JSON.parse(env[DAG_VARIABLES.snowflake]!), { enabled: true, landing: { daily_metrics: "pipe", tick_windows: "dag" } });
      assert.equal((JSON.parse(env[DAG_VARIABLES.pipeline]!) as Json).sink_group, SINK_GROUP_ID);
      assert.deepEqual(runner.sidecar_security_context.capabilities, { drop: ["ALL"] }, "the XCom sidecar meets `restricted` too");
    });

    it("publishes the daily bars from one producer: the DAG's ingest, with no CronJob of its own beside it", () => {
      assert.deepEqual(ofType(run.resources, TYPES.cronJob), [], "no schedule publishes the bars a second time");
      const batch = runner.programs[FUNCTION_COMMANDS.batchProducer];
      assert.deepEqual(batch.command, [FUNCTION_COMMANDS.batchProducer]);
      const account = ofType(run.resources, TYPES.serviceAccount).find((a) => metadataOf(a).name === batch.pod_template.spec.serviceAccountName);
      assert.ok(account, "the ingest pod's service account exists");
    });

    it("builds each task's pod as restricted as the platform's own: the policy pack finds nothing", () => {
      assert.ok(violations("bare", { spec: { containers: [{ name: "c", env: [{ name: "P", valueFrom: { secretKeyRef: { name: "s", key: "k" } } }] }] } }).length >= 3, "the rules do look at a template");
      for (const program of [FUNCTION_COMMANDS.batchProducer, "spark-submit"]) {
        const template = runner.programs[program].pod_template as Json;
        assert.deepEqual(violations(program, template), [], program);
        const spec = template.spec as Json;
        assert.equal(spec.automountServiceAccountToken, false, program);
        assert.equal(spec.restartPolicy, "Never");
        const [base] = spec.containers as Json[];
        assert.equal(base.name, "base", "KubernetesPodOperator's container");
        assert.equal(base.securityContext.readOnlyRootFilesystem, true, program);
        assert.ok(base.resources.limits.cpu, `${program} has a CPU limit`);
        assert.ok(!(base.env as Json[]).some((e) => e.valueFrom?.secretKeyRef), `${program} reads no Secret into a variable`);
      }
    });

    it("lets the batch producer's pod reach Kafka as its own user, and spark-submit's pod the Spark cluster (authenticated) and S3", () => {
      const batch = runner.programs[FUNCTION_COMMANDS.batchProducer].pod_template as Json;
      assert.deepEqual({ ...batch.metadata.labels, ...KAFKA_CLIENT_LABEL, ...EGRESS_LABELS.https }, batch.metadata.labels);
      const batchEnv = Object.fromEntries((batch.spec.containers[0].env as Json[]).map((e) => [e.name, e.value]));
      assert.equal(batchEnv.KAFKA_USERNAME, FUNCTION_COMMANDS.batchProducer);
      assert.equal(batchEnv.KAFKA_PASSWORD_FILE, "/etc/kafka-user/password");
      assert.equal(batch.spec.serviceAccountName, FUNCTION_COMMANDS.batchProducer);

      const spark = runner.programs["spark-submit"].pod_template as Json;
      assert.deepEqual({ ...spark.metadata.labels, ...SPARK_LABEL, ...EGRESS_LABELS.https }, spark.metadata.labels);
      assert.ok(!(FUNCTION_COMMANDS.batchProducer in spark.metadata.labels));
      assert.equal(spark.spec.serviceAccountName, "spark", "the Spark role (IRSA) reads and writes the buckets");
      const conf = (spark.spec.volumes as Json[]).find((v) => v.name === "spark-conf")!;
      const confSecret = ofType(run.resources, TYPES.secret).find((s) => metadataOf(s).name === conf.secret.secretName)!;
      assert.ok("spark-defaults.conf" in (confSecret.plain.stringData as Json), "the cluster's authentication conf");
      const sparkEnv = Object.fromEntries((spark.spec.containers[0].env as Json[]).map((e) => [e.name, e.value]));
      assert.equal(sparkEnv.SPARK_CONF_DIR, "/etc/spark-conf");
      const command = runner.programs["spark-submit"].command as string[];
      assert.ok(command.includes("spark.driver.host=$(POD_IP)") && command.includes("spark.driver.port=7078") && command.includes("spark.blockManager.port=7079"), command.join(" "));
    });

    it("keeps the connections out of every variable: a mounted Secret that Airflow reads as its connections file", () => {
      for (const name of Object.keys(env)) assert.ok(!name.startsWith("AIRFLOW_CONN_"), name);
      assert.equal(env.AIRFLOW__SECRETS__BACKEND, "airflow.secrets.local_filesystem.LocalFilesystemBackend");
      assert.deepEqual(JSON.parse(env.AIRFLOW__SECRETS__BACKEND_KWARGS!), { connections_file_path: `${CONNECTIONS_MOUNT}/${CONNECTIONS_FILE}` });
      const volume = (values.volumes as Json[]).find((v) => v.name === "dag-connections")!;
      assert.ok((values.volumeMounts as Json[]).some((m) => m.name === "dag-connections" && m.mountPath === CONNECTIONS_MOUNT && m.readOnly));
      const secret = ofType(run.resources, TYPES.secret).find((s) => metadataOf(s).name === volume.secret.secretName)!;
      assert.ok(isSecret(secret.inputs.stringData), "the connections are a secret");
      const connections = JSON.parse((secret.plain.stringData as Record<string, string>)[CONNECTIONS_FILE]!) as Json;
      assert.deepEqual(Object.keys(connections).sort(), [DAG_CONNECTIONS.kafka, DAG_CONNECTIONS.s3, DAG_CONNECTIONS.snowflake]);
      assert.deepEqual(connections[DAG_CONNECTIONS.s3], { conn_type: "aws", extra: { region_name: "us-east-1" } }, "the worker's role, no key");
      const kafka = connections[DAG_CONNECTIONS.kafka].extra as Json;
      assert.equal(kafka["sasl.username"], "airflow");
      assert.equal(kafka["sasl.password.file"], "/etc/kafka-user/password", "the password is a file of the user's Secret");
      assert.equal(kafka["sasl.password"], undefined);
      assert.equal(connections[DAG_CONNECTIONS.snowflake].login, "MDP_PROD_AIRFLOW");
      assert.equal(connections[DAG_CONNECTIONS.snowflake].extra.private_key_content, TEST_LOADER_KEY);
      assert.ok(String(values.triggerer.labels["market-data.platform/kafka-client"]) === "true", "the triggerer, which waits on Kafka, may reach it");
    });
  });
});
