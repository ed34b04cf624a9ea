import * as assert from "node:assert/strict";
import { FUNCTION_COMMANDS, PORTS } from "../../contract";
import { EGRESS_LABELS, KAFKA_CLIENT_LABEL } from "../kubernetes";
import type { Json } from "../testing/inspect";
import { DASHBOARD, dashboardPodLabels } from "./dashboard";
import { functionDeploymentSpec, functionLabels, functionsIngressPolicySpec, metricsServiceSpec } from "./kubernetes";

const PLATFORM = { "app.kubernetes.io/part-of": "market-data-platform", "market-data.platform/stack": "prod" };
const POD: Json = { containers: [{ name: "x" }] };

/** Whether a selector's labels are all on the pod. */
const selects = (selector: Record<string, string>, pod: Record<string, string>) => Object.entries(selector).every(([k, v]) => pod[k] === v);

describe("functions on kubernetes", () => {
  describe("functionDeploymentSpec", () => {
    const spec = (command: Parameters<typeof functionDeploymentSpec>[0]["command"], replicas = 1) => {
      const labels = functionLabels(PLATFORM, command);
      return functionDeploymentSpec({ command, replicas, labels, podLabels: { ...labels, ...EGRESS_LABELS.https }, pod: POD }) as Json;
    };

    it("never runs two realtime producers, even during a rollout: each tick would be sent twice", () => {
      assert.deepEqual(spec(FUNCTION_COMMANDS.realtimeProducer).strategy, { type: "Recreate" });
    });

    it("never runs two dashboards: a second member of its group would get half the partitions", () => {
      assert.deepEqual(spec(DASHBOARD).strategy, { type: "Recreate" });
    });

    it("rolls the sink's instances one at a time, without a surge above its replicas", () => {
      const sink = spec(FUNCTION_COMMANDS.sink, 3);
      assert.equal(sink.replicas, 3);
      assert.deepEqual(sink.strategy, { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    });

    it("selects the pods it makes, whose labels add what they may reach", () => {
      for (const command of [FUNCTION_COMMANDS.realtimeProducer, FUNCTION_COMMANDS.sink, DASHBOARD] as const) {
        const s = spec(command);
        assert.ok(selects(s.selector.matchLabels, s.template.metadata.labels), `${command}'s selector misses its pods`);
        assert.ok(selects(EGRESS_LABELS.https, s.template.metadata.labels));
        assert.deepEqual(s.template.spec, POD);
      }
    });
  });

  describe("functionLabels", () => {
    it("keep the platform's labels, name the function and mark it a Kafka client (the namespace lets those reach the brokers)", () => {
      const labels = functionLabels(PLATFORM, FUNCTION_COMMANDS.sink);
      assert.ok(selects(PLATFORM, labels));
      assert.ok(selects(KAFKA_CLIENT_LABEL, labels));
      assert.equal(labels["app.kubernetes.io/name"], FUNCTION_COMMANDS.sink);
      assert.equal(labels["app.kubernetes.io/component"], "function");
    });

    it("tell the functions apart, so that one's selector never picks another's pods", () => {
      const producer = functionLabels(PLATFORM, FUNCTION_COMMANDS.realtimeProducer);
      const sink = functionLabels(PLATFORM, FUNCTION_COMMANDS.sink);
      assert.ok(!selects(producer, sink) && !selects(sink, producer));
      assert.ok(!selects(sink, dashboardPodLabels(PLATFORM)));
    });
  });

  describe("metricsServiceSpec", () => {
    it("lists every replica of its function, ready or not, on the metrics port", () => {
      const labels = functionLabels(PLATFORM, FUNCTION_COMMANDS.sink);
      const service = metricsServiceSpec(labels) as Json;
      assert.equal(service.clusterIP, "None");
      assert.equal(service.publishNotReadyAddresses, true);
      assert.ok(selects(service.selector, labels));
      assert.deepEqual(service.ports, [{ name: "metrics", port: PORTS.functionsMetrics, targetPort: "metrics" }]);
    });
  });

  describe("functionsIngressPolicySpec", () => {
    const policy = functionsIngressPolicySpec("monitoring") as Json;

    it("covers every function's pods", () => {
      for (const fn of Object.values(FUNCTION_COMMANDS)) assert.ok(selects(policy.podSelector.matchLabels, functionLabels(PLATFORM, fn)), `${fn} is not covered`);
      assert.deepEqual(policy.policyTypes, ["Ingress"]);
    });

    it("lets in only the monitoring namespace and the dashboard's pods, and only on the metrics port", () => {
      const [rule] = policy.ingress as Json[];
      assert.equal(policy.ingress.length, 1);
      assert.deepEqual(rule.ports, [{ protocol: "TCP", port: PORTS.functionsMetrics }]);
      const [namespace, dashboard] = rule.from as Json[];
      assert.deepEqual(namespace.namespaceSelector.matchLabels, { "kubernetes.io/metadata.name": "monitoring" });
      assert.ok(selects(dashboard.podSelector.matchLabels, dashboardPodLabels(PLATFORM)), "the dashboard's pods must match the rule");
      assert.equal(rule.from.length, 2);
    });
  });
});
