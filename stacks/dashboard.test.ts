import * as assert from "node:assert/strict";
import { ENV, FUNCTION_COMMANDS, PORTS, TOPICS } from "../contract";
import { DASHBOARD_CLIENT_LABEL, SINK_GROUP_ID } from "../infra/functions";
import { CLIENT_LISTENER_PORT } from "../infra/kafka";
import { TYPES, containerEnv, containersByRole, metadataOf, podEnv, podSpecOf, selects, workloadPolicies, type Json } from "../infra/testing/inspect";
import { dependsOn, isSecret, ofType, runFailingProgram, runProgram, unwrap, type RecordedResource, type Run } from "../infra/testing/mocks";
import type { PlatformOutputs } from "./outputs";
import { definePlatform } from "./platform";
import { TEST_LOADER_KEY } from "../infra/testing/keys";

const KUBECONFIG = "apiVersion: v1\nkind: Config\nusers: [{name: ci, user: {token: kubeconfig-token-0123456789}}]";
const SNOWFLAKE_KEY = "-----BEGIN PRIVATE KEY-----\nMIIEvsnowflakeprivatekey0123456789\n-----END PRIVATE KEY-----";
const LOCAL = { bindAddress: "127.0.0.1", ports: { kafka: 29092, s3: 9000, s3Console: 9001, sparkUi: 8080, airflowUi: 8081, metrics: 9464, dashboard: 8090 } };

/** `name=url,...` of DASHBOARD_TARGETS. */
function targets(env: string | undefined): [string, string][] {
  return (env ?? "").split(",").map((entry) => entry.split("=", 2) as [string, string]);
}

