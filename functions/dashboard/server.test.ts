import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { get, type IncomingMessage } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { silentLogger } from "../lib";
import { pendingHealth } from "./health";
import type { Snapshot } from "./messages";
import { CONTENT_SECURITY_POLICY, EventStream, loadPageAssets, startDashboardServer } from "./server";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, check: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

const SNAPSHOT: Snapshot = {
  windowMinutes: 60,
  market: { quotes: [{ symbol: "AAPL", candles: 0 }], candles: { AAPL: [] } },
  health: pendingHealth(["sink"], Date.parse("2026-03-02T14:30:00Z")),
  stats: { ticksAccepted: 0, ticksSkipped: {}, clients: 0 },
};

/** An event-stream reader over a plain HTTP request, so that the test decides when it goes away. */
function openStream(port: number): Promise<{ res: IncomingMessage; events: { event: string; data: unknown }[]; close(): void }> {
  return new Promise((resolve, reject) => {
    const req = get({ host: "127.0.0.1", port, path: "/events" }, (res) => {
      const events: { event: string; data: unknown }[] = [];
      let buffer = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) });
        }
      });
      resolve({ res, events, close: () => req.destroy() });
    });
    req.on("error", reject);
  });
}

describe("dashboard server", () => {
  let assetsDir: string;
  before(() => {
    assetsDir = mkdtempSync(path.join(tmpdir(), "dashboard-assets-"));
    writeFileSync(path.join(assetsDir, "index.html"), "<!doctype html><title>t</title>");
    writeFileSync(path.join(assetsDir, "app.js"), "console.log(1)");
    writeFileSync(path.join(assetsDir, "app.css"), "body{}");
  });
  after(() => rmSync(assetsDir, { recursive: true, force: true }));

  async function start(options: { maxClients?: number; clientBufferBytes?: number } = {}) {
    const drops: string[] = [];
    const stream = new EventStream({ maxClients: options.maxClients ?? 8, clientBufferBytes: options.clientBufferBytes ?? 1024 * 1024, log: silentLogger, onDrop: (r) => drops.push(r) });
    const server = await startDashboardServer({ port: 0, host: "127.0.0.1", assets: loadPageAssets(assetsDir), stream, snapshot: () => SNAPSHOT });
    return { server, stream, drops, url: (p: string) => `http://127.0.0.1:${server.port}${p}` };
  }

  it("serves the page with a policy that lets it load and connect only to its own origin", async () => {
    const { server, url } = await start();
    try {
      const page = await fetch(url("/"));
      assert.equal(page.status, 200);
      assert.equal(page.headers.get("content-type"), "text/html; charset=utf-8");
      assert.equal(page.headers.get("content-security-policy"), CONTENT_SECURITY_POLICY);
      assert.match(CONTENT_SECURITY_POLICY, /default-src 'none'/);
      assert.match(CONTENT_SECURITY_POLICY, /connect-src 'self'/);
      assert.equal(await (await fetch(url("/app.js"))).text(), "console.log(1)");
      assert.equal((await fetch(url("/app.css"))).headers.get("content-type"), "text/css; charset=utf-8");
      assert.deepEqual(await (await fetch(url("/api/snapshot"))).json(), SNAPSHOT);
      assert.equal((await fetch(url("/../../etc/passwd"))).status, 404, "only its own files");
      assert.equal((await fetch(url("/app.js"), { method: "POST" })).status, 405);
    } finally {
      await server.close();
    }
  });

  it("refuses to start without a built page, naming the folder and the file", () => {
    assert.throws(() => loadPageAssets(path.join(assetsDir, "nowhere")), /the dashboard page is not built: cannot read index\.html in .*nowhere \(ENOENT\)/);
  });

  it("streams a snapshot first, then what is broadcast, and forgets a browser that goes away", async () => {
    const { server, stream, url } = await start();
    try {
      const a = await openStream(server.port);
      const b = await openStream(server.port);
      assert.equal(a.res.headers["content-type"], "text/event-stream; charset=utf-8");
      await until("two clients", () => stream.size === 2);
      stream.broadcast("health", { n: 1 });
      await until("both events", () => a.events.length === 2 && b.events.length === 2);
      assert.deepEqual(a.events[0], { event: "snapshot", data: SNAPSHOT });
      assert.deepEqual(a.events[1], { event: "health", data: { n: 1 } });
      a.close();
      await until("the closed client to be forgotten", () => stream.size === 1);
      stream.broadcast("health", { n: 2 });
      await until("the open client's event", () => b.events.length === 3);
      b.close();
      await until("no client", () => stream.size === 0);
      assert.equal((await fetch(url("/"))).status, 200, "still serving");
    } finally {
      await server.close();
    }
  });

  it("turns browsers away beyond its limit, and takes new ones once others left", async () => {
    const { server, stream, drops } = await start({ maxClients: 2 });
    try {
      const open = [await openStream(server.port), await openStream(server.port)];
      await until("two clients", () => stream.size === 2);
      const third = await openStream(server.port);
      assert.equal(third.res.statusCode, 503);
      assert.equal(third.res.headers["retry-after"], "10");
      assert.deepEqual(drops, ["full"]);
      open[0]!.close();
      await until("a free place", () => stream.size === 1);
      const fourth = await openStream(server.port);
      assert.equal(fourth.res.statusCode, 200);
      for (const s of [open[1]!, third, fourth]) s.close();
      await until("no client", () => stream.size === 0);
    } finally {
      await server.close();
    }
  });

  it("disconnects a browser that stops reading once its unsent bytes pass the buffer, keeping the others", async () => {
    const { server, stream, drops } = await start({ clientBufferBytes: 64 * 1024 });
    try {
      // A client that sends its request and never reads: the kernel's buffers fill, then ours.
      const stuck = connect(server.port, "127.0.0.1");
      stuck.write("GET /events HTTP/1.1\r\nHost: x\r\n\r\n");
      stuck.pause();
      const reader = await openStream(server.port);
      await until("two clients", () => stream.size === 2);
      const payload = { filler: "x".repeat(16 * 1024) };
      for (let i = 0; i < 2_000 && stream.size === 2; i++) {
        stream.broadcast("market", payload);
        await sleep(1);
      }
      await until("the stuck client to be dropped", () => stream.size === 1);
      assert.deepEqual(drops, ["slow"]);
      await until("the reader to keep up", () => reader.events.length > 10);
      reader.close();
      stuck.destroy();
      await until("no client", () => stream.size === 0);
    } finally {
      await server.close();
    }
  });
});
