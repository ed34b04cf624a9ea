/**
 * The data plane's figures on the harness's real servers (Kafka in KRaft mode, S3Proxy): the
 * sink's start-up, steady-state throughput and landing latency, the batch path, and the objects
 * each run wrote. Each figure comes with its baseline, measured in the same run on the same topic.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { availableParallelism } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import type { Kafka, Producer } from "kafkajs";
import { Registry } from "prom-client";
import { DEFAULT_BATCH_SYMBOLS, DEFAULT_REALTIME_SYMBOLS, ENV, FUNCTION_COMMANDS, TICK_SCHEMA, TOPICS, encodeRecord, parseDataObjectKey, tickId, type Tick } from "../contract";
import { FIXTURE_RANGE, fixtureSource } from "../functions/batch-producer/fixtures/client";
import { createBatchMetrics } from "../functions/batch-producer/metrics";
import { openKafkaPublisher } from "../functions/batch-producer/publish";
import { run as runBatch } from "../functions/batch-producer/run";
import { producerConfig, silentLogger } from "../functions/lib";
import { readSinkSettings } from "../functions/sink/config";
import { FunctionProcess, createBucket, functionsBundle, kafkaClient, readLanded, recreatePlatformTopics, s3Client, sinkEnvironment, type TestServers } from "../test/harness";
import { cpuPerRecord, sampleCpu } from "./cpu";
import { markTime, median, quantile, runMarked, untilLogged, type LogLine } from "./processes";
import { round, showRatio, type Figure } from "./report";

export interface Rig {
  servers: TestServers;
  kafka: Kafka;
  s3: S3Client;
  /** The bundled raw consumer (bench/raw-consumer.ts). */
  rawConsumer: string;
}

const SEED_BATCH_SECONDS = 30;
/** Flushes of the throughput run: many per partition, so that writes overlap reading, as in a backlog. */
const FLUSH_RECORDS = 20_000;
/** The throughput run's flush interval: a batch of a partition read in turn with two others fills well before it. */
const BACKLOG_INTERVAL_MS = 2_000;
/** The throughput run's buffer limit: about 260,000 ticks, a quarter of the default backlog. */
const BACKLOG_BUFFER_BYTES = 32 * 1024 * 1024;
const START_TIME = Date.parse("2026-03-02T14:30:00.000Z");
/** The sink's own defaults, to run it as a stack would (the harness's env is tuned for tests). */
const DEFAULTS = readSinkSettings({ [ENV.rawBucket]: "defaults", [ENV.kafkaBrokers]: "localhost:9092" });
const PRODUCTION_ENV = {
  [ENV.sinkFlushIntervalMs]: String(DEFAULTS.flush[TOPICS.realtime]!.intervalMs),
  [ENV.sinkSessionTimeoutMs]: String(DEFAULTS.sessionTimeoutMs),
  [ENV.sinkS3RequestTimeoutMs]: String(DEFAULTS.s3RequestTimeoutMs),
  [ENV.logLevel]: "info",
};

function tick(i: number, at = START_TIME + Math.floor(i / DEFAULT_REALTIME_SYMBOLS.length) * 1000): Tick {
  const symbol = DEFAULT_REALTIME_SYMBOLS[i % DEFAULT_REALTIME_SYMBOLS.length]!;
  const cents = 10_000 + (i % 500) * 10;
  // On whole cents, as the realtime producer quotes them.
  return { symbol, event_time: new Date(at).toISOString(), price: cents / 100, bid: (cents - 1) / 100, ask: (cents + 1) / 100, volume: 100, source: "simulated" };
}

async function connectProducer(rig: Rig): Promise<Producer> {
  const producer = rig.kafka.producer(producerConfig({ brokers: rig.servers.kafka.brokers, clientId: "bench", ssl: false, acks: "all" }));
  await producer.connect();
  return producer;
}

