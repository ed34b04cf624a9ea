import * as assert from "node:assert/strict";
import { ENV, FUNCTION_COMMANDS, PORTS, STOP_GRACE_SECONDS, TOPICS } from "../../contract";
import type { FunctionsSettings } from "./settings";
import type { Json } from "../testing/inspect";
import { functionEgress, functionPodSpec, kafkaSecurity, quoteApiKeyFile, type FunctionPodArgs } from "./kubernetes";
import { FUNCTION_KAFKA_ACCESS, SINK_GROUP_ID, batchProducerEnv, functionKafkaUsers, realtimeProducerEnv, sinkEnv, type FunctionWiring } from "./spec";

const SETTINGS: FunctionsSettings = {
  symbols: ["AAPL", "MSFT"],
  batchSymbols: ["AAPL", "V"],
  tickIntervalMs: 2000,
  simulationSeed: 7,
  quoteSource: "simulated",
  batchSource: "yahoo",
  sink: { flushRecords: 100_000, flushBytes: 16_777_216, flushIntervalMs: 60_000, flushIdleMs: { realtime: 0, batch: 500 }, replicas: 2 },
};
const LOCAL: FunctionWiring = { kafkaBootstrap: "kafka:9092", s3Endpoint: "http://objectstore:9000", s3Region: "us-east-1", rawBucket: "mdp-dev-raw" };
const CLOUD: FunctionWiring = { kafkaBootstrap: "c-kafka-bootstrap.ns.svc:9093", s3Region: "eu-west-1", rawBucket: "mdp-prod-raw-123" };
const CONTRACT_NAMES = new Set<string>(Object.values(ENV));

