import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import path from "node:path";
import type { Kafka } from "kafkajs";
import { Registry } from "prom-client";
import { DEFAULT_REALTIME_SYMBOLS, ENV, FUNCTION_COMMANDS, TICK_SCHEMA, TOPICS, decodeMessage, encodeRecord, type Tick } from "../../contract";
import { createLogger } from "../lib";
import { consumeBetween, endOffsets, ensureTopic, kafkaClient, testServers } from "../../test/harness";
import { CLIENT_ID, readSettings } from "./config";
import { startRealtimeProducer } from "./main";
import { simulate } from "./simulation";


describe("realtime producer against a real broker", function () {
  this.timeout(300_000);
  const topic = TOPICS.realtime;
  const intervals = 5;
  const intervalMs = 200;
  const symbols = [...DEFAULT_REALTIME_SYMBOLS];
  let kafka: Kafka;
  let brokers: string[];

  before(async () => {
    const servers = await testServers();
    brokers = servers.kafka.brokers;
    kafka = kafkaClient(servers.kafka, "realtime-producer-itest");
    await ensureTopic(kafka, topic, 3);
  });

  it(`emits ${intervals} intervals of the simulation at ${intervalMs} ms: one valid tick per symbol each, keyed by symbol, in order`, async () => {
    const settings = readSettings({
      [ENV.kafkaBrokers]: brokers.join(","),
      [ENV.tickIntervalMs]: String(intervalMs),
      [ENV.maxTicks]: String(intervals),
    });
    const lines: string[] = [];
    const log = createLogger(CLIENT_ID, { level: "warn", write: (line) => lines.push(line) });
    const before = await endOffsets(kafka, topic);

    const started = Date.now();
    const running = await startRealtimeProducer(settings, { log, registry: new Registry() });
    const summary = await running.done;
    const elapsed = Date.now() - started;

    assert.deepEqual({ intervals: summary.intervals, ticks: summary.ticks, aborted: summary.aborted }, { intervals, ticks: intervals * symbols.length, aborted: false });
    // kafkajs logs errors it retries itself (a fresh broker's coordinator still loading); ours must be clean.
    const ownErrors = lines.map((l) => JSON.parse(l) as { level: string; kafkajs?: string }).filter((e) => e.level === "error" && e.kafkajs === undefined);
    assert.deepEqual(ownErrors, []);
    assert.ok(elapsed < 30_000, `took ${elapsed} ms`);

    const consumed = await consumeBetween(kafka, topic, before, await endOffsets(kafka, topic));
    assert.equal(consumed.length, intervals * symbols.length);
    const expected = simulate({ seed: settings.seed, symbols, intervalMs }, summary.startMs, intervals);
    for (const symbol of symbols) {
      const own = consumed.filter((m) => m.key === symbol).sort((a, b) => (a.offset < b.offset ? -1 : 1));
      assert.equal(own.length, intervals, `${symbol} has ${own.length} ticks`);
      assert.equal(new Set(own.map((m) => m.partition)).size, 1, `${symbol} is on one partition`);
      const ticks = own.map((m) => {
        const decoded = decodeMessage(topic, m.key, Buffer.from(m.value));
        assert.ok(decoded.ok && decoded.kind === "tick", `${symbol} at offset ${m.offset}: ${JSON.stringify(decoded)}`);
        assert.equal(m.timestamp, String(Date.parse(decoded.record.event_time)), "the Kafka timestamp is the event time");
        return decoded.record as Tick;
      });
      assert.deepEqual(
        ticks.map((t) => Date.parse(t.event_time)),
        Array.from({ length: intervals }, (_, k) => summary.startMs + k * intervalMs),
        `${symbol} is in event_time order on the grid`,
      );
      assert.deepEqual(
        own.map((m) => m.value),
        expected.map((ticks) => encodeRecord(TICK_SCHEMA, ticks.find((t) => t.symbol === symbol)!)),
        `${symbol} carries the seeded simulation`,
      );
    }
  });

  it("runs main() until SIGTERM, then finishes the in-flight interval, disconnects and exits 0 promptly", async () => {
    const before = await endOffsets(kafka, topic);
    const root = path.resolve(__dirname, "../..");
    const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(root, "functions", "main.ts"), FUNCTION_COMMANDS.realtimeProducer], {
      cwd: root,
      env: { ...process.env, [ENV.kafkaBrokers]: brokers.join(","), [ENV.tickIntervalMs]: String(intervalMs), [ENV.logLevel]: "debug" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const lines: string[] = [];
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no tick sent within 60 s; stderr: ${stderr}`)), 60_000);
      let buffered = "";
      child.stdout.on("data", (chunk: Buffer) => {
        buffered += chunk.toString();
        const parts = buffered.split("\n");
        buffered = parts.pop()!;
        lines.push(...parts);
        if (lines.filter((l) => l.includes('"msg":"sent"')).length >= 3) {
          clearTimeout(timer);
          resolve();
        }
      });
    });

    const signalled = Date.now();
    child.kill("SIGTERM");
    const code = await exited;
    const took = Date.now() - signalled;
    assert.equal(code, 0, `exit code ${code}; stderr: ${stderr}`);
    assert.ok(took < 10_000, `took ${took} ms to exit`);
    const messages = lines.map((l) => (JSON.parse(l) as { msg: string }).msg);
    assert.ok(messages.includes("shutting down") && messages.includes("stopped producing"), messages.join(", "));

    const consumed = await consumeBetween(kafka, topic, before, await endOffsets(kafka, topic));
    const perInterval = new Map<string, number>();
    for (const m of consumed) {
      const eventTime = (JSON.parse(m.value) as Tick).event_time;
      perInterval.set(eventTime, (perInterval.get(eventTime) ?? 0) + 1);
    }
    assert.ok(perInterval.size >= 3);
    for (const [eventTime, count] of perInterval) assert.equal(count, symbols.length, `interval ${eventTime} is complete`);
  });
});
