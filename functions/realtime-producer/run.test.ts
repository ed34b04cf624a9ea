import assert from "node:assert/strict";
import { Registry } from "prom-client";
import { TICK_SCHEMA, TOPICS, decodeMessage, encodeRecord, type Tick } from "../../contract";
import { silentLogger } from "../lib";
import { liveSource } from "./live-source";
import { createProducerMetrics } from "./producer";
import { firstSlotTime, nextSlot, runProducer, slotTime, systemTimer, type RunOptions } from "./run";
import { simulate } from "./simulation";
import { simulatedSource } from "./source";
import { FINNHUB, FakeTimer, KEY, captureLogger, fakeFetch, fakeProducer, scriptedSource, tickAt } from "./testing";

const START = Date.UTC(2026, 0, 5, 14, 30);
const SYMBOLS = ["AAPL", "MSFT", "NVDA"];

function sentTicks(records: { messages: { value: unknown }[] }[]): Tick[][] {
  return records.map((r) => r.messages.map((m) => JSON.parse(String(m.value)) as Tick));
}

async function counter(registry: Registry, name: string): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  return (metric?.values ?? []).reduce((sum, v) => sum + v.value, 0);
}

function options(timer: FakeTimer, overrides: Partial<RunOptions> & Pick<RunOptions, "producer" | "source">): RunOptions {
  return { log: silentLogger, intervalMs: 200, acks: -1, startMs: START, timer, random: () => 1, ...overrides };
}