describe("functions spec", () => {
  describe("env builders", () => {
    it("use only the contract's variable names", () => {
      for (const env of [realtimeProducerEnv(SETTINGS, LOCAL), batchProducerEnv(SETTINGS, LOCAL), sinkEnv(SETTINGS, LOCAL), sinkEnv(SETTINGS, CLOUD)]) {
        for (const name of Object.keys(env)) assert.ok(CONTRACT_NAMES.has(name), `${name} is not in contract/env.ts`);
      }
    });

    it("give the realtime producer Kafka, its symbols and its simulation", () => {
      assert.deepEqual(realtimeProducerEnv(SETTINGS, LOCAL), {
        [ENV.kafkaBrokers]: "kafka:9092",
        [ENV.kafkaClientId]: FUNCTION_COMMANDS.realtimeProducer,
        [ENV.kafkaAcks]: "all",
        [ENV.symbols]: "AAPL,MSFT",
        [ENV.tickIntervalMs]: "2000",
        [ENV.simulationSeed]: "7",
        [ENV.quoteSource]: "simulated",
        [ENV.metricsPort]: String(PORTS.functionsMetrics),
      });
    });

    it("give the batch producer its symbols, its source and seed, and no object store", () => {
      const env = batchProducerEnv(SETTINGS, LOCAL);
      assert.equal(env[ENV.batchSymbols], "AAPL,V");
      assert.equal(env[ENV.batchSource], "yahoo");
      assert.equal(batchProducerEnv({ ...SETTINGS, batchSource: "simulated" }, LOCAL)[ENV.batchSource], "simulated");
      assert.equal(env[ENV.simulationSeed], "7");
      assert.equal(env[ENV.kafkaAcks], "all");
      assert.equal(env[ENV.s3Endpoint], undefined);
    });

    it("give the sink the object store, its raw bucket and its flush policy", () => {
      const env = sinkEnv(SETTINGS, LOCAL);
      assert.equal(env[ENV.s3Endpoint], "http://objectstore:9000");
      assert.equal(env[ENV.s3ForcePathStyle], "true");
      assert.equal(env[ENV.rawBucket], "mdp-dev-raw");
      assert.equal(env[ENV.sinkGroupId], SINK_GROUP_ID);
      assert.equal(env[ENV.sinkFlushRecords], "100000");
      assert.equal(env[ENV.sinkFlushBytes], "16777216");
      assert.equal(env[ENV.sinkFlushIntervalMs], "60000");
      assert.equal(env[ENV.sinkFlushIdleMsRealtime], "0");
      assert.equal(env[ENV.sinkFlushIdleMsBatch], "500");
    });

    it("leave the S3 endpoint to the SDK on AWS", () => {
      const env = sinkEnv(SETTINGS, CLOUD);
      assert.equal(env[ENV.s3Region], "eu-west-1");
      assert.equal(env[ENV.s3Endpoint], undefined);
      assert.equal(env[ENV.s3ForcePathStyle], undefined);
    });

    it("never carry a credential", () => {
      for (const env of [realtimeProducerEnv(SETTINGS, LOCAL), batchProducerEnv(SETTINGS, LOCAL), sinkEnv(SETTINGS, LOCAL)]) {
        for (const name of [ENV.kafkaPassword, ENV.awsSecretAccessKey, ENV.quoteApiKey]) assert.equal(env[name], undefined, name);
      }
    });

    it("match each function's Kafka access to what it does", () => {
      assert.deepEqual(FUNCTION_KAFKA_ACCESS[FUNCTION_COMMANDS.sink], { write: [TOPICS.deadLetter], read: [TOPICS.realtime, TOPICS.batch], group: SINK_GROUP_ID });
      assert.deepEqual(FUNCTION_KAFKA_ACCESS[FUNCTION_COMMANDS.realtimeProducer].write, [TOPICS.realtime]);
      assert.deepEqual(FUNCTION_KAFKA_ACCESS[FUNCTION_COMMANDS.batchProducer].write, [TOPICS.batch]);
    });

    it("declare one Kafka user per function that talks to Kafka, named after its command (the name its pods log in with)", () => {
      const users = functionKafkaUsers();
      assert.deepEqual(users.map((u) => u.name).sort(), Object.keys(FUNCTION_KAFKA_ACCESS).sort());
      assert.ok(!users.some((u) => u.name === FUNCTION_COMMANDS.ensureBuckets), "ensure-buckets never talks to Kafka");
      const sink = users.find((u) => u.name === FUNCTION_COMMANDS.sink)!;
      assert.deepEqual({ write: sink.write, read: sink.read, group: sink.group }, FUNCTION_KAFKA_ACCESS[FUNCTION_COMMANDS.sink]);
      assert.equal(kafkaSecurity(FUNCTION_COMMANDS.sink, { caSecret: "ca", users: { sink: "s" } }).env.find((e) => e.name === ENV.kafkaUsername)!.value, sink.name);
    });
  });

  describe("functionPodSpec", () => {
    const args: FunctionPodArgs = {
      image: "repo/functions@sha256:abc",
      command: FUNCTION_COMMANDS.sink,
      env: sinkEnv(SETTINGS, CLOUD),
      secrets: { caSecret: "cluster-ca-cert", users: { sink: "sink-user" } },
      serviceAccountName: "sink",
    };
    const pod = functionPodSpec(args);
    const containerOf = (spec: typeof pod) => (spec.containers as Json[])[0]!;
    const container = containerOf(pod);

    it("runs the function's command as a non-root user above the node's own, with the restricted profile and no API token", () => {
      assert.deepEqual(container.args, [FUNCTION_COMMANDS.sink]);
      assert.equal((pod.securityContext as Record<string, unknown>).runAsNonRoot, true);
      assert.equal((pod.securityContext as Record<string, unknown>).runAsUser, 10001);
      assert.deepEqual(container.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] }, runAsNonRoot: true });
      assert.equal(pod.automountServiceAccountToken, false);
      assert.deepEqual(container.resources.limits, { cpu: "2", memory: "512Mi" }, "two cores: the sink validates and writes on threads of their own");
      assert.deepEqual(containerOf(functionPodSpec({ ...args, command: FUNCTION_COMMANDS.realtimeProducer, secrets: { ...args.secrets, users: { "realtime-producer": "producer-user" } } })).resources.limits, { cpu: "1", memory: "512Mi" });
    });

    it("probes a long-running function on its /healthz and /readyz", () => {
      assert.deepEqual(container.livenessProbe.httpGet, { path: "/healthz", port: PORTS.functionsMetrics });
      assert.deepEqual(container.readinessProbe.httpGet, { path: "/readyz", port: PORTS.functionsMetrics });
      assert.equal(pod.restartPolicy, "Always");
      assert.equal(pod.terminationGracePeriodSeconds, STOP_GRACE_SECONDS);
    });

    it("does not probe a job", () => {
      const job = functionPodSpec({ ...args, command: FUNCTION_COMMANDS.batchProducer, secrets: { caSecret: "ca", users: { "batch-producer": "b" } }, restartPolicy: "Never" });
      assert.equal(containerOf(job).livenessProbe, undefined);
      assert.equal(containerOf(job).readinessProbe, undefined);
      assert.equal(job.restartPolicy, "Never");
    });

    it("gets the Kafka password as a file from its user's secret, never as a variable, and trusts the cluster CA", () => {
      const env = Object.fromEntries((container.env as { name: string }[]).map((e) => [e.name, e]));
      assert.equal(env[ENV.kafkaPassword], undefined);
      assert.deepEqual(env[`${ENV.kafkaPassword}_FILE`], { name: `${ENV.kafkaPassword}_FILE`, value: "/etc/kafka-user/password" });
      assert.deepEqual(env[ENV.kafkaUsername], { name: ENV.kafkaUsername, value: FUNCTION_COMMANDS.sink });
      assert.deepEqual(env.NODE_EXTRA_CA_CERTS, { name: "NODE_EXTRA_CA_CERTS", value: "/etc/kafka-ca/ca.crt" });
      assert.ok((container.env as { valueFrom?: unknown }[]).every((e) => e.valueFrom === undefined), "no secret in the env");
      assert.deepEqual(pod.volumes, [
        { name: "kafka-ca", secret: { secretName: "cluster-ca-cert", items: [{ key: "ca.crt", path: "ca.crt" }] } },
        { name: "kafka-user", secret: { secretName: "sink-user", items: [{ key: "password", path: "password" }], defaultMode: 0o440 } },
      ]);
      assert.deepEqual(container.volumeMounts.map((m: Json) => m.mountPath), ["/etc/kafka-ca", "/etc/kafka-user"]);
    });

    it("gets the live quote source's key as a file too", () => {
      const live = functionPodSpec({ ...args, command: FUNCTION_COMMANDS.realtimeProducer, secrets: { caSecret: "ca", users: { "realtime-producer": "p" } }, secretFiles: quoteApiKeyFile("quote-api") });
      const env = Object.fromEntries((containerOf(live).env as { name: string; value?: string }[]).map((e) => [e.name, e.value]));
      assert.equal(env[`${ENV.quoteApiKey}_FILE`], "/etc/quote-api/apiKey");
      assert.ok((live.volumes as Json[]).some((v) => v.secret?.secretName === "quote-api"));
    });

    it("refuses a function without a Kafka user", () => {
      assert.throws(() => kafkaSecurity(FUNCTION_COMMANDS.realtimeProducer, { caSecret: "ca", users: {} }), /no Kafka user was declared for the function realtime-producer/);
    });

    it("lets out over HTTPS only the functions that need it: the sink (S3), and the producers when their source is remote", () => {
      const https = (fn: Parameters<typeof functionEgress>[0], s = SETTINGS) => functionEgress(fn, s)["market-data.platform/egress-https"] === "true";
      assert.equal(https(FUNCTION_COMMANDS.sink), true);
      assert.equal(https(FUNCTION_COMMANDS.batchProducer), true, "Yahoo");
      assert.equal(https(FUNCTION_COMMANDS.batchProducer, { ...SETTINGS, batchSource: "simulated" }), false);
      assert.equal(https(FUNCTION_COMMANDS.realtimeProducer), false, "the simulation needs no network");
      assert.equal(https(FUNCTION_COMMANDS.realtimeProducer, { ...SETTINGS, quoteSource: "live" }), true);
    });
  });
});