/** Ticks `from`..`from + count - 1` of one deterministic stream, 1,000 per produce request. */
async function produceTicks(rig: Rig, from: number, count: number): Promise<void> {
  const producer = await connectProducer(rig);
  for (let i = from; i < from + count; i += 1_000) {
    const ticks = Array.from({ length: Math.min(1_000, from + count - i) }, (_, k) => tick(i + k));
    await producer.send({ topic: TOPICS.realtime, acks: -1, messages: ticks.map((t) => ({ key: t.symbol, value: encodeRecord(TICK_SCHEMA, t) })) });
  }
  await producer.disconnect();
}

async function newBucket(rig: Rig): Promise<string> {
  const bucket = `bench-${randomBytes(4).toString("hex")}`;
  await createBucket(rig.s3, bucket);
  return bucket;
}

/** BENCH_CPU_PROF=<folder> writes a CPU profile of every sink and raw consumer there (`node --cpu-prof`). */
export function profiling(): Record<string, string> {
  const dir = process.env.BENCH_CPU_PROF;
  return dir ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${path.resolve(dir)}` } : {};
}

async function startSink(rig: Rig, bucket: string, overrides: Record<string, string>): Promise<{ sink: FunctionProcess; spawnedAt: number }> {
  await functionsBundle(); // built before the clock starts
  const env = sinkEnvironment(rig.servers, bucket, `bench-${randomBytes(4).toString("hex")}`, { ...PRODUCTION_ENV, ...profiling(), ...overrides });
  const spawnedAt = Date.now();
  return { sink: await FunctionProcess.start("bench-sink", FUNCTION_COMMANDS.sink, env), spawnedAt };
}

const flushes = (lines: LogLine[], topic: string) => lines.filter((l) => l.msg === "flushed" && l.topic === topic).map((l) => ({ time: l.time, records: Number(l.records) }));
const landedRecords = (lines: LogLine[], topic: string) => flushes(lines, topic).reduce((n, f) => n + f.records, 0);
const recoveredAll = (lines: LogLine[]) => lines.filter((l) => l.msg === "partition recovered").length >= 6;

interface ObjectStats {
  objects: number;
  bytes: number;
}

async function objectStats(rig: Rig, bucket: string): Promise<ObjectStats> {
  const stats = { objects: 0, bytes: 0 };
  let token: string | undefined;
  do {
    const page = await rig.s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const o of page.Contents ?? []) {
      if (!o.Key || !parseDataObjectKey(o.Key)) continue;
      stats.objects += 1;
      stats.bytes += o.Size ?? 0;
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return stats;
}

function objectsFigure(id: string, run: string, stats: ObjectStats, records: number, notes?: string): Figure {
  return {
    id,
    label: `objects written: ${run}`,
    figure: { value: stats.objects, unit: "objects", what: `${round(stats.bytes / stats.objects / 1024, 1)} kB each on average` },
    baseline: { value: records, unit: "objects", what: "one per record, as the seed wrote them" },
    ratio: stats.objects / records,
    ratioMeaning: "of the seed's objects",
    notes,
  };
}

/** Process start to group joined and to first commit: the sink against a raw consumer process, medians of `samples`. */
export async function startupFigures(rig: Rig, samples = 3): Promise<Figure[]> {
  await recreatePlatformTopics(rig.kafka);
  await produceTicks(rig, 0, 1_000);
  const sink = { joined: [] as number[], committed: [] as number[], running: [] as number[] };
  const raw = { joined: [] as number[], first: [] as number[] };
  for (let i = 0; i < samples; i++) {
    const r = await runMarked(rig.rawConsumer, { KAFKA_BROKERS: rig.servers.kafka.brokers.join(","), BENCH_GROUP: `bench-raw-${randomBytes(4).toString("hex")}`, BENCH_TOPICS: `${TOPICS.realtime},${TOPICS.batch}`, BENCH_COUNT: "1" });
    raw.joined.push(markTime(r, "joined") - r.spawnedAt);
    raw.first.push(markTime(r, "first") - r.spawnedAt);

    const { sink: s, spawnedAt } = await startSink(rig, await newBucket(rig), { [ENV.sinkFlushIntervalMs]: "100" });
    const lines = await untilLogged(s, (ls) => ls.some((l) => l.msg === "flushed"), "the first commit");
    await s.kill();
    sink.running.push(lines.find((l) => l.msg === "sink starting")!.time - spawnedAt);
    sink.joined.push(lines.find((l) => l.msg === "partitions assigned")!.time - spawnedAt);
    sink.committed.push(lines.find((l) => l.msg === "flushed")!.time - spawnedAt);
  }
  const s = (ms: number[]) => round(median(ms) / 1000, 2);
  const notes = `median of ${samples} starts of a new group on 1,000 ticks; SINK_FLUSH_INTERVAL_MS=100, other settings the defaults; the sink's code runs ${s(sink.running)} s after spawn`;
  return [
    {
      id: "sink.startup.joined",
      label: "sink start-up: process start to group joined",
      figure: { value: s(sink.joined), unit: "s", what: "the sink" },
      baseline: { value: s(raw.joined), unit: "s", what: "a raw kafkajs consumer process" },
      ratio: median(sink.joined) / median(raw.joined),
      ratioMeaning: "of the raw consumer's time",
      notes,
    },
    {
      id: "sink.startup.firstCommit",
      label: "sink start-up: process start to first commit",
      figure: { value: s(sink.committed), unit: "s", what: "first batch durable and committed" },
      baseline: { value: s(raw.first), unit: "s", what: "raw consumer process to its first message" },
      ratio: median(sink.committed) / median(raw.first),
      ratioMeaning: "of the raw consumer's time",
      notes,
    },
  ];
}

