import assert from "node:assert/strict";
import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Counter } from "prom-client";
import { createRegistry, silentLogger, startMetricsServer } from "../lib";
import type { ScrapeTarget } from "./config";
import type { Observation } from "./health";
import { instancesOf, scrapeInstance, scrapeRound, startScrapeLoop } from "./scrape";

async function serve(handler: RequestListener): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    server,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on: one that was just free. */
async function closedPort(): Promise<number> {
  const { server, close } = await serve(() => undefined);
  const port = (server.address() as AddressInfo).port;
  await close();
  return port;
}

describe("scraping the functions' endpoints", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(cleanups.splice(0).map((c) => c()));
  });

  it("reads a function's own metrics server: its samples and its readiness", async () => {
    const registry = createRegistry("sink");
    new Counter({ name: "sink_records_written_total", help: "x", registers: [registry] }).inc(5);
    let ready = false;
    const server = await startMetricsServer(0, registry, () => ({ live: true, ready, details: { partitions: 0 } }), "127.0.0.1");
    cleanups.push(() => server.close());
    const url = `http://127.0.0.1:${server.port}`;
    const notReady = await scrapeInstance(url, { timeoutMs: 2_000 });
    assert.equal(notReady.kind, "answered");
    assert.deepEqual(notReady.kind === "answered" && [notReady.ready, notReady.readyDetail], [false, '{"partitions":0}']);
    ready = true;
    const up = await scrapeInstance(url, { timeoutMs: 2_000 });
    assert.ok(up.kind === "answered" && up.ready);
    assert.equal(up.samples.find((s) => s.name === "sink_records_written_total")?.value, 5);
  });

  it("calls a port where nothing listens down", async () => {
    assert.deepEqual(await scrapeInstance(`http://127.0.0.1:${await closedPort()}`, { timeoutMs: 2_000 }), { kind: "down", error: "connection failed (ECONNREFUSED)" });
  });

  it("gives up on an endpoint that does not answer within the timeout and calls it unknown", async () => {
    const slow = await serve(() => undefined);
    cleanups.push(slow.close);
    const started = Date.now();
    assert.deepEqual(await scrapeInstance(slow.url, { timeoutMs: 300 }), { kind: "unknown", error: "no answer within 300 ms" });
    assert.ok(Date.now() - started < 1_500, "bounded by the timeout");
  });

  it("also gives up on an endpoint that starts answering and then stalls", async () => {
    const trickle = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("a 1\n");
    });
    cleanups.push(trickle.close);
    assert.deepEqual(await scrapeInstance(trickle.url, { timeoutMs: 300 }), { kind: "unknown", error: "no answer within 300 ms" });
  });

  it("calls an endpoint that answers an error, garbage or too much unknown", async () => {
    const cases: [RequestListener, RegExp][] = [
      [(_req, res) => res.writeHead(500).end("boom"), /\/metrics answered HTTP 500/],
      [(req, res) => res.writeHead(req.url === "/readyz" ? 404 : 200).end("a 1\n"), /\/readyz answered HTTP 404/],
      [(_req, res) => res.writeHead(200).end("<html><body>a login page</body></html>"), /\/metrics is not Prometheus text \(line 1/],
      [(_req, res) => res.writeHead(200).end("x".repeat(5000)), /above the limit of 1024 bytes/],
      [(_req, res) => res.writeHead(200, { "content-length": "99999999" }).end(), /answer of 99999999 bytes is above the limit/],
    ];
    for (const [handler, expected] of cases) {
      const s = await serve(handler);
      cleanups.push(s.close);
      const outcome = await scrapeInstance(s.url, { timeoutMs: 2_000, maxBytes: 1024 });
      assert.equal(outcome.kind, "unknown", String(expected));
      assert.match(outcome.kind === "unknown" ? outcome.error : "", expected);
    }
  });

  it("scrapes every address of a discovered target, and calls a name that resolves to nothing down", async () => {
    const target: ScrapeTarget = { name: "sink", url: "http://sink-metrics.market-data.svc:9464", discovery: "dns" };
    assert.deepEqual(await instancesOf(target, async () => ["10.0.0.2", "10.0.0.1", "10.0.0.2"]), [
      { instance: "10.0.0.1:9464", url: "http://10.0.0.1:9464" },
      { instance: "10.0.0.2:9464", url: "http://10.0.0.2:9464" },
    ]);
    assert.deepEqual(await instancesOf({ ...target, discovery: "static" }), [{ instance: "sink-metrics.market-data.svc:9464", url: target.url }]);
    const notFound = Object.assign(new Error("getaddrinfo ENOTFOUND"), { code: "ENOTFOUND" });
    const round = await scrapeRound([target], { timeoutMs: 500, resolve: () => Promise.reject(notFound) });
    assert.deepEqual(round, [{ target: "sink", instance: "sink-metrics.market-data.svc:9464", outcome: { kind: "down", error: "no instance: ENOTFOUND" } }]);
  });

  it("runs rounds on its interval, never two at once, until stopped", async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    // Each request takes longer than the interval: the next round must wait for this one.
    const slowFetch = (async () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 80));
      inFlight--;
      return new Response("a 1\n");
    }) as typeof fetch;
    const rounds: Observation[][] = [];
    const stop = startScrapeLoop([{ name: "sink", url: "http://sink-1:9464", discovery: "static" }], {
      intervalMs: 50,
      timeoutMs: 50,
      fetch: slowFetch,
      log: silentLogger,
      onRound: (_at, r) => rounds.push(r),
    });
    await new Promise((resolve) => setTimeout(resolve, 400));
    await stop();
    const count = rounds.length;
    assert.ok(count >= 3 && count <= 5, `${count} rounds of 80 ms in 400 ms`);
    assert.equal(maxInFlight, 2, "one round's /metrics and /readyz at a time");
    assert.ok(rounds.every((r) => r[0]!.outcome.kind === "answered"));
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.equal(rounds.length, count, "no round after stop");
  });
});
