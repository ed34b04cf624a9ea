import assert from "node:assert/strict";
import type { PolicyResource, ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { runProgram, type RecordedResource } from "../infra/testing/mocks";
import { definePlatform } from "../stacks/platform";
import { INVARIANTS } from "./invariants";
import { TEST_LOADER_KEY } from "../infra/testing/keys";

/** The program's resources as the policy engine hands them over: props, URNs, parents. */
function asPolicyResources(recorded: RecordedResource[], stack: string): PolicyResource[] {
  const urn = (r: { type: string; name: string }) => `urn:pulumi:${stack}::market-data-platform::${r.type}::${r.name}`;
  const byUrn = new Map<string, PolicyResource>();
  for (const r of recorded) {
    const resource = { type: r.type, name: r.name, urn: urn(r), props: structuredClone(r.plain), opts: {}, dependencies: [], propertyDependencies: {} };
    byUrn.set(urn(r), resource as unknown as PolicyResource);
  }
  for (const r of recorded) if (r.parent) byUrn.get(urn(r))!.parent = byUrn.get(urn(r.parent));
  return [...byUrn.values()];
}

interface Violation {
  policy: string;
  level: string;
  message: string;
}

async function check(resources: PolicyResource[]): Promise<Violation[]> {
  const found: Violation[] = [];
  for (const policy of INVARIANTS) {
    const level = policy.enforcementLevel ?? "advisory";
    const report = (message: string) => found.push({ policy: policy.name, level, message });
    if ("validateStack" in policy) {
      await (policy as StackValidationPolicy).validateStack({ resources, stackTags: new Map() } as unknown as StackValidationArgs, report);
    }
    const validate = (policy as ResourceValidationPolicy).validateResource;
    if (typeof validate === "function") {
      for (const r of resources) await validate({ ...r, stackTags: new Map() } as unknown as ResourceValidationArgs, report);
    }
  }
  return found;
}

const mandatory = (v: Violation[]) => v.filter((x) => x.level === "mandatory");

describe("policy pack: the platform's invariants", function () {
  this.timeout(60_000);
  let dev: PolicyResource[];
  let prod: PolicyResource[];

  before(async () => {
    dev = asPolicyResources((await runProgram(definePlatform, { stack: "dev" })).resources, "dev");
    prod = asPolicyResources((await runProgram(definePlatform, { stack: "prod", secrets: { kubeconfig: "k", snowflakePrivateKey: "p", snowflakeLoaderPrivateKey: TEST_LOADER_KEY } })).resources, "prod");
  });

  const mutate = (resources: PolicyResource[], type: string, name: string, change: (props: Record<string, any>) => void): PolicyResource[] => { // eslint-disable-line @typescript-eslint/no-explicit-any
    const copy = resources.map((r) => ({ ...r, props: structuredClone(r.props) }));
    for (const r of copy) if (r.parent) r.parent = copy.find((c) => c.urn === r.parent!.urn);
    const target = copy.find((r) => r.type === type && r.name === name);
    assert.ok(target, `${type} ${name}`);
    change(target.props);
    return copy;
  };

  it("passes on both committed stacks", async () => {
    assert.deepEqual(mandatory(await check(dev)), []);
    assert.deepEqual(mandatory(await check(prod)), []);
    assert.deepEqual(await check(dev), [], "dev publishes every port on 127.0.0.1");
  });

  it("refuses a bucket without versioning, or open to the public", async () => {
    const unversioned = mutate(prod, "aws:s3/bucketVersioning:BucketVersioning", "mdp-prod-storage-raw-versioning", (p) => (p.versioningConfiguration.status = "Suspended"));
    assert.deepEqual(mandatory(await check(unversioned)).map((v) => v.message), ["bucket mdp-prod-storage-raw must keep versions (got Suspended)"]);
    const open = mutate(prod, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "mdp-prod-storage-processed-public-access", (p) => (p.restrictPublicBuckets = false));
    assert.deepEqual(mandatory(await check(open)).map((v) => v.message), ["bucket mdp-prod-storage-processed must block every kind of public access"]);
  });

  it("refuses a data bucket encrypted without KMS, and lets only the access-log bucket use S3's own keys", async () => {
    const sseS3 = mutate(prod, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "mdp-prod-storage-raw-encryption", (p) => (p.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm = "AES256"));
    assert.deepEqual(mandatory(await check(sseS3)).map((v) => v.message), ["bucket mdp-prod-storage-raw must be encrypted with aws:kms or aws:kms:dsse (got AES256)"]);
    const kmsLogs = mutate(prod, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "mdp-prod-storage-access-logs-encryption", (p) => (p.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm = "aws:kms"));
    assert.deepEqual(mandatory(await check(kmsLogs)).map((v) => v.message), ["bucket mdp-prod-storage-access-logs must be encrypted with AES256 (got aws:kms)"]);
  });

  it("refuses a data bucket that keeps no server access logs", async () => {
    const copy = prod.filter((r) => !(r.type === "aws:s3/bucketLogging:BucketLogging" && r.name === "mdp-prod-storage-checkpoints-access-logging"));
    assert.equal(copy.length, prod.length - 1);
    assert.deepEqual(mandatory(await check(copy)).map((v) => v.message), ["bucket mdp-prod-storage-checkpoints must write server access logs to the access-log bucket"]);
  });

  it("refuses a Kafka cluster or topic that gives up durability", async () => {
    const weak = mutate(prod, "kubernetes:kafka.strimzi.io/v1:Kafka", "mdp-prod-kafka-cluster", (p) => {
      p.spec.kafka.config["min.insync.replicas"] = "1";
      p.spec.kafka.config["unclean.leader.election.enable"] = "true";
    });
    assert.deepEqual(mandatory(await check(weak)).map((v) => v.policy), ["kafka-durability", "kafka-durability"]);
    const topic = mutate(prod, "kubernetes:kafka.strimzi.io/v1:KafkaTopic", "mdp-prod-kafka-topic-stock-market-realtime", (p) => (p.spec.replicas = 1));
    assert.match(mandatory(await check(topic))[0]!.message, /must have 3 replicas or more \(got 1\)/);
  });

  it("refuses root pods and containers, and unpinned images", async () => {
    const rootPod = mutate(prod, "kubernetes:apps/v1:Deployment", "mdp-prod-functions-sink", (p) => delete p.spec.template.spec.securityContext.runAsNonRoot);
    assert.deepEqual(mandatory(await check(rootPod)).map((v) => v.policy), ["pods-non-root"]);
    const rootContainer = mutate(dev, "docker:index/container:Container", "mdp-dev-kafka-kafka", (p) => (p.user = "0:0"));
    assert.deepEqual(mandatory(await check(rootContainer)).map((v) => v.message), ['container mdp-dev-kafka-kafka must run as a non-root user (got "0:0")']);
    const latest = mutate(dev, "docker:index/container:Container", "mdp-dev-airflow-postgres", (p) => (p.image = "postgres:latest"));
    assert.deepEqual(mandatory(await check(latest)).map((v) => v.policy), ["images-pinned"]);
  });

  it("refuses the engine's socket in any container but a proxy that restricts its clients, methods and bind mounts", async () => {
    const socket = { hostPath: "/var/run/docker.sock", containerPath: "/var/run/docker.sock", readOnly: false };
    const scheduler = mutate(dev, "docker:index/container:Container", "mdp-dev-airflow-airflow-scheduler", (p) => (p.volumes = [...(p.volumes ?? []), socket]));
    assert.deepEqual(mandatory(await check(scheduler)).map((v) => v.policy), ["engine-socket-behind-proxy", "engine-socket-behind-proxy"]);
    const proxy = "mdp-dev-airflow-docker-api-proxy";
    const open = mutate(dev, "docker:index/container:Container", proxy, (p) => (p.command = [...p.command.filter((a: string) => !a.startsWith("-allowfrom=") && !a.startsWith("-allowbindmountfrom=")), "-allowfrom=0.0.0.0/0", "-allowPOST=.*"]));
    assert.deepEqual(mandatory(await check(open)).map((v) => v.message), [
      `container ${proxy} mounts /var/run/docker.sock but does not restrict its clients (-allowfrom)`,
      `container ${proxy} mounts /var/run/docker.sock but lets the containers it creates bind-mount any host path (-allowbindmountfrom)`,
      `container ${proxy} mounts /var/run/docker.sock and allows every request of a method (-allowPOST=.*)`,
    ]);
    const published = mutate(dev, "docker:index/container:Container", proxy, (p) => (p.ports = [{ internal: 2375, external: 2375, ip: "127.0.0.1" }]));
    assert.deepEqual(mandatory(await check(published)).map((v) => v.message), [`container ${proxy} mounts /var/run/docker.sock and publishes a port`]);
  });

  it("refuses a namespace that does not enforce Pod Security's restricted standard", async () => {
    const baseline = mutate(prod, "kubernetes:core/v1:Namespace", "mdp-prod-namespace", (p) => (p.metadata.labels["pod-security.kubernetes.io/enforce"] = "baseline"));
    assert.deepEqual(mandatory(await check(baseline)).map((v) => v.message), ['namespace market-data must enforce Pod Security "restricted" (got baseline)']);
  });

  it("refuses a namespace without a default-deny policy, or with one that lets anything through", async () => {
    const without = prod.filter((r) => r.name !== "mdp-prod-network-default-deny");
    assert.deepEqual(mandatory(await check(without)).map((v) => v.policy), ["namespace-default-deny"]);
    const open = mutate(prod, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "mdp-prod-network-default-deny", (p) => (p.spec.egress = [{}]));
    assert.deepEqual(mandatory(await check(open)).map((v) => v.message), ["namespace market-data must have a default-deny NetworkPolicy (ingress and egress)"]);
  });

  it("refuses Spark without its policy, with ports open to others, or without the authentication conf", async () => {
    const unprotected = prod.filter((r) => r.name !== "mdp-prod-spark-internal");
    assert.deepEqual(mandatory(await check(unprotected)).map((v) => v.message).sort(), [
      "mdp-prod-spark-master runs Spark with no NetworkPolicy of its own",
      "mdp-prod-spark-tick-windows runs Spark with no NetworkPolicy of its own",
      "mdp-prod-spark-workers runs Spark with no NetworkPolicy of its own",
    ]);
    const open = mutate(prod, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "mdp-prod-spark-internal", (p) => p.spec.ingress[0].from.push({ namespaceSelector: {} }));
    assert.equal(mandatory(await check(open)).filter((v) => v.message.includes("admit more than Spark's own pods")).length, 3);
    const noAuth = mutate(prod, "kubernetes:apps/v1:Deployment", "mdp-prod-spark-master", (p) => (p.spec.template.spec.containers[0].env = p.spec.template.spec.containers[0].env.filter((e: { name: string }) => e.name !== "SPARK_CONF_DIR")));
    assert.deepEqual(mandatory(await check(noAuth)).map((v) => v.message), ["mdp-prod-spark-master runs Spark without the cluster's authentication conf (SPARK_CONF_DIR on a mounted Secret)"]);
  });

  it("refuses a pod that mounts a service-account token it has no use for", async () => {
    const token = mutate(prod, "kubernetes:apps/v1:Deployment", "mdp-prod-functions-sink", (p) => (p.spec.template.spec.automountServiceAccountToken = true));
    assert.deepEqual(mandatory(await check(token)).map((v) => v.message), ["mdp-prod-functions-sink must set automountServiceAccountToken: false (it calls no Kubernetes API)"]);
    const caller = mutate(token, "kubernetes:apps/v1:Deployment", "mdp-prod-functions-sink", (p) => (p.spec.template.metadata.labels["market-data.platform/egress-kube-api"] = "true"));
    assert.deepEqual(mandatory(await check(caller)), [], "a pod labelled as an API caller may have one");
  });

  it("refuses a credential passed as an environment variable", async () => {
    const env = mutate(prod, "kubernetes:apps/v1:StatefulSet", "mdp-prod-airflow-postgres", (p) =>
      p.spec.template.spec.containers[0].env.push({ name: "POSTGRES_PASSWORD", valueFrom: { secretKeyRef: { name: "mdp-prod-airflow-postgres", key: "password" } } }),
    );
    assert.deepEqual(mandatory(await check(env)).map((v) => v.message), ["mdp-prod-airflow-postgres/postgres reads the Secret mdp-prod-airflow-postgres into the variable POSTGRES_PASSWORD; mount it as a file"]);
  });

  it("refuses an Airflow admin created from a password in the chart's values or on a command line", async () => {
    const release = "mdp-prod-airflow-release";
    const chartDefault = mutate(prod, "kubernetes:helm.sh/v3:Release", release, (p) => {
      delete p.values.createUserJob.args;
      p.values.createUserJob.defaultUser.password = "hunter2-hunter2";
    });
    assert.deepEqual(mandatory(await check(chartDefault)).map((v) => v.message), [
      `${release}: createUserJob.defaultUser.password puts the admin's password in the chart's values; mount it from a Secret`,
      `${release}: the chart's own create-user job runs "airflow users create --password <password>"; set createUserJob.args to a command that reads it from a file`,
    ]);
    const onCommandLine = mutate(prod, "kubernetes:helm.sh/v3:Release", release, (p) => (p.values.createUserJob.args = ["bash", "-c", "airflow users create -u admin -p {{ .Values.createUserJob.defaultUser.password }}"]));
    assert.deepEqual(mandatory(await check(onCommandLine)).map((v) => v.message), [`${release}: createUserJob.args pass the admin's password on the command line`]);
  });

  it("warns when a local port is published beyond the loopback", async () => {
    const exposed = mutate(dev, "docker:index/container:Container", "mdp-dev-kafka-kafka", (p) => (p.ports[0].ip = "0.0.0.0"));
    assert.deepEqual((await check(exposed)).map((v) => [v.policy, v.level]), [["local-ports-on-loopback", "advisory"]]);
  });
});
