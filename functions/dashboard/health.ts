import { SINK_FLUSH_DEFAULTS } from "../../contract";
import type { WatchedFunction } from "./config";
import type { FunctionHealth, InstanceHealth, Level, PartitionLag, PipelineHealth, Reading, Status } from "./messages";
import { samplesOf, sumOf, type Sample } from "./prometheus";

/** Metric names the panel reads, as the functions define them (functions/sink/metrics.ts, functions/realtime-producer/producer.ts). */
export const METRICS = {
  ticksProduced: "ticks_produced_total",
  recordsIn: "sink_records_in_total",
  recordsWritten: "sink_records_written_total",
  objectsWritten: "sink_objects_written_total",
  deadLettered: "sink_dead_lettered_total",
  lag: "sink_consumer_lag",
} as const;

/**
 * What one scrape of one instance gave. `down` means nothing listens there (connection refused,
 * name not found); `unknown` that it did not answer usefully (timeout, an error status, garbage).
 */
export type ScrapeOutcome =
  | { kind: "answered"; ready: boolean; readyDetail?: string; samples: Sample[] }
  | { kind: "down"; error: string }
  | { kind: "unknown"; error: string };

export interface Observation {
  target: WatchedFunction;
  instance: string;
  outcome: ScrapeOutcome;
}

export interface HealthOptions {
  /**
   * Records consumed but nothing landed for this long is a stalled sink: twice the sink's default
   * flush interval, since at its defaults a partition's ticks land once a minute. @default 120000
   */
  stallAfterMs?: number;
  /** Lag that rose at each of this many consecutive readings is growing. @default 5 */
  lagTrendReadings?: number;
  /** Lag series kept per round; the rest are ignored, so a rogue endpoint cannot take the memory. @default 512 */
  maxLagSeries?: number;
  /** Rates are averaged over the readings of this long, smoothing bursts of flushes. @default 10000 */
  rateWindowMs?: number;
}

/** Readings kept per instance, whatever the scrape interval. */
const MAX_READINGS = 64;

interface Counters {
  at: number;
  ticksProduced?: number;
  recordsIn?: number;
  recordsWritten?: number;
  objectsWritten?: number;
}

interface InstanceState {
  /** Oldest first, spanning at most `rateWindowMs`. */
  readings: Counters[];
  lastSeen?: number;
}

const RANK: Record<Level, number> = { ok: 0, unknown: 1, warn: 2, bad: 3 };

export function worst(statuses: readonly Status[]): Status {
  return statuses.reduce<Status>((w, s) => (RANK[s.level] > RANK[w.level] ? s : w), { level: "ok", text: "all good" });
}

const status = (level: Level, text: string): Status => ({ level, text });

/** A counter's increase, treating a drop as a restart from zero (as Prometheus' rate() does). */
function increase(previous: number | undefined, latest: number | undefined): number | undefined {
  if (previous === undefined || latest === undefined) return undefined;
  return latest >= previous ? latest - previous : latest;
}

/** Per second over the readings, each step's increase taken on its own so that a restart in between counts right. */
function rate(readings: readonly Counters[], name: "ticksProduced" | "recordsIn" | "recordsWritten"): number | undefined {
  const first = readings[0];
  const last = readings.at(-1);
  if (!first || !last || last.at <= first.at) return undefined;
  let total = 0;
  for (let i = 1; i < readings.length; i++) {
    const step = increase(readings[i - 1]![name], readings[i]![name]);
    if (step === undefined) return undefined;
    total += step;
  }
  return total / ((last.at - first.at) / 1000);
}

function sumReadings(values: (number | undefined)[]): Reading {
  const known = values.filter((v): v is number => v !== undefined);
  return known.length === 0 ? null : known.reduce((a, b) => a + b, 0);
}

function ago(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 120 ? `${s} s ago` : `${Math.round(s / 60)} min ago`;
}

/**
 * Turns rounds of scrapes into what the health panel shows. Pure apart from its memory of the
 * previous rounds, which is bounded: a few readings per instance and per lag series.
 */
export class HealthModel {
  private readonly instances = new Map<string, InstanceState>();
  private readonly lagHistory = new Map<string, number[]>();
  private lastLandedAt?: number;
  private lastRecordsInAt?: number;
  private readonly stallAfterMs: number;
  private readonly lagTrendReadings: number;
  private readonly maxLagSeries: number;
  private readonly rateWindowMs: number;

  constructor(
    private readonly watched: readonly WatchedFunction[],
    private readonly startedAt: number,
    options: HealthOptions = {},
  ) {
    this.stallAfterMs = options.stallAfterMs ?? 2 * SINK_FLUSH_DEFAULTS.intervalMs;
    this.lagTrendReadings = options.lagTrendReadings ?? 5;
    this.maxLagSeries = options.maxLagSeries ?? 512;
    this.rateWindowMs = options.rateWindowMs ?? 10_000;
  }

