import assert from "node:assert/strict";
import { Counter } from "prom-client";
import { createRegistry, startMetricsServer, type Health } from "./metrics";

describe("metrics and health endpoint", () => {
  it("serves Prometheus metrics, liveness and readiness", async () => {
    const registry = createRegistry("test");
    new Counter({ name: "things_total", help: "Things.", registers: [registry] }).inc(3);
    let health: Health = { live: true, ready: false };
    const server = await startMetricsServer(0, registry, () => health, "127.0.0.1");
    try {
      const url = (p: string) => `http://127.0.0.1:${server.port}${p}`;
      const metrics = await (await fetch(url("/metrics"))).text();
      assert.match(metrics, /^things_total\{component="test"\} 3$/m);
      assert.equal((await fetch(url("/healthz"))).status, 200);
      assert.equal((await fetch(url("/readyz"))).status, 503, "not ready until the function can work");
      health = { live: true, ready: true };
      assert.equal((await fetch(url("/readyz"))).status, 200);
      health = { live: false, ready: true };
      assert.equal((await fetch(url("/healthz"))).status, 503);
      assert.equal((await fetch(url("/nothing"))).status, 404);
    } finally {
      await server.close();
    }
  });
});
