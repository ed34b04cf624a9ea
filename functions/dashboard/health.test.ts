import assert from "node:assert/strict";
import { HealthModel, METRICS, pendingHealth, type Observation, type ScrapeOutcome } from "./health";
import type { Sample } from "./prometheus";

const T0 = Date.parse("2026-03-02T14:30:00.000Z");
const s = (name: string, value: number, labels: Record<string, string> = {}): Sample => ({ name, labels, value });

interface SinkReading {
  recordsIn: number;
  written: number;
  objects: number;
  lag?: Record<string, number>;
  dead?: Record<string, number>;
}

function sinkSamples(r: SinkReading): Sample[] {
  return [
    s(METRICS.recordsIn, r.recordsIn * 0.75, { topic: "stock-market-realtime" }),
    s(METRICS.recordsIn, r.recordsIn * 0.25, { topic: "stock-market-batch" }),
    s(METRICS.recordsWritten, r.written, { topic: "stock-market-realtime" }),
    s(METRICS.objectsWritten, r.objects, { topic: "stock-market-realtime" }),
    ...Object.entries(r.lag ?? {}).map(([p, v]) => s(METRICS.lag, v, { topic: "stock-market-realtime", partition: p })),
    ...Object.entries(r.dead ?? {}).map(([code, v]) => s(METRICS.deadLettered, v, { topic: "stock-market-realtime", code })),
  ];
}

const answered = (samples: Sample[], ready = true): ScrapeOutcome => ({ kind: "answered", ready, samples, ...(ready ? {} : { readyDetail: '{"partitions":0}' }) });
const sink = (outcome: ScrapeOutcome, instance = "sink-1:9464"): Observation => ({ target: "sink", instance, outcome });
const producer = (ticks: number): Observation => ({ target: "realtime-producer", instance: "realtime-producer:9464", outcome: answered([s(METRICS.ticksProduced, ticks, { symbol: "AAPL" })]) });

