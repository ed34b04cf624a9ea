import * as assert from "node:assert/strict";
import { DAILY_METRICS_SCHEMA, ENV, FUNCTION_COMMANDS, LOADED_TABLES, LOAD_COLUMNS, LOAD_STAGE, PORTS, TOPICS, ZONES, ZONE_BUCKET_ENV } from "../contract";
import { AIRFLOW_POD_SELECTOR } from "../infra/airflow";
import { copyStatement, snowflakeNames, tableColumns } from "../infra/snowflake";
import { strimziChartValues } from "../infra/kafka";
import { TYPES, metadataOf, podEnv, podSpecOf, selects, workloadPolicies, type ContainerShape, type Json, type PodSpecShape } from "../infra/testing/inspect";
import { dependsOn, isSecret, isSecretOutput, ofType, plainStrings, runProgram, unwrap, type RecordedResource, type Run } from "../infra/testing/mocks";
import type { PlatformOutputs } from "./outputs";
import { definePlatform } from "./platform";
import { TEST_LOADER_KEY } from "../infra/testing/keys";

const KUBECONFIG = "apiVersion: v1\nkind: Config\nusers: [{name: ci, user: {token: kubeconfig-token-0123456789}}]";
const SNOWFLAKE_KEY = "-----BEGIN PRIVATE KEY-----\nMIIEvsnowflakeprivatekey0123456789\n-----END PRIVATE KEY-----";

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource?: string | string[];
  Principal?: unknown;
  Condition?: Record<string, Record<string, string>>;
}
const policyOf = (text: unknown): Statement[] => (JSON.parse(text as string) as { Statement: Statement[] }).Statement;
const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