/** Seconds from kcat's first output to its exit, reading every partition of `topic` to its end. */
function kcatSeconds(rig: Rig, topic: string, expected: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn("kcat", ["-C", "-b", rig.servers.kafka.brokers[0]!, "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%o\\n"], { stdio: ["ignore", "pipe", "pipe"] });
    let first = 0;
    let lines = 0;
    let err = "";
    child.stdout.on("data", (d: Buffer) => {
      first ||= Date.now();
      for (const byte of d) if (byte === 10) lines++;
    });
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code !== 0) return reject(new Error(`kcat exited with ${code}: ${err}`));
      if (lines !== expected) return reject(new Error(`kcat read ${lines} messages, not ${expected}`));
      resolve((Date.now() - first) / 1000);
    });
  });
}

/** CPU a record, in µs, of the reader (the raw consumer or the sink), the broker and the S3 server over a run's timed part; undefined where /proc cannot tell. */
interface RunCpu {
  reader?: number;
  broker?: number;
  s3?: number;
}

const serverPids = (rig: Rig) => ({ broker: rig.servers.kafka.pid, s3: rig.servers.s3.pid });

/** The raw consumer's records a second, from the end of its first fetch to its last message, and the CPU that reading cost. */
async function rawRate(rig: Rig, count: number): Promise<{ rate: number; cpu: RunCpu }> {
  const before = sampleCpu(serverPids(rig));
  const raw = await runMarked(rig.rawConsumer, { KAFKA_BROKERS: rig.servers.kafka.brokers.join(","), BENCH_GROUP: `bench-raw-${randomBytes(4).toString("hex")}`, BENCH_TOPICS: TOPICS.realtime, BENCH_COUNT: String(count), ...profiling() });
  const after = sampleCpu(serverPids(rig));
  const done = raw.marks.find((m) => m.event === "done")!;
  const fetched = raw.marks.find((m) => m.event === "fetched")!;
  const firstFetch = Number(done.firstFetch);
  const reader = (Number(done.cpuMicros) - Number(fetched.cpuMicros)) / (count - firstFetch);
  return {
    rate: (count - firstFetch) / ((done.time - fetched.time) / 1000),
    // The broker serves the whole read, the first fetch and the group join (which costs it little) too.
    cpu: { reader: Number.isFinite(reader) ? reader : undefined, broker: cpuPerRecord(before, after, "broker", count) },
  };
}

