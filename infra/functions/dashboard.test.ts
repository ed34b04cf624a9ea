import assert from "node:assert/strict";
import { ENV, PORTS } from "../../contract";
import { unwrap } from "../testing/mocks";
import { dashboardEnv, dashboardPodSpec, dockerDashboardTargets, kubernetesDashboardTargets, portForwardCommand } from "./dashboard";

const FUNCTIONS = {
  symbols: ["AAPL", "MSFT"],
  batchSymbols: ["AAPL"],
  tickIntervalMs: 2000,
  simulationSeed: 42,
  quoteSource: "simulated" as const,
  batchSource: "yahoo" as const,
  sink: { flushRecords: 100_000, flushBytes: 16_777_216, flushIntervalMs: 60_000, flushIdleMs: { realtime: 0, batch: 500 }, replicas: 3 },
};

describe("dashboard specs", () => {
  it("watches the producer and every sink of the local target by container name", () => {
    assert.deepEqual(
      dockerDashboardTargets(3).map((t) => `${t.name}=${String(t.url)}`),
      ["realtime-producer=http://realtime-producer:9464", "sink=http://sink-1:9464", "sink=http://sink-2:9464", "sink=http://sink-3:9464"],
    );
  });

  it("gives the dashboard its Kafka, its group, the symbols and the targets, and no acks (it never produces)", async () => {
    const env = dashboardEnv(FUNCTIONS, { kafkaBootstrap: "kafka:9092", s3Region: "us-east-1", rawBucket: "raw" }, kubernetesDashboardTargets("market-data", ["sink"]));
    assert.equal(env[ENV.kafkaBrokers], "kafka:9092");
    assert.equal(env[ENV.symbols], "AAPL,MSFT");
    assert.equal(env[ENV.dashboardPort], String(PORTS.dashboard));
    assert.equal(await unwrap(env[ENV.dashboardTargets]!), "sink=dns+http://sink-metrics.market-data.svc:9464");
    assert.equal(env[ENV.kafkaAcks], undefined);
    assert.equal(env[ENV.rawBucket], undefined, "it reads no bucket");
  });

  it("adds the page's port to a one-container function pod and refuses any other shape", () => {
    const pod = dashboardPodSpec({ containers: [{ name: "dashboard", ports: [{ name: "metrics", containerPort: PORTS.functionsMetrics }] }] });
    assert.deepEqual(
      (pod.containers as { ports: { name: string }[] }[])[0]!.ports.map((p) => p.name),
      ["http", "metrics"],
    );
    assert.throws(() => dashboardPodSpec({ containers: [{ name: "a" }, { name: "b" }] }), /exactly one container/);
  });

  it("says how to reach the page of a cluster", () => {
    assert.equal(portForwardCommand("md"), "kubectl -n md port-forward svc/dashboard 8090:8090");
  });
});