describe("dashboard on the dev stack", function () {
  this.timeout(60_000);
  let run: Run<PlatformOutputs>;
  let containers: Map<string, RecordedResource>;
  before(async () => {
    run = await runProgram(definePlatform, { stack: "dev" });
    containers = containersByRole(run.resources);
  });
  const dashboard = () => containers.get("dashboard")!;

  it("runs the functions image's dashboard command as uid 1000, publishing its page on the bind address", async () => {
    const c = dashboard();
    assert.equal(c.plain.image, await unwrap(run.outputs.images.functions!));
    assert.deepEqual(c.plain.command, [FUNCTION_COMMANDS.dashboard]);
    assert.equal(c.plain.user, "1000:1000");
    assert.deepEqual(c.plain.ports, [{ internal: PORTS.dashboard, external: 8090, ip: "127.0.0.1", protocol: "tcp" }]);
    assert.equal(await unwrap(run.outputs.dashboard.url), "http://127.0.0.1:8090");
    assert.equal(run.outputs.dashboard.portForward, undefined);
  });

  it("checks its health through its own /healthz, and the update waits for it", () => {
    const c = dashboard();
    const health = c.plain.healthcheck as { tests: string[] };
    assert.ok(health.tests.join(" ").includes(`127.0.0.1:${PORTS.functionsMetrics}/healthz`));
    assert.equal(c.plain.wait, true);
    assert.equal(c.plain.restart, "unless-stopped");
  });

  it("reads the realtime topic of the stack's Kafka with its own group, and the symbols the producer sends", async () => {
    const env = containerEnv(dashboard());
    assert.equal(env[ENV.kafkaBrokers], await unwrap(run.outputs.kafka.bootstrapInternal));
    assert.equal(env[ENV.symbols], containerEnv(containers.get("realtime-producer")!)[ENV.symbols]);
    assert.equal(env[ENV.dashboardGroupId], "market-data-dashboard");
    assert.notEqual(env[ENV.dashboardGroupId], containerEnv(containers.get("sink-1")!)[ENV.sinkGroupId]);
    assert.equal(env[ENV.dashboardPort], String(PORTS.dashboard));
    assert.equal(isSecret(dashboard().inputs.envs), false, "it carries no credential");
    assert.equal(env[ENV.awsSecretAccessKey], undefined);
  });

  it("reads the metrics of the producer and of every sink, by the names of their containers", () => {
    const env = containerEnv(dashboard());
    const watched = targets(env[ENV.dashboardTargets]);
    assert.deepEqual(watched.map(([name]) => name), [FUNCTION_COMMANDS.realtimeProducer, FUNCTION_COMMANDS.sink]);
    for (const [name, url] of watched) {
      const { hostname, port } = new URL(url);
      const target = containers.get(hostname);
      assert.ok(target, `${url} names a container`);
      assert.deepEqual(target.plain.command, [name], `${hostname} runs ${name}`);
      assert.equal(containerEnv(target)[ENV.metricsPort], port, `${hostname} serves its metrics on ${port}`);
    }
  });

  it("starts after the topics exist", () => {
    assert.ok(dependsOn(dashboard(), containers.get("kafka-topics")!, run.resources));
  });

  it("publishes on local.ports.dashboard, watches each sink when there are several, and refuses a port another service has", async () => {
    const moved = await runProgram(definePlatform, {
      stack: "dev",
      config: {
        "market-data-platform:local": JSON.stringify({ ...LOCAL, ports: { ...LOCAL.ports, dashboard: 18090 } }),
        "market-data-platform:functions": JSON.stringify({ sink: { replicas: 2 } }),
      },
    });
    const c = containersByRole(moved.resources).get("dashboard")!;
    assert.equal((c.plain.ports as { external: number }[])[0]!.external, 18090);
    assert.equal(await unwrap(moved.outputs.dashboard.url), "http://127.0.0.1:18090");
    assert.deepEqual(targets(containerEnv(c)[ENV.dashboardTargets]).map(([, url]) => new URL(url).hostname), ["realtime-producer", "sink-1", "sink-2"]);

    const clash = await runFailingProgram(definePlatform, { stack: "dev", config: { "market-data-platform:local": JSON.stringify({ ...LOCAL, ports: { ...LOCAL.ports, dashboard: 8081 } }) } });
    assert.match(clash.error.message, /`local\.ports\.dashboard` and `local\.ports\.airflowUi` are both 8081/);
    assert.equal(clash.resources.length, 0);
    const sinkPort = await runFailingProgram(definePlatform, { stack: "dev", config: { "market-data-platform:local": JSON.stringify({ ...LOCAL, ports: { ...LOCAL.ports, dashboard: 9465 } }) } });
    assert.match(sinkPort.error.message, /`local\.ports\.dashboard` is 9465, the metrics port of sink 1/);
    const low = await runFailingProgram(definePlatform, { stack: "dev", config: { "market-data-platform:local": JSON.stringify({ ...LOCAL, ports: { ...LOCAL.ports, dashboard: 80 } }) } });
    assert.match(low.error.message, /`local\.ports\.dashboard`/);
  });
});