/**
 * The sink's records a second from its first flush to its last full one, after checking that
 * every tick landed once; the first flush's records, landed when the clock starts, are not
 * counted. A backlog in production is far larger than the sink's buffer, so fetching pauses while
 * writes catch up: the run's buffer is kept to {@link BACKLOG_BUFFER_BYTES}, a small part of the
 * topic, so that records read ahead during start-up do not land in one burst that the rate would
 * count as steady. The clock stops at the last full flush: a partition's last, partial batch waits
 * for its age, {@link BACKLOG_INTERVAL_MS}, after the backlog is read.
 */
async function sinkRate(rig: Rig, count: number, overrides: Record<string, string> = {}): Promise<{ rate: number; flushes: number; bucket: string; cpu: RunCpu }> {
  const bucket = await newBucket(rig);
  const { sink } = await startSink(rig, bucket, {
    [ENV.sinkFlushRecords]: String(FLUSH_RECORDS),
    [ENV.sinkFlushIntervalMs]: String(BACKLOG_INTERVAL_MS),
    [ENV.sinkMaxBufferedBytes]: String(BACKLOG_BUFFER_BYTES),
    ...overrides,
  });
  // CPU from the first flush to the last, as the rate: sampled when the log shows each (polled every 50 ms).
  const pids = { reader: sink.pid, ...serverPids(rig) };
  const atFirst = landedRecords(await untilLogged(sink, (ls) => landedRecords(ls, TOPICS.realtime) > 0, "the first flush"), TOPICS.realtime);
  const before = sampleCpu(pids);
  const lines = await untilLogged(sink, (ls) => landedRecords(ls, TOPICS.realtime) >= count, `${count} records landed`);
  const after = sampleCpu(pids);
  const cpu = Object.fromEntries(Object.keys(pids).map((name) => [name, cpuPerRecord(before, after, name, count - atFirst)])) as RunCpu;
  await sink.terminate(30_000);
  const landed = await readLanded(rig.s3, bucket);
  if (landed.length !== count || new Set(landed.map((l) => tickId(l.record as unknown as Tick))).size !== count) throw new Error(`the sink landed ${landed.length} records, not ${count} distinct ones`);
  const done = flushes(lines, TOPICS.realtime).sort((a, b) => a.time - b.time);
  let last = done.length - 1;
  while (last > 0 && done[last]!.records !== FLUSH_RECORDS) last--;
  const counted = done.slice(1, last + 1).reduce((n, f) => n + f.records, 0);
  return { rate: counted / ((done[last]!.time - done[0]!.time) / 1000), flushes: done.length, bucket, cpu };
}

/**
 * Records a second from the first landed record to the last, excluding start-up and group join:
 * the sink with flushes of 20,000 records against a raw kafkajs consumer with the same fetch
 * settings and kcat, all reading the same topic, on an S3 server warmed beforehand (bench/warm.ts).
 * An untimed read by the raw consumer and an untimed run of the sink come first, so that whichever
 * is timed first finds the broker and the S3 server as warm (their hot code compiled by C2) as the
 * others do. Then they take turns, `rounds` times, every other round in the reverse order, so that
 * a load that rises or falls during the run weighs alike on the sink and on its baselines; each
 * figure is the median of its rounds and each ratio the median of the rounds' ratios.
 */
