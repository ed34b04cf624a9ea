import assert from "node:assert/strict";
import { kubernetesManifests } from "./manifests";
import { planResources, type PlannedResource } from "./plan";

describe("Kubernetes manifests from the offline plan", function () {
  this.timeout(60_000);
  let prod: PlannedResource[];
  let dev: PlannedResource[];
  before(async () => {
    prod = await planResources("prod");
    dev = await planResources("dev");
  });

  it("renders every Kubernetes object prod declares as the provider sends it, Strimzi's included", () => {
    const { manifests } = kubernetesManifests(prod);
    const objects = prod.filter((r) => r.type.startsWith("kubernetes:") && !r.type.startsWith("kubernetes:helm.sh/"));
    assert.equal(manifests.length, objects.length);
    const sink = manifests.find((m) => m.name === "mdp-prod-functions-sink")!;
    assert.equal(sink.file, "deployment.market-data.sink.yaml");
    assert.deepEqual(Object.keys(sink.object), ["apiVersion", "kind", "metadata", "spec"]);
    assert.equal(sink.object.apiVersion, "apps/v1");
    assert.equal((sink.object.metadata as { namespace: string }).namespace, "market-data");
    assert.deepEqual(sink.object.spec, prod.find((r) => r.name === "mdp-prod-functions-sink")!.inputs.spec, "the spec is the plan's, unchanged");
    const kinds = new Set(manifests.map((m) => `${m.object.apiVersion as string} ${m.object.kind as string}`));
    for (const kind of ["kafka.strimzi.io/v1 Kafka", "kafka.strimzi.io/v1 KafkaNodePool", "kafka.strimzi.io/v1 KafkaTopic", "kafka.strimzi.io/v1 KafkaUser", "v1 Namespace", "networking.k8s.io/v1 NetworkPolicy"]) {
      assert.ok(kinds.has(kind), `${kind} is rendered`);
    }
    const namespace = manifests.find((m) => m.object.kind === "Namespace")!;
    assert.equal((namespace.object.metadata as { namespace?: string }).namespace, undefined, "a Namespace has none itself");
  });

  it("says which resources it cannot render, and why: the Helm charts", () => {
    const { notRendered } = kubernetesManifests(prod);
    assert.deepEqual(
      notRendered.map((n) => n.name),
      ["mdp-prod-airflow-release", "mdp-prod-kafka-operator"],
    );
    for (const n of notRendered) assert.match(n.reason, /^Helm chart \S+ \d+\.\d+\.\d+: its templates come from the chart's repository, which cannot be downloaded here$/);
  });

  it("keeps secrets masked", () => {
    const text = JSON.stringify(kubernetesManifests(prod).manifests);
    assert.doesNotMatch(text, /generated-[\w-]+-password|placeholder-|BEGIN PRIVATE KEY/);
    const secret = kubernetesManifests(prod).manifests.find((m) => m.object.kind === "Secret")!;
    assert.equal(secret.object.stringData, "[secret]");
  });

  it("renders whatever Kubernetes objects dev declares (today none)", () => {
    const { manifests, notRendered } = kubernetesManifests(dev);
    assert.equal(manifests.length + notRendered.length, dev.filter((r) => r.type.startsWith("kubernetes:")).length);
  });

  describe("on resources a stack could declare", () => {
    const provider = (namespace?: string): PlannedResource => ({ type: "pulumi:providers:kubernetes", name: `k8s-${namespace ?? "none"}`, inputs: namespace ? { namespace } : {} });
    const configMap = (metadata: Record<string, unknown>): PlannedResource => ({ type: "kubernetes:core/v1:ConfigMap", name: "settings", inputs: { apiVersion: "v1", kind: "ConfigMap", metadata, data: { a: "1" } } });

    it("gives an object without a namespace the provider's, and one without a name its resource's, as the provider does", () => {
      const [m] = kubernetesManifests([provider("apps"), configMap({})]).manifests;
      assert.deepEqual(m!.object, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "settings", namespace: "apps", annotations: { "pulumi.com/autonamed": "true" } }, data: { a: "1" } });
      assert.equal((kubernetesManifests([configMap({ name: "x" })]).manifests[0]!.object.metadata as { namespace: string }).namespace, "default");
    });

    it("refuses what it cannot tell or what cannot be", () => {
      assert.throws(() => kubernetesManifests([provider("a"), provider("b"), configMap({})]), /ConfigMap settings names no namespace, and the stack's Kubernetes providers default to different ones \(a, b\)/);
      assert.throws(() => kubernetesManifests([{ ...configMap({ name: "x" }), type: "kubernetes:apps/v1:ConfigMap" }]), /declares apiVersion v1 and kind ConfigMap, which its type does not match/);
      assert.throws(() => kubernetesManifests([configMap({ name: "x", namespace: "n" }), { ...configMap({ name: "x", namespace: "n" }), name: "again" }]), /ConfigMap again and kubernetes:core\/v1:ConfigMap settings are the same Kubernetes object \(configmap\.n\.x\.yaml\)/);
    });

    it("lists a component that reads manifests at deployment time as not rendered", () => {
      const { notRendered } = kubernetesManifests([{ type: "kubernetes:yaml/v2:ConfigGroup", name: "extra", inputs: { files: ["x.yaml"] } }]);
      assert.deepEqual(notRendered, [{ type: "kubernetes:yaml/v2:ConfigGroup", name: "extra", reason: "reads its manifests from files or URLs at deployment time" }]);
    });
  });
});