  /** Takes one round (every instance scraped once at `at`) and returns the panel. */
  observe(at: number, round: readonly Observation[]): PipelineHealth {
    const answered = round.filter((o): o is Observation & { outcome: { kind: "answered" } } => o.outcome.kind === "answered");
    const present = new Set(round.map((o) => `${o.target}|${o.instance}`));
    for (const key of this.instances.keys()) if (!present.has(key)) this.instances.delete(key);

    const rates: Record<"ticksProduced" | "recordsIn" | "recordsWritten", (number | undefined)[]> = { ticksProduced: [], recordsIn: [], recordsWritten: [] };
    let landedNow = false;
    let recordsArrived = false;
    for (const o of answered) {
      const key = `${o.target}|${o.instance}`;
      const samples = o.outcome.samples;
      const counters: Counters = {
        at,
        ticksProduced: sumOf(samples, METRICS.ticksProduced),
        recordsIn: sumOf(samples, METRICS.recordsIn),
        recordsWritten: sumOf(samples, METRICS.recordsWritten),
        objectsWritten: sumOf(samples, METRICS.objectsWritten),
      };
      const readings = [...(this.instances.get(key)?.readings ?? []), counters].filter((r) => at - r.at <= this.rateWindowMs).slice(-MAX_READINGS);
      for (const name of ["ticksProduced", "recordsIn", "recordsWritten"] as const) rates[name].push(rate(readings, name));
      const previous = readings.at(-2);
      if ((increase(previous?.objectsWritten, counters.objectsWritten) ?? 0) > 0) landedNow = true;
      if ((increase(previous?.recordsIn, counters.recordsIn) ?? 0) > 0) recordsArrived = true;
      this.instances.set(key, { readings, lastSeen: at });
    }
    for (const o of round) {
      if (o.outcome.kind !== "answered") {
        const key = `${o.target}|${o.instance}`;
        // A rate across a gap would average over time the instance was not seen: start again.
        this.instances.set(key, { readings: [], lastSeen: this.instances.get(key)?.lastSeen });
      }
    }
    if (landedNow) this.lastLandedAt = at;
    if (recordsArrived) this.lastRecordsInAt = at;

    const sinks = answered.filter((o) => o.target === "sink");
    const functions = this.functionHealth(round);
    const lag = this.lag(sinks);
    const deadLetters = this.deadLetters(sinks);
    const sinkTargets = round.filter((o) => o.target === "sink");
    const sink = this.sinkStatus(at, sinkTargets.length, sinks.length);
    const lastLandedAgeSeconds = this.lastLandedAt === undefined ? null : (at - this.lastLandedAt) / 1000;
    const lastLanded =
      this.lastLandedAt === undefined
        ? status("unknown", sinks.length === 0 ? "unknown" : `none seen since the dashboard started ${ago(at - this.startedAt)}`)
        : at - this.lastLandedAt > this.stallAfterMs
          ? status("warn", `last object landed ${ago(at - this.lastLandedAt)}`)
          : status("ok", `last object landed ${ago(at - this.lastLandedAt)}`);
    const overall = worst([sink, lag.status, ...functions.map((f) => f.status)]);
    return {
      overall: overall.level === "ok" ? status("ok", "Pipeline healthy: records are landing") : overall,
      functions,
      ticksProducedPerSecond: sumReadings(rates.ticksProduced),
      recordsInPerSecond: sumReadings(rates.recordsIn),
      landedPerSecond: sumReadings(rates.recordsWritten),
      landedTotal: sinks.length === 0 ? null : sinks.reduce((total, o) => total + (sumOf(o.outcome.samples, METRICS.recordsWritten) ?? 0), 0),
      sink,
      lag,
      deadLetters,
      lastLandedAgeSeconds: sinks.length === 0 ? null : lastLandedAgeSeconds,
      lastLanded: sinks.length === 0 ? status("unknown", "unknown: no sink answered") : lastLanded,
      at: new Date(at).toISOString(),
    };
  }

  private functionHealth(round: readonly Observation[]): FunctionHealth[] {
    return this.watched.map((name) => {
      const instances: InstanceHealth[] = round.filter((o) => o.target === name).map((o) => this.instanceHealth(o));
      if (instances.length === 0) return { name, status: status("bad", `${name} down: no instance found`), instances };
      const down = instances.filter((i) => i.state === "down").length;
      const notReady = instances.filter((i) => i.state === "not ready").length;
      const unknown = instances.filter((i) => i.state === "unknown").length;
      const of = instances.length > 1 ? ` (${instances.length - down - notReady - unknown} of ${instances.length} up)` : "";
      const s =
        down > 0
          ? status("bad", `${name} down${of}`)
          : notReady > 0
            ? status("warn", `${name} not ready${of}`)
            : unknown > 0
              ? status("unknown", `${name} unknown: no answer${of}`)
              : status("ok", `${name} up`);
      return { name, status: s, instances };
    });
  }