export async function throughputFigures(rig: Rig, count: number, kcat: boolean, rounds: number): Promise<Figure[]> {
  await recreatePlatformTopics(rig.kafka);
  await produceTicks(rig, 0, count);
  await rawRate(rig, count);
  await sinkRate(rig, count);

  const runs: { raw: number; rawCpu: RunCpu; kcat?: number; sink: number; sinkCpu: RunCpu; inline: number; flushes: number; bucket: string }[] = [];
  for (let r = 0; r < rounds; r++) {
    const run: Partial<(typeof runs)[number]> = {};
    const steps = [
      async () => {
        const raw = await rawRate(rig, count);
        Object.assign(run, { raw: raw.rate, rawCpu: raw.cpu });
      },
      async () => {
        const sink = await sinkRate(rig, count);
        Object.assign(run, { sink: sink.rate, sinkCpu: sink.cpu, flushes: sink.flushes, bucket: sink.bucket });
      },
      async () => (run.inline = (await sinkRate(rig, count, { [ENV.sinkValidationThread]: "false" })).rate),
      async () => (run.kcat = kcat ? count / (await kcatSeconds(rig, TOPICS.realtime, count)) : undefined),
    ];
    for (const step of r % 2 === 0 ? steps : steps.reverse()) await step();
    runs.push(run as (typeof runs)[number]);
  }
  const rawRateMedian = median(runs.map((x) => x.raw));
  const sinkRateMedian = median(runs.map((x) => x.sink));
  const each = (f: (x: (typeof runs)[number]) => number) => runs.map((x) => showRatio(f(x))).join(", ");

  // Smaller backlogs are read ahead whole while the first writes are slow: their rate times the writes catching up.
  const backlogBytes = count * (encodeRecord(TICK_SCHEMA, tick(0)).length + 1);
  const warning = backlogBytes < 3 * BACKLOG_BUFFER_BYTES ? `warning: the backlog (${round(backlogBytes / 2 ** 20, 0)} MiB) is under 3 times the sink's buffer, so the sink's rate is not steady` : undefined;
  if (warning) console.log(warning);
  const notes =
    `${count.toLocaleString("en")} ticks on 3 partitions of one broker, read ${rounds} times by each in turn, every other round in the reverse order, after an untimed read and an untimed sink run, on servers compiling as in production (C2), S3Proxy warmed first (medians); the sink flushes every ${FLUSH_RECORDS.toLocaleString("en")} records ` +
    `(${runs[0]!.flushes} flushes), validates, writes JSON Lines, journals and commits each, and every run is checked to land each tick once; ` +
    `the sink's rate is from its first flush to its last full one, with a buffer of ${BACKLOG_BUFFER_BYTES / 1024 / 1024} MiB, the raw consumer's from the end of its first fetch; the rounds' ratios: ${each((x) => x.sink / x.raw)}${warning ? `; ${warning}` : ""}`;
  const figures: Figure[] = [
    {
      id: "sink.steadyState",
      label: "sink steady state: first landed record to last",
      figure: { value: Math.round(sinkRateMedian), unit: "records/s", what: "validated, written, committed" },
      baseline: { value: Math.round(rawRateMedian), unit: "records/s", what: "raw kafkajs consumer, same fetch settings, first message to last" },
      ratio: median(runs.map((x) => x.sink / x.raw)),
      ratioMeaning: "of the raw consumer's rate",
      notes,
    },
    {
      id: "sink.steadyState.inline",
      label: "sink steady state, validating on the consumer's thread",
      figure: { value: Math.round(median(runs.map((x) => x.inline))), unit: "records/s", what: "SINK_VALIDATION_THREAD=false, as a one-core instance runs" },
      baseline: { value: Math.round(rawRateMedian), unit: "records/s", what: "the raw consumer, as above" },
      ratio: median(runs.map((x) => x.inline / x.raw)),
      ratioMeaning: "of the raw consumer's rate",
      notes: `the validation thread's gain: ${showRatio(median(runs.map((x) => x.sink / x.inline)))} the inline rate (medians of the rounds); the rounds' ratios: ${each((x) => x.inline / x.raw)}`,
    },
  ];
  if (kcat) {
    const kcatRateMedian = median(runs.map((x) => x.kcat!));
    figures.push({
      id: "sink.steadyState.kcat",
      label: "sink steady state against the client-independent limit",
      figure: { value: Math.round(sinkRateMedian), unit: "records/s", what: "the sink, as above" },
      baseline: { value: Math.round(kcatRateMedian), unit: "records/s", what: "kcat -C -e, first message to last" },
      ratio: median(runs.map((x) => x.sink / x.kcat!)),
      ratioMeaning: "of kcat's rate",
      notes: `raw kafkajs reaches ${showRatio(median(runs.map((x) => x.raw / x.kcat!)))} of kcat; the rounds' ratios: ${each((x) => x.sink / x.kcat!)}`,
    });
  }
  figures.push(...cpuFigures(runs, rawRateMedian));
  figures.push(objectsFigure("objects.throughput", `${count.toLocaleString("en")} ticks, ${FLUSH_RECORDS.toLocaleString("en")}-record flushes`, await objectStats(rig, runs[runs.length - 1]!.bucket), count));
  return figures;
}