describe("producer loop", () => {
  describe("schedule", () => {
    it("puts slot k at start + k * interval", () => {
      assert.equal(slotTime(START, 2000, 0), START);
      assert.equal(slotTime(START, 2000, 7), START + 14_000);
    });

    it("starts on the next whole interval", () => {
      assert.equal(firstSlotTime(10_500, 2000), 12_000);
      assert.equal(firstSlotTime(12_000, 2000), 14_000);
    });

    it("catches up slot by slot for a replayable source and skips to the latest due slot otherwise", () => {
      assert.equal(nextSlot(0, 100, 3, 1_000, true), 4);
      assert.equal(nextSlot(0, 100, 3, 1_000, false), 10);
      assert.equal(nextSlot(0, 100, 3, 350, false), 4);
      assert.equal(nextSlot(0, 100, 3, 499, false), 4);
    });
  });

  it("sends one request per interval with every symbol, keyed by symbol, acks from the settings", async () => {
    const timer = new FakeTimer(START - 50);
    const producer = fakeProducer(timer);
    const summary = await runProducer(options(timer, { producer, source: simulatedSource({ seed: 1, symbols: SYMBOLS, intervalMs: 200 }), maxIntervals: 3 }));
    assert.deepEqual(summary, { intervals: 3, ticks: 9, startMs: START, lastSlot: 2, aborted: false });
    assert.equal(producer.sent.length, 3);
    for (const record of producer.sent) {
      assert.equal(record.topic, TOPICS.realtime);
      assert.equal(record.acks, -1);
      assert.deepEqual(record.messages.map((m) => m.key), SYMBOLS);
      for (const m of record.messages) {
        const decoded = decodeMessage(TOPICS.realtime, m.key as string, Buffer.from(String(m.value)), new Date(START + 10_000));
        assert.ok(decoded.ok, JSON.stringify(decoded));
        assert.equal(m.timestamp, String(Date.parse((decoded.record as Tick).event_time)));
      }
    }
  });

  it("keeps to the grid: the k-th interval is stamped and sent at start + k * interval although sends take time", async () => {
    const timer = new FakeTimer(START - 1);
    const producer = fakeProducer(timer, { latencyMs: 150 });
    await runProducer(options(timer, { producer, source: simulatedSource({ seed: 1, symbols: SYMBOLS, intervalMs: 200 }), maxIntervals: 10 }));
    const expected = Array.from({ length: 10 }, (_, k) => START + k * 200);
    assert.deepEqual(producer.sendTimes, expected);
    assert.deepEqual(
      sentTicks(producer.sent).map((ticks) => ticks.map((t) => Date.parse(t.event_time))),
      expected.map((t) => SYMBOLS.map(() => t)),
    );
    assert.deepEqual(timer.sleeps, [1, ...Array<number>(9).fill(50)]);
  });

  it("catches up every interval of the simulation after sends slower than the interval, in order", async () => {
    const timer = new FakeTimer(START);
    const producer = fakeProducer(timer, { latencyMs: 450 });
    await runProducer(options(timer, { producer, source: simulatedSource({ seed: 1, symbols: SYMBOLS, intervalMs: 200 }), maxIntervals: 6 }));
    const times = sentTicks(producer.sent).map((ticks) => Date.parse(ticks[0]!.event_time));
    assert.deepEqual(times, [0, 1, 2, 3, 4, 5].map((k) => START + k * 200));
  });

  it("skips to the latest due interval of a live source after a slow send, never bursting", async () => {
    const timer = new FakeTimer(START);
    const producer = fakeProducer(timer, { latencyMs: 450 });
    const source = scriptedSource(SYMBOLS, []);
    await runProducer(options(timer, { producer, source, maxIntervals: 3 }));
    assert.deepEqual(source.calls, [START, START + 400, START + 800]);
  });

  it("logs a failing source with the symbol, backs off exponentially and carries on", async () => {
    const timer = new FakeTimer(START);
    const producer = fakeProducer(timer);
    const down = new Error("quote service unavailable");
    const source = scriptedSource(SYMBOLS, [down, down, down]);
    const { log, entries } = captureLogger();
    const registry = new Registry();
    const summary = await runProducer(options(timer, { producer, source, log, maxIntervals: 6, metrics: createProducerMetrics(registry) }));

    assert.equal(summary.intervals, 6);
    assert.equal(producer.sent.length, 3, "the intervals after the failures are sent");
    // random() = 1 makes the jitter its ceiling: 1 s, 2 s, 4 s, then back on the 200 ms grid.
    assert.deepEqual(source.calls.map((t) => t - START), [0, 1000, 3000, 7000, 7200, 7400]);
    const failures = entries().filter((e) => e.msg === "quote source failed");
    assert.equal(failures.length, 3 * SYMBOLS.length);
    assert.deepEqual(failures.slice(0, 3).map((e) => e.symbol), SYMBOLS);
    assert.deepEqual(failures[0]!.err, { name: "Error", message: "quote service unavailable" });
    assert.equal(await counter(registry, "source_errors_total"), 3 * SYMBOLS.length);
  });

  it("still sends the symbols that were quoted when others fail, on the grid", async () => {
    const timer = new FakeTimer(START);
    const producer = fakeProducer(timer);
    const source = scriptedSource(SYMBOLS, [
      { ticks: [tickAt("AAPL", START), tickAt("NVDA", START)], failures: [{ symbol: "MSFT", error: new Error("HTTP 429") }] },
    ]);
    await runProducer(options(timer, { producer, source, maxIntervals: 2 }));
    assert.deepEqual(sentTicks(producer.sent).map((ticks) => ticks.map((t) => t.symbol)), [["AAPL", "NVDA"], SYMBOLS]);
    assert.deepEqual(source.calls, [START, START + 200], "a partial failure does not hold back the next interval");
  });

  it("drops and reports a tick that fails the contract instead of sending it", async () => {
    const timer = new FakeTimer(START);
    const producer = fakeProducer(timer);
    const crossed = { ...tickAt("MSFT", START), bid: 101, ask: 99 };
    const source = scriptedSource(SYMBOLS, [{ ticks: [tickAt("AAPL", START), crossed], failures: [] }]);
    const { log, entries } = captureLogger();
    const registry = new Registry();
    await runProducer(options(timer, { producer, source, log, maxIntervals: 1, metrics: createProducerMetrics(registry) }));
    assert.deepEqual(sentTicks(producer.sent), [[tickAt("AAPL", START)]]);
    const rejected = entries().find((e) => e.msg === "tick failed validation");
    assert.equal(rejected?.symbol, "MSFT");
    assert.match(String((rejected?.err as { message: string }).message), /`bid` 101 is above `ask` 99/);
    assert.equal(await counter(registry, "source_errors_total"), 1);
  });

  it("retries a failed send with the very same records and counts them once", async () => {
    const timer = new FakeTimer(START);
    const producer = fakeProducer(timer, { failures: 2 });
    const registry = new Registry();
    const source = simulatedSource({ seed: 3, symbols: SYMBOLS, intervalMs: 200 });
    await runProducer(options(timer, { producer, source, maxIntervals: 2, metrics: createProducerMetrics(registry) }));

    assert.equal(producer.attempts, 4);
    assert.deepEqual(timer.sleeps.slice(0, 2), [200, 400]);
    const expected = simulate({ seed: 3, symbols: SYMBOLS, intervalMs: 200 }, START, 2);
    assert.deepEqual(
      producer.sent.map((r) => r.messages.map((m) => m.value)),
      expected.map((ticks) => ticks.map((t) => encodeRecord(TICK_SCHEMA, t))),
    );
    assert.equal(await counter(registry, "ticks_produced_total"), 2 * SYMBOLS.length);
    assert.equal(await counter(registry, "send_errors_total"), 2);
    assert.match(await registry.metrics(), /^send_latency_seconds_count 2$/m, "one observation per acknowledged send");
  });

  it("never logs the live source's key, whatever fails", async () => {
    const timer = new FakeTimer(START);
    const producer = fakeProducer(timer, { failures: 1 });
    const { fetch, requests } = fakeFetch({
      AAPL: [{ status: 401, body: FINNHUB.badKey }, new Error(`socket hang up sending ${KEY}`), { status: 200, body: FINNHUB.aapl }],
      MSFT: [{ status: 429, body: FINNHUB.rateLimited }, { status: 500, body: KEY }, { status: 200, body: FINNHUB.malformed }],
    });
    const { log, lines } = captureLogger();
    const source = liveSource({ symbols: ["AAPL", "MSFT"], apiKey: KEY, fetch, backoff: { baseMs: 1000, maxMs: 1000 }, random: () => 1 });
    await runProducer(options(timer, { producer, source, log, maxIntervals: 3 }));
    assert.equal(requests.length, 6, "every recorded answer was served");
    assert.ok(lines.some((l) => l.includes("rate limit")), "the failures were logged");
    assert.ok(lines.some((l) => l.includes('"msg":"send failed, retrying the same ticks"')), "the send failure was logged");
    for (const line of lines) assert.ok(!line.includes(KEY), line);
  });

  describe("stopping", () => {
    it("returns promptly when aborted while waiting for the next interval", async () => {
      const controller = new AbortController();
      const timer = new FakeTimer(START);
      const producer = fakeProducer(timer);
      const started = Date.now();
      const run = runProducer({
        ...options(timer, { producer, source: simulatedSource({ seed: 1, symbols: SYMBOLS, intervalMs: 60_000 }) }),
        intervalMs: 60_000,
        startMs: undefined,
        timer: systemTimer,
        signal: controller.signal,
      });
      setTimeout(() => controller.abort(), 20);
      const summary = await run;
      assert.ok(Date.now() - started < 1000);
      assert.equal(summary.aborted, true);
      assert.equal(producer.attempts, 0);
    });

    it("waits for the in-flight send, then stops without another", async () => {
      const controller = new AbortController();
      const timer = new FakeTimer(START);
      let release!: () => void;
      let gated = 0;
      const producer = fakeProducer(timer, {
        gate: () => (++gated === 2 ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve()),
      });
      const run = runProducer(options(timer, { producer, source: simulatedSource({ seed: 1, symbols: SYMBOLS, intervalMs: 200 }), signal: controller.signal }));
      while (gated < 2) await new Promise((resolve) => setImmediate(resolve));
      controller.abort();
      release();
      const summary = await run;
      assert.equal(producer.attempts, 2);
      assert.equal(producer.sent.length, 2, "the in-flight send completed");
      assert.deepEqual({ intervals: summary.intervals, ticks: summary.ticks, aborted: summary.aborted }, { intervals: 2, ticks: 6, aborted: true });
    });

    it("stops retrying a failed send once aborted", async () => {
      const controller = new AbortController();
      const timer = new FakeTimer(START);
      const producer = fakeProducer(timer, { failures: 100 });
      const { log, entries } = captureLogger();
      const originalSleep = timer.sleep.bind(timer);
      timer.sleep = async (ms) => {
        if (timer.sleeps.length === 3) controller.abort();
        await originalSleep(ms);
      };
      const summary = await runProducer(options(timer, { producer, log, source: simulatedSource({ seed: 1, symbols: SYMBOLS, intervalMs: 200 }), signal: controller.signal }));
      assert.equal(summary.ticks, 0);
      assert.equal(summary.aborted, true);
      assert.ok(entries().some((e) => e.msg === "stopping with ticks Kafka did not acknowledge" && e.ticks === SYMBOLS.length));
    });
  });
});