describe("pipeline health", () => {
  it("turns counters into rates per second and totals, and says the pipeline is healthy", () => {
    const model = new HealthModel(["realtime-producer", "sink"], T0);
    const first = model.observe(T0, [producer(100), sink(answered(sinkSamples({ recordsIn: 100, written: 80, objects: 10, lag: { 0: 3, 1: 0 } })))]);
    assert.equal(first.landedPerSecond, null, "a rate needs two readings");
    assert.equal(first.landedTotal, 80);
    assert.equal(first.lastLandedAgeSeconds, null, "objects landed before the dashboard watched are of unknown age");
    const h = model.observe(T0 + 2_000, [producer(116), sink(answered(sinkSamples({ recordsIn: 120, written: 100, objects: 12, lag: { 0: 1, 1: 0 } })))]);
    assert.equal(h.ticksProducedPerSecond, 8);
    assert.equal(h.recordsInPerSecond, 10);
    assert.equal(h.landedPerSecond, 10);
    assert.equal(h.landedTotal, 100);
    assert.equal(h.lastLandedAgeSeconds, 0);
    assert.deepEqual(h.lag.partitions?.map((p) => [p.partition, p.lag, p.growing]), [[0, 1, false], [1, 0, false]]);
    assert.deepEqual(h.functions.map((f) => [f.name, f.status.level, f.status.text]), [
      ["realtime-producer", "ok", "realtime-producer up"],
      ["sink", "ok", "sink up"],
    ]);
    assert.deepEqual(h.overall, { level: "ok", text: "Pipeline healthy: records are landing" });
  });

  it("averages rates over its window, so that bursty flushes read as a steady rate", () => {
    const model = new HealthModel(["sink"], T0, { rateWindowMs: 4_000 });
    const at = (ms: number, written: number) => model.observe(T0 + ms, [sink(answered(sinkSamples({ recordsIn: written, written, objects: written })))]).landedPerSecond;
    at(0, 0);
    at(1_000, 0);
    at(2_000, 40);
    assert.equal(at(3_000, 40), 40 / 3);
    assert.equal(at(4_000, 40), 10);
    assert.equal(at(6_000, 40), 0, "the burst left the window");
  });

  it("shows a sink that refuses connections as down, in words, and every number it gave as unknown", () => {
    const model = new HealthModel(["realtime-producer", "sink"], T0);
    model.observe(T0, [producer(100), sink(answered(sinkSamples({ recordsIn: 100, written: 80, objects: 10, lag: { 0: 3 }, dead: { not_json: 2 } })))]);
    const h = model.observe(T0 + 2_000, [producer(116), sink({ kind: "down", error: "connection failed (ECONNREFUSED)" })]);
    const sinkHealth = h.functions.find((f) => f.name === "sink")!;
    assert.deepEqual(sinkHealth.status, { level: "bad", text: "sink down" });
    assert.equal(sinkHealth.instances[0]!.detail, "connection failed (ECONNREFUSED)");
    assert.equal(sinkHealth.instances[0]!.lastSeen, new Date(T0).toISOString());
    assert.deepEqual(h.sink, { level: "bad", text: "Sink down: no sink answers" });
    assert.deepEqual(h.overall, h.sink, "the worst news is the headline");
    for (const reading of [h.recordsInPerSecond, h.landedPerSecond, h.landedTotal, h.lastLandedAgeSeconds, h.deadLetters.total]) assert.equal(reading, null);
    assert.equal(h.lag.partitions, null);
    assert.equal(h.lag.status.level, "unknown");
    assert.equal(h.ticksProducedPerSecond, 8, "the producer still answers");
  });

  it("shows an endpoint that times out as unknown, not as up or down", () => {
    const model = new HealthModel(["sink"], T0);
    const h = model.observe(T0, [sink({ kind: "unknown", error: "no answer within 1500 ms" })]);
    assert.deepEqual(h.functions[0]!.status, { level: "unknown", text: "sink unknown: no answer" });
    assert.equal(h.functions[0]!.instances[0]!.state, "unknown");
    assert.equal(h.landedTotal, null);
  });

  it("shows a function that answers 503 on /readyz as not ready, with its reason", () => {
    const model = new HealthModel(["sink"], T0);
    const h = model.observe(T0, [sink(answered(sinkSamples({ recordsIn: 0, written: 0, objects: 0 }), false))]);
    assert.deepEqual(h.functions[0]!.status, { level: "warn", text: "sink not ready" });
    assert.equal(h.functions[0]!.instances[0]!.detail, '{"partitions":0}');
  });

  it("counts the instances of a function that runs several, and sums what they report", () => {
    const model = new HealthModel(["sink"], T0);
    const h = model.observe(T0, [
      sink(answered(sinkSamples({ recordsIn: 10, written: 10, objects: 1, lag: { 0: 5, 1: 2 }, dead: { not_json: 1 } })), "10.0.0.1:9464"),
      sink(answered(sinkSamples({ recordsIn: 10, written: 5, objects: 1, lag: { 1: 7 }, dead: { not_json: 2, key_mismatch: 1 } })), "10.0.0.2:9464"),
      sink({ kind: "down", error: "connection failed (ECONNREFUSED)" }, "10.0.0.3:9464"),
    ]);
    assert.deepEqual(h.functions[0]!.status, { level: "bad", text: "sink down (2 of 3 up)" });
    assert.equal(h.landedTotal, 15);
    assert.deepEqual(h.lag.partitions?.map((p) => [p.partition, p.lag]), [[0, 5], [1, 7]], "a partition reported twice (after a rebalance) shows its worst lag");
    assert.deepEqual(h.deadLetters, { byReason: { not_json: 3, key_mismatch: 1 }, total: 4 });
  });

  it("says lag is growing when it rose at each of the last readings, and not when it wobbles", () => {
    const model = new HealthModel(["sink"], T0, { lagTrendReadings: 4 });
    const round = (i: number, lag0: number, lag1: number) =>
      model.observe(T0 + i * 1000, [sink(answered(sinkSamples({ recordsIn: 100 * i, written: 100 * i, objects: i, lag: { 0: lag0, 1: lag1 } })))]);
    round(0, 10, 4);
    round(1, 20, 0);
    round(2, 30, 4);
    const growing = round(3, 40, 2);
    assert.deepEqual(growing.lag.partitions?.map((p) => p.growing), [true, false]);
    assert.deepEqual(growing.lag.partitions?.[0]?.status, { level: "warn", text: "growing (40)" });
    assert.deepEqual(growing.lag.status, { level: "warn", text: "Lag growing on stock-market-realtime[0]" });
    assert.equal(growing.overall.level, "warn");
    assert.equal(round(4, 35, 2).lag.partitions?.[0]?.growing, false, "one reading down ends it");
  });

  it("says the sink stalled when records keep arriving and nothing lands, and how long ago the last object landed", () => {
    const model = new HealthModel(["sink"], T0, { stallAfterMs: 10_000 });
    model.observe(T0, [sink(answered(sinkSamples({ recordsIn: 100, written: 100, objects: 5 })))]);
    const landed = model.observe(T0 + 1_000, [sink(answered(sinkSamples({ recordsIn: 110, written: 110, objects: 6 })))]);
    assert.deepEqual(landed.lastLanded, { level: "ok", text: "last object landed 0 s ago" });
    let h = landed;
    for (let i = 2; i <= 13; i++) h = model.observe(T0 + i * 1_000, [sink(answered(sinkSamples({ recordsIn: 110 + 10 * i, written: 110, objects: 6 })))]);
    assert.equal(h.lastLandedAgeSeconds, 12);
    assert.deepEqual(h.lastLanded, { level: "warn", text: "last object landed 12 s ago" });
    assert.deepEqual(h.sink, { level: "bad", text: "Sink stalled: records arrive but nothing landed for 12 s" });
    assert.equal(h.functions[0]!.status.level, "ok", "the process is up; the pipeline is not");
  });

  it("takes a restarted sink's lower counters as a restart from zero, not as a negative rate", () => {
    const model = new HealthModel(["sink"], T0);
    model.observe(T0, [sink(answered(sinkSamples({ recordsIn: 1000, written: 1000, objects: 50 })))]);
    const h = model.observe(T0 + 2_000, [sink(answered(sinkSamples({ recordsIn: 20, written: 20, objects: 2 })))]);
    assert.equal(h.landedPerSecond, 10);
    assert.equal(h.lastLandedAgeSeconds, 0);
  });

  it("shows a discovered function with no instance as down, and forgets instances that went away", () => {
    const model = new HealthModel(["sink"], T0);
    model.observe(T0, [sink(answered(sinkSamples({ recordsIn: 1, written: 1, objects: 1 })), "10.0.0.9:9464")]);
    const h = model.observe(T0 + 1_000, [sink({ kind: "down", error: "no instance: ENOTFOUND" }, "sink-metrics:9464")]);
    assert.deepEqual(h.functions[0]!.instances.map((i) => i.instance), ["sink-metrics:9464"]);
    assert.equal(h.functions[0]!.status.level, "bad");
  });

  it("keeps a bounded number of lag and dead-letter series, whatever an endpoint reports", () => {
    const model = new HealthModel(["sink"], T0, { maxLagSeries: 16 });
    const lag = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [String(i), i]));
    const dead = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`code_${i}`, 1]));
    for (let i = 0; i < 3; i++) {
      const h = model.observe(T0 + i * 1000, [sink(answered(sinkSamples({ recordsIn: i, written: i, objects: i, lag, dead })))]);
      assert.equal(h.lag.partitions?.length, 16);
      assert.equal(Object.keys(h.deadLetters.byReason!).length, 16);
    }
  });

  it("shows every reading as unknown before the first round", () => {
    const h = pendingHealth(["realtime-producer", "sink"], T0);
    assert.equal(h.overall.level, "unknown");
    assert.deepEqual(h.functions.map((f) => f.status.level), ["unknown", "unknown"]);
    assert.equal(h.landedTotal, null);
  });
});