interface Observed {
  latencies: number[];
  seen: Set<string>;
}

/**
 * Polls a bucket, reading each new object once, until it held `count` ticks or `giveUp()`:
 * a tick's latency is from its produce timestamp to the listing that showed its object.
 */
async function watchBucket(rig: Rig, bucket: string, sentAt: Map<string, number>, count: number, everyMs: number, giveUp: () => boolean): Promise<Observed> {
  const observed: Observed = { latencies: [], seen: new Set() };
  const read = new Set<string>();
  while (observed.seen.size < count && !giveUp()) {
    const page = await rig.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${TICK_SCHEMA.dataset}/` }));
    const listedAt = Date.now();
    for (const o of page.Contents ?? []) {
      if (!o.Key || read.has(o.Key)) continue;
      // S3Proxy may list an object a moment before it can be read: readable is when GET answers.
      const res = await rig.s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key })).catch((err: { name?: string }) => {
        if (err.name === "NoSuchKey") return undefined;
        throw err;
      });
      if (!res) continue;
      read.add(o.Key);
      const body = await res.Body!.transformToString();
      for (const line of body.split("\n").filter(Boolean)) {
        const id = tickId(JSON.parse(line) as Tick);
        const at = sentAt.get(id);
        if (at === undefined || observed.seen.has(id)) continue;
        observed.seen.add(id);
        observed.latencies.push(listedAt - at);
      }
    }
    await sleep(everyMs);
  }
  return observed;
}

/**
 * Ticks at a steady pace (8 symbols per round), landed by two sinks at once: one set for latency
 * (100 ms flushes) and one with the defaults, each in its own bucket, against a Kafka consumer
 * reading the same ticks (what the streaming job and the dashboard see).
 */
export async function latencyFigures(rig: Rig, ticks = 1_000): Promise<Figure[]> {
  await recreatePlatformTopics(rig.kafka);
  const rounds = Math.ceil(ticks / DEFAULT_REALTIME_SYMBOLS.length);
  const count = rounds * DEFAULT_REALTIME_SYMBOLS.length;
  // Within one default flush interval, so that the default sink's batches close on their age.
  const interval = DEFAULTS.flush[TOPICS.realtime]!.intervalMs;
  const paceMs = Math.floor((interval * 0.9) / rounds);
  const fast = { bucket: await newBucket(rig) };
  const slow = { bucket: await newBucket(rig) };
  const a = await startSink(rig, fast.bucket, { [ENV.sinkFlushIntervalMs]: "100" });
  const b = await startSink(rig, slow.bucket, {});
  await Promise.all([untilLogged(a.sink, recoveredAll, "recovery"), untilLogged(b.sink, recoveredAll, "recovery")]);

  const sentAt = new Map<string, number>();
  const viaKafka: number[] = [];
  const consumer = rig.kafka.consumer({ groupId: `bench-latency-${randomBytes(4).toString("hex")}` });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPICS.realtime, fromBeginning: true });
  let joined!: () => void;
  const consumerJoined = new Promise<void>((resolve) => (joined = resolve));
  consumer.on(consumer.events.GROUP_JOIN, () => joined());
  await consumer.run({
    eachMessage: async ({ message }) => {
      const at = Number(message.timestamp);
      viaKafka.push(Date.now() - at);
    },
  });
  await consumerJoined;

  let deadline = Infinity;
  const giveUp = () => Date.now() > deadline;
  const watching = Promise.all([watchBucket(rig, fast.bucket, sentAt, count, 25, giveUp), watchBucket(rig, slow.bucket, sentAt, count, 100, giveUp)]);
  const producer = await connectProducer(rig);
  const started = Date.now();
  for (let r = 0; r < rounds; r++) {
    const at = Date.now();
    const batch = DEFAULT_REALTIME_SYMBOLS.map((_, k) => tick(r * DEFAULT_REALTIME_SYMBOLS.length + k, at));
    for (const t of batch) sentAt.set(tickId(t), at);
    await producer.send({ topic: TOPICS.realtime, acks: -1, messages: batch.map((t) => ({ key: t.symbol, value: encodeRecord(TICK_SCHEMA, t), timestamp: String(at) })) });
    await sleep(Math.max(0, started + (r + 1) * paceMs - Date.now()));
  }
  await producer.disconnect();
  deadline = Date.now() + interval + 30_000;
  const [fastObserved, slowObserved] = await watching;
  await consumer.disconnect();
  await Promise.all([a.sink.kill(), b.sink.kill()]);
  for (const [name, o] of [["latency", fastObserved], ["defaults", slowObserved]] as const) {
    if (o.seen.size !== count) throw new Error(`the ${name} sink's objects held ${o.seen.size} of the ${count} ticks`);
  }
  const minutes = (Date.now() - started) / 60_000;

  const kafka = { p50: quantile(viaKafka, 0.5), p99: quantile(viaKafka, 0.99), max: Math.max(...viaKafka) };
  const row = (id: string, label: string, o: Observed, setting: string, everyMs: number): Figure => {
    const p50 = quantile(o.latencies, 0.5);
    return {
      id,
      label,
      figure: { value: p50, unit: "ms", what: `p50 (p99 ${quantile(o.latencies, 0.99).toLocaleString("en")} ms, max ${Math.max(...o.latencies).toLocaleString("en")} ms)` },
      baseline: { value: kafka.p50, unit: "ms", what: `p50 from produce to a Kafka consumer (p99 ${kafka.p99.toLocaleString("en")} ms, max ${kafka.max.toLocaleString("en")} ms)` },
      ratio: p50 / Math.max(1, kafka.p50),
      ratioMeaning: "of Kafka's p50",
      notes: `${count.toLocaleString("en")} ticks, ${DEFAULT_REALTIME_SYMBOLS.length} every ${paceMs} ms; ${setting}; the bucket listed every ${everyMs} ms`,
    };
  };
  const slowStats = await objectStats(rig, slow.bucket);
  return [
    row("latency.forLatency", "realtime landing latency: produce to readable object, sink set for latency", fastObserved, "SINK_FLUSH_INTERVAL_MS=100", 25),
    row("latency.defaults", "realtime landing latency: produce to readable object, sink defaults", slowObserved, `defaults (flush every ${interval / 1000} s)`, 100),
    objectsFigure("objects.latency", "the latency run, sink set for latency", await objectStats(rig, fast.bucket), count),
    objectsFigure("objects.defaults", "the latency run, sink defaults", slowStats, count, `${round(slowStats.objects / 3 / minutes, 1)} objects per partition per minute over ${round(minutes, 1)} min`),
  ];
}

