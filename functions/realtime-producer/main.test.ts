import assert from "node:assert/strict";
import { createServer } from "node:net";
import { Registry } from "prom-client";
import { ENV, type Tick } from "../../contract";
import { silentLogger } from "../lib";
import { readSettings } from "./config";
import { EXIT_INVALID_CONFIG, createSource, main, startRealtimeProducer } from "./main";
import { simulate } from "./simulation";
import { FakeTimer, KEY, fakeProducer } from "./testing";

const START = Date.UTC(2026, 0, 5, 14, 30);
const BASE = { [ENV.kafkaBrokers]: "127.0.0.1:9092", [ENV.symbols]: "AAPL,MSFT", [ENV.tickIntervalMs]: "200" };

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe("realtime-producer main", () => {
  it("emits MAX_TICKS intervals of the configured simulation, then disconnects", async () => {
    const settings = readSettings({ ...BASE, [ENV.simulationSeed]: "9", [ENV.maxTicks]: "4" });
    const timer = new FakeTimer(START);
    const producer = fakeProducer(timer);
    const running = await startRealtimeProducer(settings, { log: silentLogger, producer, timer, startMs: START, registry: new Registry() });
    const summary = await running.done;
    assert.equal(summary.intervals, 4);
    assert.equal(producer.connects, 1);
    assert.equal(producer.disconnects, 1);
    const sent = producer.sent.map((r) => r.messages.map((m) => JSON.parse(String(m.value)) as Tick));
    assert.deepEqual(sent, simulate({ seed: 9, symbols: ["AAPL", "MSFT"], intervalMs: 200 }, START, 4));
    assert.equal(running.status.ready, false, "not ready once disconnected");
  });

  it("stops after the in-flight send, disconnects, and serves health and metrics until then", async () => {
    const port = await freePort();
    const settings = { ...readSettings(BASE), metricsPort: port };
    const timer = new FakeTimer(START);
    let release!: () => void;
    let sends = 0;
    const producer = fakeProducer(timer, { gate: () => (++sends === 3 ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve()) });
    const running = await startRealtimeProducer(settings, { log: silentLogger, producer, timer, startMs: START, registry: new Registry() });
    while (sends < 3) await new Promise((resolve) => setImmediate(resolve));

    assert.equal(running.metricsPort, port);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    assert.equal(ready.status, 200);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    assert.match(metrics, /ticks_produced_total\{symbol="AAPL"\} 2/);
    assert.match(metrics, /send_latency_seconds_count 2/);

    const stopping = running.stop();
    release();
    const summary = await stopping;
    assert.deepEqual({ intervals: summary.intervals, ticks: summary.ticks, aborted: summary.aborted }, { intervals: 3, ticks: 6, aborted: true });
    assert.equal(producer.disconnects, 1);
    await assert.rejects(fetch(`http://127.0.0.1:${port}/healthz`), "the metrics server is closed");
  });

  it("keeps trying to connect and gives up cleanly when stopped", async () => {
    const timer = new FakeTimer(START);
    const producer = { ...fakeProducer(timer), connect: () => Promise.reject(new Error("connection refused")) };
    const running = await startRealtimeProducer(readSettings(BASE), { log: silentLogger, producer, timer, registry: new Registry() });
    while (timer.sleeps.length < 3) await new Promise((resolve) => setImmediate(resolve));
    const summary = await running.stop();
    assert.equal(summary.aborted, true);
    assert.equal(summary.intervals, 0);
  });

  it("picks the source that QUOTE_SOURCE names", () => {
    assert.equal(createSource(readSettings(BASE)).kind, "simulated");
    assert.equal(createSource(readSettings({ ...BASE, [ENV.quoteSource]: "live", [ENV.quoteApiKey]: KEY })).kind, "live");
  });

  it("exits with 2 and every problem on a bad environment, without touching Kafka", async () => {
    const lines: string[] = [];
    const code = await main({ [ENV.symbols]: "aapl", [ENV.quoteSource]: "live" }, { write: (line) => lines.push(line) });
    assert.equal(code, EXIT_INVALID_CONFIG);
    assert.equal(lines.length, 1);
    const entry = JSON.parse(lines[0]!) as { msg: string; problems: string[] };
    assert.equal(entry.msg, "invalid configuration");
    assert.equal(entry.problems.length, 3, entry.problems.join("\n"));
  });
});