  private instanceHealth(o: Observation): InstanceHealth {
    const lastSeen = this.instances.get(`${o.target}|${o.instance}`)?.lastSeen;
    const seen = lastSeen === undefined ? {} : { lastSeen: new Date(lastSeen).toISOString() };
    switch (o.outcome.kind) {
      case "answered":
        return o.outcome.ready
          ? { instance: o.instance, state: "up", status: status("ok", "up"), ...seen }
          : { instance: o.instance, state: "not ready", status: status("warn", "not ready"), detail: o.outcome.readyDetail, ...seen };
      case "down":
        return { instance: o.instance, state: "down", status: status("bad", "down"), detail: o.outcome.error, ...seen };
      case "unknown":
        return { instance: o.instance, state: "unknown", status: status("unknown", "unknown"), detail: o.outcome.error, ...seen };
    }
  }

  private sinkStatus(at: number, targets: number, answered: number): Status {
    if (!this.watched.includes("sink")) return status("unknown", "no sink endpoint configured");
    if (targets === 0) return status("bad", "Sink down: no sink instance found");
    if (answered === 0) return status("bad", "Sink down: no sink answers");
    const since = this.lastLandedAt ?? this.startedAt;
    if (this.lastRecordsInAt !== undefined && this.lastRecordsInAt > since && at - since > this.stallAfterMs) {
      return status("bad", `Sink stalled: records arrive but nothing landed for ${Math.round((at - since) / 1000)} s`);
    }
    return status("ok", this.lastLandedAt === undefined ? "Sink up, nothing to land yet" : "Sink landing records");
  }

  private lag(sinks: readonly (Observation & { outcome: { kind: "answered" } })[]): PipelineHealth["lag"] {
    if (sinks.length === 0) {
      this.lagHistory.clear();
      return { partitions: null, status: status("unknown", "lag unknown: no sink answers") };
    }
    // After a rebalance an instance may still report a partition it gave away: take the worst.
    const byPartition = new Map<string, { topic: string; partition: number; lag: number }>();
    for (const o of sinks) {
      for (const s of samplesOf(o.outcome.samples, METRICS.lag)) {
        const partition = Number(s.labels.partition);
        if (s.labels.topic === undefined || !Number.isInteger(partition) || !Number.isFinite(s.value)) continue;
        const key = `${s.labels.topic}[${partition}]`;
        if (!byPartition.has(key) && byPartition.size >= this.maxLagSeries) continue;
        const lag = Math.max(s.value, byPartition.get(key)?.lag ?? -Infinity);
        byPartition.set(key, { topic: s.labels.topic, partition, lag });
      }
    }
    for (const key of this.lagHistory.keys()) if (!byPartition.has(key)) this.lagHistory.delete(key);
    const partitions: PartitionLag[] = [...byPartition.entries()]
      .sort(([, a], [, b]) => a.topic.localeCompare(b.topic) || a.partition - b.partition)
      .map(([key, p]) => {
        const history = [...(this.lagHistory.get(key) ?? []), p.lag].slice(-this.lagTrendReadings);
        this.lagHistory.set(key, history);
        const growing = history.length === this.lagTrendReadings && history.every((v, i) => i === 0 || v > history[i - 1]!);
        return { ...p, growing, status: growing ? status("warn", `growing (${p.lag})`) : status("ok", String(p.lag)) };
      });
    const growing = partitions.filter((p) => p.growing);
    return {
      partitions,
      status:
        growing.length > 0
          ? status("warn", `Lag growing on ${growing.map((p) => `${p.topic}[${p.partition}]`).join(", ")}`)
          : status("ok", partitions.length === 0 ? "no lag reported yet" : `lag ${Math.max(...partitions.map((p) => p.lag))} at most`),
    };
  }

  private deadLetters(sinks: readonly (Observation & { outcome: { kind: "answered" } })[]): PipelineHealth["deadLetters"] {
    if (sinks.length === 0) return { byReason: null, total: null };
    const byReason: Record<string, number> = {};
    for (const o of sinks) {
      for (const s of samplesOf(o.outcome.samples, METRICS.deadLettered)) {
        const code = s.labels.code ?? "unknown";
        if (!(code in byReason) && Object.keys(byReason).length >= this.maxLagSeries) continue;
        byReason[code] = (byReason[code] ?? 0) + s.value;
      }
    }
    return { byReason, total: Object.values(byReason).reduce((a, b) => a + b, 0) };
  }
}

/** The panel before the first round has been read. */
export function pendingHealth(watched: readonly WatchedFunction[], at: number): PipelineHealth {
  const waiting = status("unknown", "unknown: not read yet");
  return {
    overall: status("unknown", "Waiting for the first readings"),
    functions: watched.map((name) => ({ name, status: waiting, instances: [] })),
    ticksProducedPerSecond: null,
    recordsInPerSecond: null,
    landedPerSecond: null,
    landedTotal: null,
    sink: waiting,
    lag: { partitions: null, status: waiting },
    deadLetters: { byReason: null, total: null },
    lastLandedAgeSeconds: null,
    lastLanded: waiting,
    at: new Date(at).toISOString(),
  };
}