/** 2,500 recorded bars from yahoo-finance2's chart() through Kafka to durable objects, with the sink's defaults, once it has joined and recovered. */
export async function batchPathFigures(rig: Rig): Promise<Figure[]> {
  await recreatePlatformTopics(rig.kafka);
  const bucket = await newBucket(rig);
  const { sink } = await startSink(rig, bucket, {});
  await untilLogged(sink, recoveredAll, "recovery");
  const started = Date.now();
  const publisher = await openKafkaPublisher(rig.kafka, { brokers: rig.servers.kafka.brokers, clientId: "bench-batch", ssl: false, acks: "all" });
  const summary = await runBatch(
    { symbols: DEFAULT_BATCH_SYMBOLS, range: FIXTURE_RANGE },
    { source: fixtureSource(), publisher, log: silentLogger, metrics: createBatchMetrics(new Registry()) },
  );
  await publisher.close();
  const published = Date.now();
  const lines = await untilLogged(sink, (ls) => landedRecords(ls, TOPICS.batch) >= summary.bars, `${summary.bars} bars landed`);
  await sink.kill();
  const done = Math.max(...flushes(lines, TOPICS.batch).map((f) => f.time));
  const seconds = (done - started) / 1000;
  const publishSeconds = (published - started) / 1000;
  const notes = `${summary.bars.toLocaleString("en")} bars of ${DEFAULT_BATCH_SYMBOLS.length} symbols; sink defaults (bars flushed ${DEFAULTS.flush[TOPICS.batch]!.idleMs} ms after their burst ends); ${flushes(lines, TOPICS.batch).length} flushes`;
  return [
    {
      id: "batchPath.seed",
      label: "batch path: chart() → Kafka → sink → durable objects",
      figure: { value: round(seconds, 2), unit: "s", what: "producer start to last commit" },
      baseline: { value: SEED_BATCH_SECONDS, unit: "s", what: "the seed (its README's figure)" },
      ratio: SEED_BATCH_SECONDS / seconds,
      ratioMeaning: "faster than the seed",
      notes,
    },
    {
      id: "batchPath.publish",
      label: "batch path against publishing alone",
      figure: { value: round(seconds, 2), unit: "s", what: "as above" },
      baseline: { value: round(publishSeconds, 2), unit: "s", what: "chart() → Kafka, acknowledged" },
      ratio: seconds / publishSeconds,
      ratioMeaning: "of the publishing time",
    },
    objectsFigure("objects.batchPath", "the batch path", await objectStats(rig, bucket), summary.bars),
  ];
}