describe("prod stack (AWS + Kubernetes + Snowflake)", function () {
  this.timeout(60_000);
  let run: Run<PlatformOutputs>;
  let resources: RecordedResource[];

  before(async () => {
    run = await runProgram(definePlatform, { stack: "prod", secrets: { kubeconfig: KUBECONFIG, snowflakePrivateKey: SNOWFLAKE_KEY, snowflakeLoaderPrivateKey: TEST_LOADER_KEY } });
    resources = run.resources;
  });

  const only = (type: string, predicate: (r: RecordedResource) => boolean = () => true): RecordedResource => {
    const found = ofType(resources, type).filter(predicate);
    assert.equal(found.length, 1, `expected one ${type}, found ${found.map((r) => r.name).join(", ") || "none"}`);
    return found[0]!;
  };
  const byK8sName = (type: string, name: string) => only(type, (r) => metadataOf(r).name === name);
  const spec = (r: RecordedResource) => r.plain.spec as Json;
  const bucketOf = (zone: string) => only(TYPES.bucket, (r) => (r.plain.tags as Record<string, string>).zone === zone);
  const onBucket = (type: string, bucket: RecordedResource) => only(type, (r) => r.plain.bucket === bucket.id);
  const functionWorkloads = () => [FUNCTION_COMMANDS.realtimeProducer, FUNCTION_COMMANDS.sink].map((fn) => byK8sName(TYPES.deployment, fn));

  describe("Kafka (Strimzi)", () => {
    it("installs the Strimzi operator chart, pinned, watching only its namespace", () => {
      const chart = only(TYPES.helmChart);
      assert.equal(chart.plain.chart, "oci://quay.io/strimzi-helm/strimzi-kafka-operator");
      assert.equal(chart.plain.version, "1.2.0");
      assert.deepEqual(chart.plain.values, strimziChartValues());
    });

    it("declares a KRaft cluster with explicit durability: RF 3, min ISR 2, no unclean election", () => {
      const kafka = spec(only(TYPES.kafka)).kafka;
      assert.equal(kafka.version, "4.3.1");
      assert.equal(kafka.config["default.replication.factor"], "3");
      assert.equal(kafka.config["min.insync.replicas"], "2");
      assert.equal(kafka.config["unclean.leader.election.enable"], "false");
      assert.equal(kafka.config["auto.create.topics.enable"], "false");
      const pools = ofType(resources, TYPES.kafkaNodePool);
      const broker = pools.find((p) => spec(p).roles[0] === "broker")!;
      const controller = pools.find((p) => spec(p).roles[0] === "controller")!;
      assert.equal(spec(broker).replicas, 3);
      assert.equal(spec(controller).replicas, 3);
      for (const pool of pools) assert.equal(metadataOf(pool).labels?.["strimzi.io/cluster"], metadataOf(only(TYPES.kafka)).name);
    });

    it("creates the three topics with 3 replicas and min.insync.replicas 2", () => {
      const topics = ofType(resources, TYPES.kafkaTopic);
      assert.deepEqual(topics.map((t) => spec(t).topicName).sort(), Object.values(TOPICS).sort());
      for (const t of topics) {
        assert.equal(spec(t).replicas, 3, t.name);
        assert.equal(spec(t).config["min.insync.replicas"], "2", t.name);
        assert.equal(spec(t).config["unclean.leader.election.enable"], "false", t.name);
      }
      assert.equal(spec(topics.find((t) => spec(t).topicName === TOPICS.realtime)!).partitions, 6);
    });

    it("opens one listener, TLS with SCRAM-SHA-512, to labelled client pods only", () => {
      const [listener, ...others] = spec(only(TYPES.kafka)).kafka.listeners as Json[];
      assert.equal(others.length, 0);
      assert.equal(listener!.tls, true);
      assert.deepEqual(listener!.authentication, { type: "scram-sha-512" });
      assert.equal(listener!.type, "internal");
      assert.ok(listener!.networkPolicyPeers.length > 0);
      assert.deepEqual(spec(only(TYPES.kafka)).kafka.authorization, { type: "simple" });
      const peers = listener!.networkPolicyPeers.map((p: { podSelector: { matchLabels: Record<string, string> } }) => p.podSelector.matchLabels);
      for (const workload of functionWorkloads()) {
        const labels = (workload.type === TYPES.cronJob ? spec(workload).jobTemplate.spec.template : spec(workload).template).metadata.labels;
        assert.ok(peers.some((peer: Record<string, string>) => selects(peer, labels)), `${workload.name} can reach Kafka`);
      }
    });

    it("gives each client a KafkaUser with least-privilege ACLs", () => {
      const users = Object.fromEntries(ofType(resources, TYPES.kafkaUser).map((u) => [metadataOf(u).name, spec(u)]));
      assert.deepEqual(Object.keys(users).sort(), ["airflow", "batch-producer", "dashboard", "realtime-producer", "sink", "spark"]);
      const grants = (user: string) =>
        (users[user].authorization.acls as { resource: { type: string; name: string; patternType: string }; operations: string[] }[]).map(
          (a) => `${a.resource.type}:${a.resource.name}:${a.resource.patternType}:${[...a.operations].sort().join("+")}`,
        );
      for (const u of Object.values(users)) assert.deepEqual(u.authentication, { type: "scram-sha-512" });
      assert.deepEqual(grants("sink").sort(), [
        "group:market-data-sink:literal:Describe+Read",
        `topic:${TOPICS.batch}:literal:Describe+Read`,
        `topic:${TOPICS.deadLetter}:literal:Describe+Write`,
        `topic:${TOPICS.realtime}:literal:Describe+Read`,
      ]);
      assert.deepEqual(grants("realtime-producer"), [`topic:${TOPICS.realtime}:literal:Describe+Write`]);
      assert.deepEqual(grants("batch-producer"), [`topic:${TOPICS.batch}:literal:Describe+Write`]);
      // The daily DAG's wait for the sink reads that group's committed offsets.
      assert.deepEqual(grants("airflow").sort(), ["group:market-data-sink:literal:Describe+Read", `topic:${TOPICS.batch}:literal:Describe+Read`]);
      // Spark's Kafka source makes up its group ids, so its group grant is a prefix.
      assert.deepEqual(grants("spark").sort(), ["group:spark-kafka-:prefix:Describe+Read", `topic:${TOPICS.batch}:literal:Describe+Read`, `topic:${TOPICS.realtime}:literal:Describe+Read`]);
    });
  });

  describe("S3 buckets", () => {
    const logBucket = () => only(TYPES.bucket, (r) => (r.plain.tags as Record<string, string>).purpose === "access-logs");

    it("declares one bucket per zone and one for their access logs, none of them public", () => {
      const zones = ofType(resources, TYPES.bucket).map((b) => (b.plain.tags as Record<string, string>).zone).filter(Boolean);
      assert.deepEqual(zones.sort(), [...ZONES].sort());
      assert.equal(ofType(resources, TYPES.bucket).length, ZONES.length + 1);
      for (const bucket of ofType(resources, TYPES.bucket)) {
        assert.equal(bucket.plain.acl, undefined, `${bucket.name} has no ACL`);
        assert.equal(bucket.plain.forceDestroy, false, `${bucket.name} keeps its objects on destroy`);
      }
      assert.equal(ofType(resources, "aws:s3/bucketAclV2:BucketAclV2").length + ofType(resources, "aws:s3/bucketAcl:BucketAcl").length, 0);
      for (const policy of ofType(resources, "aws:s3/bucketPolicy:BucketPolicy")) {
        for (const s of policyOf(policy.plain.policy)) assert.notEqual(s.Effect === "Allow" && JSON.stringify(s.Principal).includes("*"), true, `${policy.name} allows anyone`);
      }
    });

    for (const zone of ZONES) {
      it(`writes the ${zone} bucket's server access logs to the log bucket, under its own prefix`, () => {
        const logging = onBucket("aws:s3/bucketLogging:BucketLogging", bucketOf(zone)).plain;
        assert.equal(logging.targetBucket, logBucket().id);
        assert.equal(logging.targetPrefix, `${zone}/`);
      });

      it(`secures the ${zone} bucket: public access blocked, KMS, versioning, lifecycle, TLS only`, () => {
        const bucket = bucketOf(zone);
        const block = onBucket("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", bucket).plain;
        for (const key of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"]) assert.equal(block[key], true, key);
        const sse = onBucket("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", bucket).plain.rules as Json[];
        assert.equal(sse[0].applyServerSideEncryptionByDefault.sseAlgorithm, "aws:kms");
        assert.equal((onBucket("aws:s3/bucketVersioning:BucketVersioning", bucket).plain.versioningConfiguration as { status: string }).status, "Enabled");
        assert.equal((onBucket("aws:s3/bucketOwnershipControls:BucketOwnershipControls", bucket).plain.rule as { objectOwnership: string }).objectOwnership, "BucketOwnerEnforced");

        const rules = onBucket("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", bucket).plain.rules as Json[];
        const ids = rules.map((r) => r.id);
        assert.ok(ids.includes("abort-incomplete-uploads"));
        const oldVersions = rules.filter((r) => r.noncurrentVersionExpiration !== undefined).map((r) => r.noncurrentVersionExpiration.noncurrentDays);
        assert.deepEqual(oldVersions, [zone === "checkpoints" ? 1 : 30], "one rule expires old versions");
        if (zone === "raw") assert.deepEqual(rules.find((r) => r.id === "raw-to-infrequent-access").transitions, [{ days: 30, storageClass: "STANDARD_IA" }]);

        const [deny] = policyOf(onBucket("aws:s3/bucketPolicy:BucketPolicy", bucket).plain.policy);
        assert.equal(deny!.Effect, "Deny");
        assert.deepEqual(deny!.Condition, { Bool: { "aws:SecureTransport": "false" } });
        assert.deepEqual(list(deny!.Resource), [bucket.state.arn, `${bucket.state.arn as string}/*`]);
      });
    }

    it("keeps the access logs private, versioned, TLS only, encrypted with S3's keys (logs cannot be delivered to a KMS bucket), written only by S3's logging service", () => {
      const bucket = logBucket();
      const block = onBucket("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", bucket).plain;
      for (const key of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"]) assert.equal(block[key], true, key);
      assert.equal((onBucket("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", bucket).plain.rules as Json[])[0].applyServerSideEncryptionByDefault.sseAlgorithm, "AES256");
      assert.equal((onBucket("aws:s3/bucketVersioning:BucketVersioning", bucket).plain.versioningConfiguration as { status: string }).status, "Enabled");
      const [deny, allow] = policyOf(onBucket("aws:s3/bucketPolicy:BucketPolicy", bucket).plain.policy);
      assert.equal(deny!.Effect, "Deny");
      assert.deepEqual(allow!.Principal, { Service: "logging.s3.amazonaws.com" });
      assert.deepEqual(allow!.Condition!.StringEquals, { "aws:SourceAccount": "123456789012" });
      assert.equal(ofType(resources, "aws:s3/bucketLogging:BucketLogging").length, ZONES.length, "the log bucket does not log itself");
    });
  });

  describe("images", () => {
    it("pushes to immutable ECR repositories scanned on push", () => {
      const repos = ofType(resources, TYPES.ecrRepository);
      assert.deepEqual(repos.map((r) => r.plain.name).sort(), ["mdp-prod/airflow", "mdp-prod/functions", "mdp-prod/postgres", "mdp-prod/spark"]);
      for (const repo of repos) {
        assert.equal(repo.plain.imageTagMutability, "IMMUTABLE", repo.name);
        assert.deepEqual(repo.plain.imageScanningConfiguration, { scanOnPush: true }, repo.name);
      }
    });

    it("pushes with the registry token as a secret", () => {
      for (const image of ofType(resources, TYPES.image)) {
        assert.equal((image.plain.registry as { password: string }).password, "ecr-token", "the token of getAuthorizationToken");
        assert.deepEqual(plainStrings(image.inputs).filter((s) => s.value === "ecr-token"), [], image.name);
      }
    });
  });

  describe("workloads", () => {
    const workloads = () => [...ofType(resources, TYPES.deployment), ...ofType(resources, TYPES.statefulSet), ...ofType(resources, TYPES.cronJob)];
    const containersOf = (pod: PodSpecShape) => [...pod.containers, ...(pod.initContainers ?? [])];

    it("runs every Deployment, StatefulSet and CronJob pod as non-root without privilege escalation", () => {
      assert.deepEqual(workloads().map((w) => w.name).sort(), [
        "mdp-prod-airflow-postgres",
        "mdp-prod-functions-dashboard",
        "mdp-prod-functions-realtime-producer",
        "mdp-prod-functions-sink",
        "mdp-prod-spark-master",
        "mdp-prod-spark-tick-windows",
        "mdp-prod-spark-workers",
      ]);
      for (const w of workloads()) {
        const pod = podSpecOf(w);
        assert.equal(pod.securityContext?.runAsNonRoot, true, w.name);
        assert.notEqual(pod.securityContext?.runAsUser, 0, w.name);
        for (const c of containersOf(pod)) {
          assert.equal(c.securityContext?.allowPrivilegeEscalation, false, `${w.name}/${c.name}`);
          assert.notEqual(c.securityContext?.runAsUser, 0, `${w.name}/${c.name}`);
        }
      }
    });

    it("names the Spark master by a DNS name of its own pod, which it binds and workers dial", async () => {
      const service = resources.find((r) => r.type === TYPES.service && r.name === "mdp-prod-spark-master")!;
      const master = resources.find((r) => r.type === TYPES.deployment && r.name === "mdp-prod-spark-master")!;
      const pod = podSpecOf(master) as PodSpecShape & { hostname?: string; subdomain?: string; containers: { command?: string[] }[] };
      assert.equal((service.plain.spec as { clusterIP?: string }).clusterIP, "None", "headless, so the name resolves to the pod");
      assert.equal(pod.subdomain, metadataOf(service).name);
      const host = `${pod.hostname}.${pod.subdomain}.market-data.svc`;
      const command = pod.containers[0]!.command!;
      assert.equal(command[command.indexOf("--host") + 1], host, "the master binds the name");
      const workers = podSpecOf(resources.find((r) => r.type === TYPES.deployment && r.name === "mdp-prod-spark-workers")!) as { containers: { command?: string[] }[] };
      assert.equal(workers.containers[0]!.command!.at(-1), `spark://${host}:7077`);
      assert.equal(await unwrap(run.outputs.spark.masterUrl), `spark://${host}:7077`);
    });

    it("runs the streaming job as one driver pod with its Kafka user over TLS + SCRAM, trusting Strimzi's cluster CA", async () => {
      const deployment = only(TYPES.deployment, (r) => r.name === "mdp-prod-spark-tick-windows");
      assert.equal((deployment.plain.spec as { replicas: number }).replicas, 1, "two drivers would share one checkpoint");
      assert.deepEqual((deployment.plain.spec as { strategy: unknown }).strategy, { type: "Recreate" });
      const pod = podSpecOf(deployment);
      const [container] = pod.containers as (ContainerShape & { command: string[] })[];
      const command = container!.command;
      assert.equal(command[command.indexOf("--master") + 1], await unwrap(run.outputs.spark.masterUrl));
      assert.ok(command.includes("spark.driver.host=$(POD_IP)"), "executors dial the pod's own address");
      const env = podEnv(container!);
      assert.equal(env.POD_IP?.valueFrom?.fieldRef?.fieldPath, "status.podIP");
      assert.equal(env[ENV.kafkaBrokers]?.value, await unwrap(run.outputs.kafka.bootstrapInternal));
      assert.equal(env[ENV.kafkaSsl]?.value, "true");
      assert.equal(env[ENV.kafkaSaslMechanism]?.value, "scram-sha-512");
      assert.equal(env[ENV.kafkaUsername]?.value, "spark");
      assert.equal(env[ENV.kafkaPassword], undefined, "the password only as a file, never in the env");
      const userVolume = pod.volumes?.find((v) => v.secret?.secretName === "spark");
      assert.ok(userVolume, "mounts the spark KafkaUser's secret");
      const userMount = (container as { volumeMounts?: { name: string; mountPath: string }[] }).volumeMounts!.find((m) => m.name === (userVolume as { name: string }).name)!;
      assert.equal(env[`${ENV.kafkaPassword}_FILE`]?.value, `${userMount.mountPath}/password`, "from the spark KafkaUser's secret");
      const caSecret = `${metadataOf(only(TYPES.kafka)).name}-cluster-ca-cert`;
      const caVolume = pod.volumes?.find((v) => v.secret?.secretName === caSecret);
      assert.ok(caVolume, "mounts Strimzi's CA secret");
      const mount = (container as { volumeMounts?: { name: string; mountPath: string }[] }).volumeMounts!.find((m) => m.name === (caVolume as { name: string }).name)!;
      assert.equal(env[ENV.kafkaCaFile]?.value, `${mount.mountPath}/ca.crt`);
      assert.equal((pod as { serviceAccountName?: string }).serviceAccountName, "spark", "the bucket role of Spark's service account");
      for (const zone of ["realtime", "checkpoints"] as const) assert.equal(env[ZONE_BUCKET_ENV[zone]]?.value, await unwrap(run.outputs.objectStore.buckets[zone]));
    });

    it("gives the Spark master and workers no Kafka credentials: only the streaming driver reads Kafka's", () => {
      for (const name of ["mdp-prod-spark-master", "mdp-prod-spark-worker"]) {
        const pod = podSpecOf(byK8sName(TYPES.deployment, name));
        const env = podEnv(pod.containers[0]!);
        for (const key of [ENV.kafkaUsername, ENV.kafkaPassword, `${ENV.kafkaPassword}_FILE`, ENV.kafkaSaslMechanism]) assert.equal(env[key], undefined, `${name} ${key}`);
        assert.ok(!(pod.volumes ?? []).some((v) => v.name === "kafka-user"), name);
      }
    });

    it("authenticates and encrypts Spark with a generated secret, kept in a Secret and read from a file by every Spark pod", () => {
      const conf = only(TYPES.secret, (r) => metadataOf(r).name === "mdp-prod-spark-conf");
      const data = conf.inputs.stringData as Record<string, unknown>;
      assert.ok(isSecret(data) || isSecret(data["spark-defaults.conf"]), "the conf is a secret in the state");
      const text = (conf.plain.stringData as Record<string, string>)["spark-defaults.conf"]!;
      assert.match(text, /^spark\.authenticate true$/m);
      assert.match(text, /^spark\.authenticate\.secret generated-mdp-prod-spark-auth-secret-password$/m);
      assert.match(text, /^spark\.network\.crypto\.enabled true$/m);
      for (const name of ["mdp-prod-spark-master", "mdp-prod-spark-worker", "mdp-prod-spark-tick-windows"]) {
        const pod = podSpecOf(byK8sName(TYPES.deployment, name));
        assert.equal(pod.volumes?.find((v) => v.name === "spark-conf")?.secret?.secretName, "mdp-prod-spark-conf", name);
        assert.equal(podEnv(pod.containers[0]!).SPARK_CONF_DIR?.value, "/etc/spark-conf", name);
        assert.ok(!JSON.stringify(byK8sName(TYPES.deployment, name).plain).includes("generated-mdp-prod-spark-auth-secret-password"), `${name} carries no secret`);
      }
    });

    it("gives every function the StrimziKafka bootstrap, its own Kafka user, and the password only as a file from that user's secret", async () => {
      const bootstrap = await unwrap(run.outputs.kafka.bootstrapInternal);
      assert.equal(bootstrap, `${metadataOf(only(TYPES.kafka)).name}-kafka-bootstrap.market-data.svc:9093`);
      const kafkaUsers = ofType(resources, TYPES.kafkaUser).map((u) => metadataOf(u).name);
      for (const w of functionWorkloads()) {
        const [container] = podSpecOf(w).containers;
        const env = podEnv(container!);
        assert.equal(env[ENV.kafkaBrokers]?.value, bootstrap, w.name);
        assert.equal(env[ENV.kafkaSsl]?.value, "true", w.name);
        assert.equal(env[ENV.kafkaPassword], undefined, `${w.name} must not carry the Kafka password in its env`);
        assert.equal(env[`${ENV.kafkaPassword}_FILE`]?.value, "/etc/kafka-user/password");
        const userVolume = podSpecOf(w).volumes?.find((v) => v.name === "kafka-user");
        assert.equal(userVolume?.secret?.secretName, env[ENV.kafkaUsername]?.value, `${w.name} reads its own user's secret`);
        assert.ok(kafkaUsers.includes(userVolume!.secret!.secretName), `${w.name}'s Kafka user exists`);
      }
    });

    it("trusts the cluster CA from the secret Strimzi writes", () => {
      const caSecret = `${metadataOf(only(TYPES.kafka)).name}-cluster-ca-cert`;
      for (const w of functionWorkloads()) assert.equal(podSpecOf(w).volumes?.find((v) => v.name === "kafka-ca")?.secret?.secretName, caSecret, w.name);
    });

    it("runs the functions and Spark from the pushed images, by digest", async () => {
      const functionsImage = await unwrap(run.outputs.images.functions!);
      const sparkImage = await unwrap(run.outputs.images.spark!);
      assert.match(functionsImage, /@sha256:[0-9a-f]{64}$/);
      for (const w of functionWorkloads()) assert.equal(podSpecOf(w).containers[0]!.image, functionsImage, w.name);
      for (const name of ["mdp-prod-spark-master", "mdp-prod-spark-workers"]) {
        const image = podSpecOf(only(TYPES.deployment, (r) => r.name === name)).containers[0]!.image;
        assert.equal(image, sparkImage, name);
        assert.match(image, /@sha256:/);
      }
    });

    it("starts the functions once the Kafka cluster and their users exist", () => {
      const cluster = only(TYPES.kafka);
      for (const w of functionWorkloads()) {
        assert.ok(dependsOn(w, cluster, resources), `${w.name} waits for Kafka`);
        const user = byK8sName(TYPES.kafkaUser, podEnv(podSpecOf(w).containers[0]!)[ENV.kafkaUsername]!.value!);
        assert.ok(dependsOn(w, user, resources), `${w.name} waits for its Kafka user`);
      }
    });

    it("runs exactly one realtime producer, never two even during a rollout", () => {
      const producer = byK8sName(TYPES.deployment, FUNCTION_COMMANDS.realtimeProducer);
      assert.equal(spec(producer).replicas, 1);
      assert.deepEqual(spec(producer).strategy, { type: "Recreate" });
    });

    it("runs the sink as configured, with its raw bucket", async () => {
      const sink = byK8sName(TYPES.deployment, FUNCTION_COMMANDS.sink);
      assert.equal(spec(sink).replicas, 2);
      const env = podEnv(podSpecOf(sink).containers[0]!);
      assert.equal(env[ENV.rawBucket]?.value, await unwrap(run.outputs.objectStore.buckets.raw));
      assert.equal(env[ENV.s3Endpoint], undefined, "on AWS the SDK finds S3 by region");
      assert.equal(env[ENV.awsSecretAccessKey], undefined, "the sink gets S3 access through its IAM role");
    });

    it("gives the sink's service account an IAM role whose policy allows only the raw bucket", async () => {
      const sink = byK8sName(TYPES.deployment, FUNCTION_COMMANDS.sink);
      const account = byK8sName(TYPES.serviceAccount, podSpecOf(sink).serviceAccountName!);
      const roleArn = metadataOf(account).annotations?.["eks.amazonaws.com/role-arn"];
      const role = only(TYPES.iamRole, (r) => r.state.arn === roleArn);

      const [trust] = policyOf(role.plain.assumeRolePolicy);
      assert.equal(trust!.Action, "sts:AssumeRoleWithWebIdentity");
      assert.ok(Object.entries(trust!.Condition!.StringEquals!).some(([k, v]) => k.endsWith(":sub") && v === "system:serviceaccount:market-data:sink"));

      const policy = only(TYPES.iamRolePolicy, (p) => p.plain.role === role.state.name);
      const rawArn = bucketOf("raw").state.arn as string;
      assert.equal(rawArn, `arn:aws:s3:::${await unwrap(run.outputs.objectStore.buckets.raw)}`);
      const statements = policyOf(policy.plain.policy);
      assert.ok(statements.length > 0);
      for (const s of statements) {
        assert.equal(s.Effect, "Allow");
        for (const resource of list(s.Resource)) assert.ok(resource === rawArn || resource === `${rawArn}/*`, `the sink may touch ${resource}`);
        for (const action of list(s.Action)) assert.ok(!action.includes("*"), `no wildcard action (${action})`);
      }
    });

    it("runs Postgres from the stack's registry by digest, built on the pinned release", async () => {
      const postgres = podSpecOf(only(TYPES.statefulSet)).containers[0]!;
      assert.equal(postgres.image, await unwrap(run.outputs.images.postgres!));
      assert.match(postgres.image, /^123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com\/mdp-prod\/postgres:src-[0-9a-f]{16}@sha256:[0-9a-f]{64}$/);
      const build = only(TYPES.image, (r) => (r.plain.imageName as string).includes("/postgres:")).plain.build as Json;
      assert.equal(build.args.BASE_IMAGE, "postgres:17.11-bookworm");
    });

    it("restricts Postgres to Airflow's pods", () => {
      const postgres = only(TYPES.statefulSet);
      const [policy, ...others] = workloadPolicies(resources, spec(postgres).template.metadata.labels).filter((p) => spec(p).policyTypes.includes("Ingress"));
      assert.equal(others.length, 0);
      assert.deepEqual(spec(policy!).policyTypes, ["Ingress"]);
      assert.deepEqual(spec(policy!).ingress, [{ from: [{ podSelector: { matchLabels: AIRFLOW_POD_SELECTOR } }], ports: [{ protocol: "TCP", port: PORTS.postgres }] }]);
    });

    it("lets nothing but the metrics scraper reach the functions", () => {
      const policy = only(TYPES.networkPolicy, (p) => spec(p).podSelector.matchLabels?.["app.kubernetes.io/component"] === "function");
      for (const w of functionWorkloads()) {
        const labels = (w.type === TYPES.cronJob ? spec(w).jobTemplate.spec.template : spec(w).template).metadata.labels;
        assert.ok(selects(spec(policy).podSelector.matchLabels, labels), `${w.name} is covered`);
      }
      assert.deepEqual(spec(policy).policyTypes, ["Ingress"]);
      const [rule, ...others] = spec(policy).ingress;
      assert.equal(others.length, 0);
      assert.deepEqual(rule.ports, [{ protocol: "TCP", port: PORTS.functionsMetrics }]);
    });
  });

  describe("Airflow", () => {
    it("installs the chart with plain migration and user Jobs, our own Postgres, and the admin password only inside a secret", async () => {
      const release = only(TYPES.helmRelease);
      assert.equal(release.plain.version, "1.22.0");
      const values = release.plain.values as Json;
      assert.equal(values.migrateDatabaseJob.useHelmHooks, false);
      assert.equal(values.createUserJob.useHelmHooks, false);
      assert.equal(values.postgresql.enabled, false);
      assert.equal(values.executor, "KubernetesExecutor");
      assert.equal(values.airflowVersion, "3.3.2");

      const adminPassword = await unwrap(run.outputs.airflow.adminPassword);
      assert.ok(!JSON.stringify(values).includes(adminPassword), "the chart's values never hold the admin password");
      const adminSecret = only(TYPES.secret, (s) => metadataOf(s).name === values.createUserJob.extraVolumes[0].secret.secretName);
      assert.equal((adminSecret.plain.stringData as Record<string, string>).password, adminPassword, "the create-user job mounts it from this Secret");
      for (const r of resources) assert.deepEqual(plainStrings(r.inputs).filter((s) => s.value.includes(adminPassword)), [], r.name);
    });

    it("installs the release only after our Airflow image is pushed, since the chart pulls it by tag", () => {
      const image = only(TYPES.image, (i) => i.name === "mdp-prod-images-airflow");
      assert.ok(dependsOn(only(TYPES.helmRelease), image, resources));
    });

    it("keeps the metadata connection and keys in Kubernetes Secrets the chart is pointed at", () => {
      const values = only(TYPES.helmRelease).plain.values as Json;
      for (const name of [values.data.metadataSecretName, values.fernetKeySecretName, values.jwtSecretName, values.apiSecretKeySecretName]) {
        const secret = byK8sName(TYPES.secret, name);
        assert.ok(isSecret(secret.inputs.stringData), `${name}'s data is a secret`);
      }
      const connection = (byK8sName(TYPES.secret, values.data.metadataSecretName).plain.stringData as { connection: string }).connection;
      assert.match(connection, /^postgresql:\/\/airflow:[^@]+@mdp-prod-airflow-postgres\.market-data\.svc:5432\/airflow$/);
    });

    it("gives Airflow's tasks the platform's endpoints and an IAM role", async () => {
      const values = only(TYPES.helmRelease).plain.values as Json;
      const env = Object.fromEntries((values.env as { name: string; value: string }[]).map((e) => [e.name, e.value]));
      assert.equal(env[ENV.kafkaBrokers], await unwrap(run.outputs.kafka.bootstrapInternal));
      assert.equal(env.SPARK_MASTER_URL, await unwrap(run.outputs.spark.masterUrl));
      assert.equal(env[ENV.rawBucket], await unwrap(run.outputs.objectStore.buckets.raw));
      const airflowRole = only(TYPES.iamRole, (r) => r.name === "mdp-prod-airflow-role");
      assert.equal(values.workers.serviceAccount.annotations["eks.amazonaws.com/role-arn"], airflowRole.state.arn);
    });
  });

  describe("Snowflake", () => {
    const names = snowflakeNames("MARKET_DATA", "mdp", "prod");
    const sf = (kind: string) => `snowflake:index/${kind}`;

    it("declares an auto-suspending warehouse, the database, schema and Parquet file format", () => {
      const warehouse = only(sf("warehouse:Warehouse")).plain;
      assert.equal(warehouse.autoSuspend, 60);
      assert.equal(warehouse.initiallySuspended, true);
      assert.equal(warehouse.warehouseSize, "XSMALL");
      assert.equal(only(sf("database:Database")).plain.name, "MARKET_DATA");
      assert.equal(only(sf("schema:Schema")).plain.name, names.schema);
      assert.equal(only(sf("fileFormat:FileFormat")).plain.formatType, "PARQUET");
    });

    it("derives each final and staging table's columns from the contract", () => {
      for (const t of Object.values(LOADED_TABLES)) {
        const table = only(sf("table:Table"), (r) => r.plain.name === t.schema.name.toUpperCase());
        assert.deepEqual(table.plain.columns, tableColumns(t.schema));
        const staging = only(sf("table:Table"), (r) => r.plain.name === `${t.table}_STAGING`);
        assert.deepEqual(staging.plain.columns, [...tableColumns(t.schema), LOAD_COLUMNS.sourceFile, LOAD_COLUMNS.loadedAt]);
      }
      assert.equal(ofType(resources, sf("table:Table")).length, 4);
    });

    it("declares the internal stage the DAG lands tick windows through, and no stream or task: the DAG merges after its checks", () => {
      const stages = ofType(resources, sf("stage:Stage"));
      assert.deepEqual(stages.map((st) => st.plain.name).sort(), [LOAD_STAGE, names.stage].sort());
      assert.equal(stages.find((st) => st.plain.name === LOAD_STAGE)!.plain.url, undefined, "internal");
      assert.deepEqual(ofType(resources, sf("stream:Stream")), []);
      assert.deepEqual(ofType(resources, sf("task:Task")), []);
    });

    it("loads the processed bucket through a storage integration, a stage and an auto-ingest pipe", () => {
      const processed = bucketOf("processed");
      const integration = only(sf("storageIntegration:StorageIntegration"));
      assert.deepEqual(integration.plain.storageAllowedLocations, [`s3://${processed.state.bucket as string}/`]);
      const stage = only(sf("stage:Stage"), (st) => st.plain.name === names.stage);
      assert.equal(stage.plain.url, `s3://${processed.state.bucket as string}/`);
      assert.equal(stage.plain.storageIntegration, integration.plain.name);
      const pipe = only(sf("pipe:Pipe"));
      assert.equal(pipe.plain.autoIngest, true);
      assert.equal(pipe.plain.copyStatement, copyStatement(names, LOADED_TABLES.daily_metrics));
      assert.match(pipe.plain.copyStatement as string, /^COPY INTO "MARKET_DATA"\."ANALYTICS"\."DAILY_METRICS_STAGING"\n/, "the pipe only stages");
    });

    it("lets only the integration's IAM user, with its external id, assume a role that reads only the processed bucket", () => {
      const integration = only(sf("storageIntegration:StorageIntegration"));
      const role = only(TYPES.iamRole, (r) => r.state.arn === integration.plain.storageAwsRoleArn);
      const [trust, ...others] = policyOf(role.plain.assumeRolePolicy);
      assert.equal(others.length, 0);
      assert.deepEqual(trust!.Principal, { AWS: integration.state.storageAwsIamUserArn });
      assert.deepEqual(trust!.Condition, { StringEquals: { "sts:ExternalId": integration.state.storageAwsExternalId } });

      const processedArn = bucketOf("processed").state.arn as string;
      const access = only(TYPES.iamRolePolicy, (p) => p.plain.role === role.state.name);
      for (const s of policyOf(access.plain.policy)) {
        for (const resource of list(s.Resource)) assert.ok(resource === processedArn || resource === `${processedArn}/*`, resource);
        for (const action of list(s.Action)) assert.ok(["s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation"].includes(action), action);
      }
    });

    it("sends the processed bucket's new Parquet files to the pipe's queue", () => {
      const notification = only("aws:s3/bucketNotification:BucketNotification");
      assert.equal(notification.plain.bucket, bucketOf("processed").id);
      const pipe = only(sf("pipe:Pipe"));
      assert.deepEqual(notification.plain.queues, [
        { queueArn: pipe.state.notificationChannel, events: ["s3:ObjectCreated:*"], filterPrefix: `${DAILY_METRICS_SCHEMA.dataset}/`, filterSuffix: ".parquet" },
      ]);
    });

    it("grants the loader and analyst roles what they need and no more", () => {
      const roles = ofType(resources, sf("accountRole:AccountRole")).map((r) => r.plain.name);
      assert.deepEqual(roles.sort(), [names.analystRole, names.loaderRole]);
      const grants = ofType(resources, sf("grantPrivilegesToAccountRole:GrantPrivilegesToAccountRole"));
      const privilegesOf = (role: string) => grants.filter((g) => g.plain.accountRoleName === role).flatMap((g) => g.plain.privileges as string[]);
      assert.deepEqual([...new Set(privilegesOf(names.analystRole))].sort(), ["SELECT", "USAGE"]);
      assert.deepEqual([...new Set(privilegesOf(names.loaderRole))].sort(), ["DELETE", "INSERT", "READ", "SELECT", "UPDATE", "USAGE", "WRITE"]);
      const deletes = grants.filter((g) => (g.plain.privileges as string[]).includes("DELETE"));
      assert.deepEqual(deletes.map((g) => (g.plain.onSchemaObject as { objectName: string }).objectName).sort(), Object.values(LOADED_TABLES).map((t) => `"MARKET_DATA"."ANALYTICS"."${t.staging}"`).sort(), "DELETE only on staging tables");
      for (const g of grants) assert.equal(g.plain.allPrivileges, undefined, g.name);
      const tableGrants = grants.filter((g) => g.plain.accountRoleName === names.analystRole && JSON.stringify(g.plain.onSchemaObject ?? "").includes("TABLES"));
      for (const g of tableGrants) assert.deepEqual(g.plain.privileges, ["SELECT"]);
      const holders = ofType(resources, sf("grantAccountRole:GrantAccountRole")).map((g) => `${g.plain.roleName as string}->${(g.plain.parentRoleName ?? `user ${g.plain.userName as string}`) as string}`);
      assert.deepEqual(holders.sort(), [`${names.analystRole}->SYSADMIN`, `${names.loaderRole}->SYSADMIN`, `${names.loaderRole}->user MDP_PROD_AIRFLOW`]);
    });
  });

  describe("secrets and outputs", () => {
    it("passes the kubeconfig and the Snowflake private key to their providers as secrets, and nowhere in plain text", () => {
      assert.ok(isSecret(only("pulumi:providers:kubernetes").inputs.kubeconfig));
      assert.ok(isSecret(only("pulumi:providers:snowflake").inputs.privateKey));
      for (const r of resources) {
        const leaks = plainStrings(r.inputs).filter((s) => s.value.includes("kubeconfig-token") || s.value.includes("snowflakeprivatekey"));
        assert.deepEqual(leaks, [], r.name);
      }
    });

    it("never puts a generated credential in a plain input", () => {
      for (const password of ofType(resources, TYPES.randomPassword)) {
        const value = `generated-${password.name}-password`;
        for (const r of resources) assert.deepEqual(plainStrings(r.inputs).filter((s) => s.value.includes(value)), [], `${password.name} in ${r.name}`);
      }
    });

    it("exports kafka, spark, airflow, objectStore and snowflake, the admin password as a secret", async () => {
      for (const key of ["kafka", "spark", "airflow", "objectStore", "snowflake"] as const) assert.ok(run.outputs[key], key);
      assert.equal(run.outputs.target, "cloud");
      assert.equal(await unwrap(run.outputs.objectStore.endpoint), "https://s3.us-east-1.amazonaws.com");
      assert.equal(await unwrap(run.outputs.snowflake!.database), "MARKET_DATA");
      assert.deepEqual(Object.keys(run.outputs.snowflake!.pipes), [DAILY_METRICS_SCHEMA.name]);
      assert.ok(await isSecretOutput(run.outputs.airflow.adminPassword));
      assert.equal(run.outputs.objectStore.secretAccessKey, undefined, "AWS access goes through IAM roles");
    });
  });
});

describe("prod stack: components own their service accounts", function () {
  this.timeout(60_000);

  it("has Spark create its service account, under the name its bucket role trusts, and keep the resource's name", async () => {
    const run = await runProgram(definePlatform, { stack: "prod", secrets: { kubeconfig: KUBECONFIG, snowflakePrivateKey: SNOWFLAKE_KEY, snowflakeLoaderPrivateKey: TEST_LOADER_KEY } });
    const account = run.resources.find((r) => r.type === TYPES.serviceAccount && metadataOf(r).name === "spark")!;
    assert.equal(account.name, "mdp-prod-spark-account", "the resource keeps its name");
    assert.equal(account.parent?.type, "market-data:spark:KubernetesSpark");
    const role = run.resources.find((r) => r.type === TYPES.iamRole && r.state.arn === metadataOf(account).annotations?.["eks.amazonaws.com/role-arn"])!;
    assert.match(role.plain.assumeRolePolicy as string, /system:serviceaccount:market-data:spark"/);
    for (const pod of ofType(run.resources, TYPES.deployment).filter((d) => d.parent?.type === "market-data:spark:KubernetesSpark")) {
      assert.equal(podSpecOf(pod).serviceAccountName, "spark");
    }
  });

  it("has the functions keep the live quote source's key in their own Secret, mounted by the producer only", async () => {
    const run = await runProgram(definePlatform, {
      stack: "prod",
      config: { "market-data-platform:functions": JSON.stringify({ quoteSource: "live" }) },
      secrets: { kubeconfig: KUBECONFIG, snowflakePrivateKey: SNOWFLAKE_KEY, snowflakeLoaderPrivateKey: TEST_LOADER_KEY, quoteApiKey: "finnhub-key-0123456789" },
    });
    const secret = run.resources.find((r) => r.type === "kubernetes:core/v1:Secret" && metadataOf(r).name === "quote-api")!;
    assert.equal(secret.parent?.type, "market-data:functions:KubernetesFunctions");
    assert.ok(isSecret(secret.inputs.stringData) || isSecret((secret.inputs.stringData as Json).apiKey), "the key stays a secret");
    const mounting = ofType(run.resources, TYPES.deployment).filter((d) => (podSpecOf(d).volumes ?? []).some((v) => (v as Json).secret?.secretName === "quote-api"));
    assert.deepEqual(mounting.map((d) => metadataOf(d).name), [FUNCTION_COMMANDS.realtimeProducer]);
  });
});