describe("dashboard on the prod stack", function () {
  this.timeout(60_000);
  let run: Run<PlatformOutputs>;
  let resources: RecordedResource[];
  before(async () => {
    run = await runProgram(definePlatform, { stack: "prod", secrets: { kubeconfig: KUBECONFIG, snowflakePrivateKey: SNOWFLAKE_KEY, snowflakeLoaderPrivateKey: TEST_LOADER_KEY } });
    resources = run.resources;
  });
  const byName = (type: string, name: string): RecordedResource => {
    const found = ofType(resources, type).filter((r) => metadataOf(r).name === name);
    assert.equal(found.length, 1, `one ${type} named ${name}`);
    return found[0]!;
  };
  const spec = (r: RecordedResource) => r.plain.spec as Json;
  const deployment = () => byName(TYPES.deployment, "dashboard");
  const podLabels = () => spec(deployment()).template.metadata.labels as Record<string, string>;
  const container = () => podSpecOf(deployment()).containers[0]! as Json;

  it("runs one replica, never two (a second group member would see half the partitions), from the pushed image", async () => {
    assert.equal(spec(deployment()).replicas, 1);
    assert.deepEqual(spec(deployment()).strategy, { type: "Recreate" });
    assert.equal(container().image, await unwrap(run.outputs.images.functions!));
    assert.deepEqual(container().args, [FUNCTION_COMMANDS.dashboard]);
  });

  it("runs non-root on a read-only root filesystem, with no service-account token and bounded resources", () => {
    const pod = podSpecOf(deployment()) as Json;
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.equal(pod.securityContext.runAsUser, 10001);
    assert.equal(pod.automountServiceAccountToken, false);
    assert.deepEqual(container().securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] }, runAsNonRoot: true });
    assert.ok(container().resources.limits.cpu && container().resources.limits.memory, "cpu and memory limits");
    assert.deepEqual(container().readinessProbe.httpGet, { path: "/readyz", port: PORTS.functionsMetrics });
    assert.deepEqual(container().livenessProbe.httpGet, { path: "/healthz", port: PORTS.functionsMetrics });
  });

  it("is reachable only through a ClusterIP Service that selects it, and the outputs say how to open it", async () => {
    const service = byName(TYPES.service, "dashboard");
    assert.equal(spec(service).type, "ClusterIP");
    assert.ok(selects(spec(service).selector, podLabels()));
    const [port] = spec(service).ports as { port: number; targetPort: string }[];
    assert.equal(port!.port, PORTS.dashboard);
    assert.ok((container().ports as { name: string; containerPort: number }[]).some((p) => p.name === port!.targetPort && p.containerPort === PORTS.dashboard));
    for (const s of ofType(resources, TYPES.service)) assert.ok(!["LoadBalancer", "NodePort"].includes(spec(s).type), `${s.name} is not exposed outside the cluster`);
    assert.equal(ofType(resources, "kubernetes:networking.k8s.io/v1:Ingress").length, 0);
    assert.equal(await unwrap(run.outputs.dashboard.url), "http://dashboard.market-data.svc:8090");
    assert.equal(run.outputs.dashboard.portForward, "kubectl -n market-data port-forward svc/dashboard 8090:8090");
  });

  it("has a Kafka user of its own that may only read the realtime topic with its own group", () => {
    const user = byName(TYPES.kafkaUser, "dashboard");
    const acls = (spec(user).authorization.acls as { resource: { type: string; name: string; patternType: string }; operations: string[] }[]).map(
      (a) => `${a.resource.type}:${a.resource.name}:${a.resource.patternType}:${[...a.operations].sort().join("+")}`,
    );
    const group = podEnv(container())[ENV.dashboardGroupId]!.value!;
    assert.notEqual(group, SINK_GROUP_ID);
    assert.deepEqual(acls.sort(), [`group:${group}:literal:Describe+Read`, `topic:${TOPICS.realtime}:literal:Describe+Read`]);
    assert.deepEqual(spec(user).authentication, { type: "scram-sha-512" });
  });

  it("talks to Kafka over TLS with SCRAM, its password only as a file from its user's secret, once its user exists", async () => {
    const env = podEnv(container());
    assert.equal(env[ENV.kafkaBrokers]?.value, await unwrap(run.outputs.kafka.bootstrapInternal));
    assert.equal(env[ENV.kafkaSsl]?.value, "true");
    assert.equal(env[ENV.kafkaSaslMechanism]?.value, "scram-sha-512");
    assert.equal(env[ENV.kafkaUsername]?.value, "dashboard");
    assert.equal(env[ENV.kafkaPassword], undefined);
    assert.equal(env[`${ENV.kafkaPassword}_FILE`]?.value, "/etc/kafka-user/password");
    assert.equal((podSpecOf(deployment()).volumes as Json[]).find((v) => v.name === "kafka-user").secret.secretName, "dashboard");
    assert.ok(dependsOn(deployment(), byName(TYPES.kafkaUser, "dashboard"), resources));
    const cluster = ofType(resources, TYPES.kafka)[0]!;
    const peers = spec(cluster).kafka.listeners[0].networkPolicyPeers.map((p: Json) => p.podSelector.matchLabels);
    assert.ok(peers.some((peer: Record<string, string>) => selects(peer, podLabels())), "Kafka's listener admits the dashboard's pod");
  });

  it("reads every replica of the producer and the sink through headless Services in front of their pods", () => {
    const watched = targets(podEnv(container())[ENV.dashboardTargets]?.value);
    assert.deepEqual(watched.map(([name]) => name), [FUNCTION_COMMANDS.realtimeProducer, FUNCTION_COMMANDS.sink]);
    for (const [fn, url] of watched) {
      assert.match(url, /^dns\+http:\/\//);
      const { hostname, port } = new URL(url.slice("dns+".length));
      const [serviceName, namespace] = hostname.split(".");
      assert.equal(namespace, "market-data");
      const service = byName(TYPES.service, serviceName!);
      assert.equal(spec(service).clusterIP, "None", `${serviceName} is headless: its name resolves to every pod`);
      assert.equal(spec(service).publishNotReadyAddresses, true, "a not-ready pod is listed, so the dashboard can say it is not ready");
      const workload = byName(TYPES.deployment, fn);
      assert.ok(selects(spec(service).selector, spec(workload).template.metadata.labels), `${serviceName} selects the ${fn} pods`);
      assert.ok(!selects(spec(service).selector, podLabels()), `${serviceName} does not select the dashboard`);
      const [servicePort] = spec(service).ports as { port: number; targetPort: string }[];
      assert.equal(String(servicePort!.port), port);
      assert.ok(((podSpecOf(workload).containers[0] as Json).ports as { name: string; containerPort: number }[]).some((p) => p.name === servicePort!.targetPort && String(p.containerPort) === port));
    }
  });

  it("lets in only labelled clients and the metrics scraper, and out only DNS, the brokers and the functions' metrics", () => {
    const policies = ofType(resources, TYPES.networkPolicy);
    const own = workloadPolicies(policies, podLabels());
    assert.equal(own.length, 1, "one policy covers the dashboard; the functions' policy does not");
    const policy = spec(own[0]!);
    assert.deepEqual(policy.policyTypes, ["Ingress", "Egress"]);
    assert.deepEqual(policy.ingress, [
      { from: [{ podSelector: { matchLabels: DASHBOARD_CLIENT_LABEL } }], ports: [{ protocol: "TCP", port: PORTS.dashboard }] },
      { from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }], ports: [{ protocol: "TCP", port: PORTS.functionsMetrics }] },
    ]);
    const egress = policy.egress as { to: Json[]; ports: { protocol: string; port: number }[] }[];
    assert.deepEqual(egress.map((e) => e.ports.map((p) => `${p.protocol}/${p.port}`).join(",")), ["UDP/53,TCP/53", `TCP/${CLIENT_LISTENER_PORT}`, `TCP/${PORTS.functionsMetrics}`]);
    assert.equal(egress[1]!.to[0].podSelector.matchLabels["strimzi.io/cluster"], metadataOf(ofType(resources, TYPES.kafka)[0]!).name, "the stack's Kafka brokers");
    for (const fn of [FUNCTION_COMMANDS.realtimeProducer, FUNCTION_COMMANDS.sink]) {
      assert.ok(selects(egress[2]!.to[0].podSelector.matchLabels, spec(byName(TYPES.deployment, fn)).template.metadata.labels), `out to ${fn}'s metrics`);
    }
  });

  it("is let into the functions' metrics port by their ingress policy", () => {
    const functionsPolicy = ofType(resources, TYPES.networkPolicy).find((p) => spec(p).podSelector.matchLabels?.["app.kubernetes.io/component"] === "function")!;
    const [rule] = spec(functionsPolicy).ingress as { from: Json[]; ports: unknown }[];
    assert.deepEqual(rule!.ports, [{ protocol: "TCP", port: PORTS.functionsMetrics }]);
    assert.ok(rule!.from.some((peer) => peer.podSelector && selects(peer.podSelector.matchLabels, podLabels())));
  });
});