export function rigFor(servers: TestServers, rawConsumer: string): Rig {
  return { servers, kafka: kafkaClient(servers.kafka, "bench"), s3: s3Client(servers.s3), rawConsumer };
}

/**
 * Where the steady state's CPU goes: the sink's process against the raw consumer's, a record each,
 * with the broker and the S3 server beside them; and the machine's ceiling for any sink that reads
 * as the raw consumer does and stores what it reads, from the raw consumer's CPU, the broker's and
 * the S3 server's a record on this machine's cores, since all of them share those cores here.
 * Medians of the rounds; none where /proc cannot tell (another OS, or servers not started here).
 */
function cpuFigures(runs: readonly { raw: number; rawCpu: RunCpu; sinkCpu: RunCpu }[], rawRateMedian: number): Figure[] {
  const of = (f: (x: (typeof runs)[number]) => number | undefined) => {
    const values = runs.map(f);
    return values.every((v) => v !== undefined) ? median(values as number[]) : undefined;
  };
  const sink = of((x) => x.sinkCpu.reader);
  const raw = of((x) => x.rawCpu.reader);
  const s3 = of((x) => x.sinkCpu.s3);
  const broker = of((x) => x.rawCpu.broker);
  const sinkBroker = of((x) => x.sinkCpu.broker);
  if (sink === undefined || raw === undefined || s3 === undefined || broker === undefined || sinkBroker === undefined) return [];
  const cores = availableParallelism();
  const ceiling = (cores * 1e6) / (raw + broker + s3);
  const us = (v: number) => round(v, 2);
  return [
    {
      id: "sink.steadyState.cpu",
      label: "sink steady state: CPU a record",
      figure: { value: us(sink), unit: "µs", what: "the sink's process, every thread, first flush to last" },
      baseline: { value: us(raw), unit: "µs", what: "the raw consumer's process, first fetch to last message" },
      ratio: sink / raw,
      ratioMeaning: "of the raw consumer's CPU",
      notes: `beside them, a record: S3Proxy ${us(s3)} µs and the broker ${us(sinkBroker)} µs during the sink's run, the broker ${us(broker)} µs during the raw consumer's (medians of the rounds)`,
    },
    {
      id: "sink.steadyState.ceiling",
      label: "sink steady state: this machine's ceiling",
      figure: { value: Math.round(ceiling), unit: "records/s", what: `${cores} cores over the raw consumer's, the broker's and S3Proxy's CPU a record, ${us(raw + broker + s3)} µs` },
      baseline: { value: Math.round(rawRateMedian), unit: "records/s", what: "the raw consumer, as above" },
      ratio: ceiling / rawRateMedian,
      ratioMeaning: "of the raw consumer's rate",
      notes: "the fastest any sink can read and store here if reading costs what it costs the raw consumer and it does nothing else, since the broker and the S3 server share the machine's cores with it",
    },
  ];
}
