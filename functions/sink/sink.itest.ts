import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { S3Client } from "@aws-sdk/client-s3";
import type { Kafka, KafkaMessage, Producer } from "kafkajs";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { BAR_SCHEMA, DEAD_LETTER_HEADERS, ENV, FUNCTION_COMMANDS, TICK_SCHEMA, TOPICS, encodeRecord, parseDataObjectKey, sinkJournalKey, type DailyBar, type Tick } from "../../contract";
import {
  FunctionProcess,
  createBucket,
  exactlyOnceViolations,
  kafkaClient,
  listKeys,
  readLanded,
  recreatePlatformTopics,
  s3Client,
  sinkEnvironment,
  testServers,
  type TestServers,
} from "../../test/harness";
import { freePorts } from "../../test/harness/process";
import { producerConfig } from "../lib";
import { PartitionBatch } from "./batch";
import { encodeJournal } from "./journal";
import { packMessages, validatePacked, validated } from "./validation";

const SYMBOLS = ["AAPL", "MSFT", "GOOGL", "AMZN", "META", "TSLA", "NVDA", "JPM"];
const BASE_TIME = Date.parse("2026-03-02T14:30:00.000Z");

/** The i-th tick of a stream: unique per (symbol, event_time), valid, deterministic. */
function tick(i: number): Tick {
  const symbol = SYMBOLS[i % SYMBOLS.length]!;
  const price = Math.round((100 + (i % 97) + (i % 13) / 10) * 100) / 100;
  return { symbol, event_time: new Date(BASE_TIME + Math.floor(i / SYMBOLS.length) * 1000).toISOString(), price, bid: price - 0.01, ask: price + 0.01, volume: 100 + (i % 50), source: "simulated" };
}

function bar(i: number): DailyBar {
  const day = new Date(Date.parse("2025-01-02T00:00:00Z") + i * 86_400_000).toISOString().slice(0, 10);
  return { symbol: "AAPL", trade_date: day, open: 100, high: 110, low: 95, close: 105, adj_close: 104.5, volume: 1_000_000 + i, source: "yahoo" };
}

const tickId = (r: Record<string, unknown>) => `${String(r.symbol)}@${String(r.event_time ?? r.trade_date)}`;

interface Rig {
  servers: TestServers;
  kafka: Kafka;
  s3: S3Client;
  bucket: string;
  env: Record<string, string>;
  metricsPort: number;
  producer: Producer;
}

async function rig(overrides: Record<string, string> = {}): Promise<Rig> {
  const servers = await testServers();
  const kafka = kafkaClient(servers.kafka, "sink-itest");
  await recreatePlatformTopics(kafka);
  const s3 = s3Client(servers.s3);
  const bucket = `sink-itest-${randomBytes(4).toString("hex")}`;
  await createBucket(s3, bucket);
  const [metricsPort] = await freePorts(1);
  const env = sinkEnvironment(servers, bucket, `sink-itest-${randomBytes(4).toString("hex")}`, {
    [ENV.sinkFlushRecords]: "500",
    [ENV.metricsPort]: String(metricsPort),
    ...overrides,
  });
  const producer = kafka.producer(producerConfig({ brokers: servers.kafka.brokers, clientId: "sink-itest", ssl: false, acks: "all" }));
  await producer.connect();
  return { servers, kafka, s3, bucket, env, metricsPort: metricsPort!, producer };
}

async function sendTicks(producer: Producer, ticks: Tick[]): Promise<void> {
  await producer.send({ topic: TOPICS.realtime, acks: -1, messages: ticks.map((t) => ({ key: t.symbol, value: encodeRecord(TICK_SCHEMA, t) })) });
}

/** Polls the raw zone until `count` records landed, then once more after a pause to catch late duplicates. */
async function waitForLanded(r: Rig, count: number, timeoutMs: number): Promise<Record<string, unknown>[]> {
  const deadline = Date.now() + timeoutMs;
  let landed = await readLanded(r.s3, r.bucket);
  while (landed.length < count && Date.now() < deadline) {
    await sleep(500);
    landed = await readLanded(r.s3, r.bucket);
  }
  await sleep(1_500);
  return (await readLanded(r.s3, r.bucket)).map((l) => l.record);
}

async function metric(port: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return text
    .split("\n")
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(" ") + 1)), 0);
}

function assertExactlyOnce(expected: string[], landed: Record<string, unknown>[]): void {
  const v = exactlyOnceViolations(expected, landed.map(tickId));
  assert.deepEqual(
    { missing: v.missing.length, duplicated: v.duplicated.length, unexpected: v.unexpected.length },
    { missing: 0, duplicated: 0, unexpected: 0 },
    `missing ${v.missing.slice(0, 5).join(" ")} duplicated ${v.duplicated.slice(0, 5).join(" ")} unexpected ${v.unexpected.slice(0, 5).join(" ")}`,
  );
  assert.equal(landed.length, expected.length);
}

/** Produces `total` ticks in chunks at a steady pace, calling `at(sent)` between chunks for fault injection. */
async function stream(r: Rig, total: number, chunk: number, pauseMs: number, at: (sent: number) => Promise<void> = async () => undefined): Promise<string[]> {
  const ids: string[] = [];
  for (let sent = 0; sent < total; sent += chunk) {
    const ticks = Array.from({ length: Math.min(chunk, total - sent) }, (_, k) => tick(sent + k));
    await sendTicks(r.producer, ticks);
    ids.push(...ticks.map((t) => `${t.symbol}@${t.event_time}`));
    await at(sent + ticks.length);
    await sleep(pauseMs);
  }
  return ids;
}

describe("sink against a real Kafka broker and S3 server", function () {
  const running: FunctionProcess[] = [];
  const rigs: Rig[] = [];
  async function startSink(r: Rig, name = "sink", env: Record<string, string> = {}): Promise<FunctionProcess> {
    const sink = await FunctionProcess.start(name, FUNCTION_COMMANDS.sink, { ...r.env, ...env });
    running.push(sink);
    return sink;
  }

  afterEach(async function () {
    await Promise.all(running.splice(0).map((p) => p.kill()));
    await Promise.all(rigs.splice(0).map((r) => r.producer.disconnect()));
  });

  async function newRig(overrides?: Record<string, string>): Promise<Rig> {
    const r = await rig(overrides);
    rigs.push(r);
    return r;
  }

  it("lands good records once and dead-letters every kind of bad message with its reason and origin", async function () {
    const r = await newRig();
    await startSink(r);
    const good = Array.from({ length: 400 }, (_, i) => tick(i));
    const bars = Array.from({ length: 20 }, (_, i) => bar(i));
    const validTick = encodeRecord(TICK_SCHEMA, tick(10_000));
    const t = JSON.parse(validTick) as Record<string, unknown>;
    const badTicks: { key: string | null; value: string | Buffer | null; code: string }[] = [
      { key: "AAPL", value: "this is not json {", code: "not_json" },
      { key: "AAPL", value: JSON.stringify({ ...t, price: "191.20" }), code: "wrong_type" },
      { key: "AAPL", value: JSON.stringify({ ...t, bid: undefined }), code: "missing_field" },
      { key: "AAPL", value: JSON.stringify({ ...t, price: -5 }), code: "non_positive_price" },
      { key: "AAPL", value: validTick.replace(/"price":[0-9.]+/, '"price":NaN'), code: "not_json" },
      { key: "AAPL", value: validTick.replace(/"price":[0-9.]+/, '"price":1e999'), code: "not_finite" },
      { key: "aapl!", value: JSON.stringify({ ...t, symbol: "aapl!" }), code: "invalid_symbol" },
      { key: "AAPL", value: JSON.stringify({ ...t, event_time: "2099-01-01T00:00:00.000Z" }), code: "future_timestamp" },
      { key: "AAPL", value: JSON.stringify({ ...t, event_time: "yesterday" }), code: "invalid_timestamp" },
      { key: "AAPL", value: JSON.stringify({ ...t, note: "x".repeat(20_000) }), code: "oversized" },
      { key: "AAPL", value: null, code: "empty" },
      { key: "AAPL", value: Buffer.alloc(0), code: "empty" },
      { key: "MSFT", value: validTick, code: "key_mismatch" },
      { key: "AAPL", value: JSON.stringify({ ...t, venue: "XNAS" }), code: "unexpected_field" },
      { key: "AAPL", value: JSON.stringify({ ...t, bid: 300, ask: 200 }), code: "inconsistent_prices" },
      { key: "AAPL", value: "[1,2,3]", code: "not_object" },
    ];
    const b = JSON.parse(encodeRecord(BAR_SCHEMA, bar(100))) as Record<string, unknown>;
    const badBars = [
      { key: "AAPL", value: JSON.stringify({ ...b, high: 90, low: 95 }), code: "inconsistent_prices" },
      { key: "AAPL", value: JSON.stringify({ ...b, trade_date: "2025-02-30" }), code: "invalid_timestamp" },
      { key: "AAPL", value: JSON.stringify({ ...b, volume: 12.5 }), code: "invalid_value" },
    ];
    // Bad messages sit between good ones, so that the pipeline must go on past each of them.
    for (let i = 0; i < good.length; i += 25) {
      await sendTicks(r.producer, good.slice(i, i + 25));
      const bad = badTicks[(i / 25) % badTicks.length]!;
      await r.producer.send({ topic: TOPICS.realtime, acks: -1, messages: [{ key: bad.key, value: bad.value }] });
    }
    await r.producer.send({ topic: TOPICS.batch, acks: -1, messages: bars.map((x) => ({ key: x.symbol, value: encodeRecord(BAR_SCHEMA, x) })) });
    await r.producer.send({ topic: TOPICS.batch, acks: -1, messages: badBars.map((x) => ({ key: x.key, value: x.value })) });

    const landed = await waitForLanded(r, good.length + bars.length, 60_000);
    assertExactlyOnce([...good.map((x) => `${x.symbol}@${x.event_time}`), ...bars.map((x) => `${x.symbol}@${x.trade_date}`)], landed);

    const sent = badTicks.slice(0, good.length / 25).length + badBars.length;
    const letters = await consumeAll(r.kafka, TOPICS.deadLetter, sent, 30_000);
    assert.equal(letters.length, sent);
    const codes = letters.map((m) => m.headers[DEAD_LETTER_HEADERS.code]).sort();
    assert.deepEqual(codes, [...badTicks.slice(0, good.length / 25), ...badBars].map((x) => x.code).sort());
    for (const m of letters) {
      assert.ok(m.headers[DEAD_LETTER_HEADERS.reason]!.length > 10, "the reason says what was wrong");
      assert.ok([TOPICS.realtime, TOPICS.batch].includes(m.headers[DEAD_LETTER_HEADERS.originTopic] as never));
      assert.match(m.headers[DEAD_LETTER_HEADERS.originOffset]!, /^\d+$/);
      assert.match(m.headers[DEAD_LETTER_HEADERS.originPartition]!, /^\d+$/);
    }
    const oversized = letters.find((m) => m.headers[DEAD_LETTER_HEADERS.code] === "oversized")!;
    assert.ok(oversized.value!.length > 20_000, "the dead letter keeps the original value");
    assert.equal(await metric(r.metricsPort, "sink_dead_lettered_total"), sent);
  });

  it("lands a tick within a second when flushing for latency", async function () {
    const r = await newRig({ [ENV.sinkFlushIntervalMs]: "100" });
    await startSink(r);
    await sendTicks(r.producer, [tick(0)]); // warm-up: the group has joined once this lands
    await waitForLanded(r, 1, 60_000);
    const latencies: number[] = [];
    for (let i = 1; i <= 5; i++) {
      const started = Date.now();
      await sendTicks(r.producer, [tick(i * 8)]);
      while ((await readLanded(r.s3, r.bucket)).length < i + 1) await sleep(20);
      latencies.push(Date.now() - started);
    }
    assert.ok(Math.max(...latencies) < 1_000, `landing latencies ${latencies.join(", ")} ms`);
  });

  it("loses and duplicates nothing when killed with SIGKILL three times during 20,000 records", async function () {
    const r = await newRig();
    const sink = await startSink(r);
    // Each kill waits until the running sink has written something, so that it dies mid-stream, not mid-start.
    let kills = 0;
    const flushedSinceStart = () => {
      const lines = sink.logLines();
      const starts = lines.flatMap((l, i) => (l.msg === "sink starting" ? [i] : []));
      return starts.length === kills + 1 && lines.slice(starts[kills]).some((l) => l.msg === "flushed");
    };
    const ids = await stream(r, 20_000, 250, 300, async (sent) => {
      if (kills < 3 && sent >= (kills + 1) * 4_000 && flushedSinceStart()) {
        kills += 1;
        await sink.kill();
        sink.restart();
      }
    });
    assert.equal(kills, 3, "three kills happened while records were streaming");
    const landed = await waitForLanded(r, ids.length, 180_000);
    assertExactlyOnce(ids, landed);
    assert.equal(sink.logLines().filter((l) => l.msg === "sink starting").length, 4, "the sink ran four times");
  });

  it("loses and duplicates nothing when killed while it writes several batches of a backlog at once", async function () {
    const r = await newRig();
    const ticks = Array.from({ length: 60_000 }, (_, i) => tick(i));
    for (let i = 0; i < ticks.length; i += 5_000) await sendTicks(r.producer, ticks.slice(i, i + 5_000));
    const sink = await startSink(r);
    // Killed at its first commit: 500-record batches of a 20,000-record backlog per partition are then in flight.
    const deadline = Date.now() + 60_000;
    while (!sink.logLines().some((l) => l.msg === "flushed") && Date.now() < deadline) await sleep(5);
    await sink.kill();
    sink.restart();
    const landed = await waitForLanded(r, ticks.length, 120_000);
    assertExactlyOnce(ticks.map((t) => `${t.symbol}@${t.event_time}`), landed);
    const starts = sink.logLines().flatMap((l, i) => (l.msg === "sink starting" ? [i] : []));
    const replayed = sink
      .logLines()
      .slice(starts[1])
      .filter((l) => l.msg === "partition recovered")
      .map((l) => (l.reason === "replaying the journaled flush" ? 1 : Number(/^replaying (\d+) journaled flushes$/.exec(String(l.reason))?.[1] ?? 0)));
    assert.ok(Math.max(...replayed) >= 2, `a partition replayed several journaled batches written at once; the batches each replayed: ${JSON.stringify(replayed)}`);
  });

  it("dead-letters a backlog's bad messages once each, in their offsets' order, while it writes several batches at once", async function () {
    const r = await newRig();
    const good = Array.from({ length: 30_000 }, (_, i) => tick(i));
    // Three bad messages after every 1,000 good ticks, spread over many 500-record batches of AAPL's partition.
    const bad: string[] = [];
    for (let i = 0; i < good.length; i += 1_000) {
      await sendTicks(r.producer, good.slice(i, i + 1_000));
      const values = [0, 1, 2].map((k) => `not json {${bad.length + k}`);
      await r.producer.send({ topic: TOPICS.realtime, acks: -1, messages: values.map((value) => ({ key: "AAPL", value })) });
      bad.push(...values);
    }
    const sink = await startSink(r);
    const landed = await waitForLanded(r, good.length, 120_000);
    assertExactlyOnce(good.map((t) => `${t.symbol}@${t.event_time}`), landed);
    // Each flush's log line counts the earlier batches of its partition still being written when its own writes began.
    const alongside = sink.logLines().filter((l) => l.msg === "flushed" && l.topic === TOPICS.realtime).map((l) => Number(l.alongside));
    assert.ok(Math.max(...alongside) >= 1, `some batches were written beside an earlier one of their partition: ${alongside.join(" ")}`);
    const letters = await consumeAll(r.kafka, TOPICS.deadLetter, bad.length, 30_000);
    assert.deepEqual(
      letters.map((m) => m.value?.toString()),
      bad,
      "each bad message dead-lettered once, in the order it was produced (one key, so one partition of each topic)",
    );
    const offsets = letters.map((m) => Number(m.headers[DEAD_LETTER_HEADERS.originOffset]));
    assert.ok(
      offsets.every((o, i) => i === 0 || o > offsets[i - 1]!),
      `origin offsets increase: ${offsets.slice(0, 10).join(" ")}`,
    );
  });

  it("loses and duplicates nothing when the object store is down for 10 s mid-stream, pausing its fetches meanwhile", async function () {
    // A buffer smaller than what arrives during the outage: the sink must stop fetching, then resume.
    const r = await newRig({ [ENV.sinkMaxBufferedBytes]: String(1024 * 1024) });
    const sink = await startSink(r);
    let outage: Promise<void> | undefined;
    const ids = await stream(r, 16_000, 250, 100, async (sent) => {
      if (sent === 4_000) {
        await r.servers.s3.stop();
        outage = sleep(10_000).then(() => r.servers.s3.start());
      }
    });
    await outage;
    const landed = await waitForLanded(r, ids.length, 120_000);
    assertExactlyOnce(ids, landed);
    assert.ok((await metric(r.metricsPort, "sink_object_store_errors_total")) > 0, "the outage was seen and retried");
    const messages = sink.logLines().map((l) => l.msg);
    assert.ok(messages.includes("fetching paused until buffered records are written"), "a full buffer pauses fetching");
    assert.ok(messages.includes("fetching resumed"), "fetching resumes once the buffer drains");
  });

  it("loses and duplicates nothing when the broker restarts mid-stream", async function () {
    const r = await newRig();
    await startSink(r);
    const ids = await stream(r, 8_000, 250, 100, async (sent) => {
      if (sent === 4_000) await r.servers.kafka.restart();
    });
    const landed = await waitForLanded(r, ids.length, 120_000);
    assertExactlyOnce(ids, landed);
  });

  it("shares partitions between instances (one validating on its consumer's thread) and hands them over without loss or duplicates", async function () {
    const r = await newRig();
    const first = await startSink(r, "sink-a");
    let second: FunctionProcess | undefined;
    const [otherMetricsPort] = await freePorts(1);
    const ids = await stream(r, 10_000, 250, 250, async (sent) => {
      if (sent === 2_500) second = await startSink(r, "sink-b", { [ENV.metricsPort]: String(otherMetricsPort), [ENV.sinkValidationThread]: "false" });
      if (sent === 7_500) await first.terminate(30_000);
    });
    const landed = await waitForLanded(r, ids.length, 120_000);
    assertExactlyOnce(ids, landed);
    assert.ok(first.logLines().some((l) => l.msg === "flushed"), "the first instance wrote part of the stream");
    assert.ok(second!.logLines().some((l) => l.msg === "flushed"), "the second instance wrote part of the stream");
    const started = (p: FunctionProcess) => p.logLines().find((l) => l.msg === "sink started")?.validationThread;
    assert.deepEqual([started(first), started(second!)], [true, false]);
  });

  it("repairs flushes cut off between their objects and their commits by rewriting exactly those batches", async function () {
    // Thresholds that would hold these records for a minute: only the journal ends the batches.
    const r = await newRig({ [ENV.sinkFlushRecords]: "5000", [ENV.sinkFlushIntervalMs]: "60000" });
    const ticks = Array.from({ length: 300 }, (_, i) => tick(i));
    const messages = ticks.map((t) => ({ key: t.symbol, value: encodeRecord(TICK_SCHEMA, t), partition: 0 }));
    await r.producer.send({ topic: TOPICS.realtime, acks: -1, messages });
    // What a sink killed while writing two batches at once leaves: the journal of [0, 149] and
    // [150, 299], one object of the second batch, no commit.
    const fetched = messages.map((m, i) => ({ offset: String(i), key: Buffer.from(m.key), value: Buffer.from(m.value) }) as KafkaMessage);
    const v = validated(validatePacked(packMessages(TOPICS.realtime, fetched, 0, Date.now())));
    const crashed = [new PartitionBatch(TOPICS.realtime, 0, 0n, Date.now()), new PartitionBatch(TOPICS.realtime, 0, 150n, Date.now())];
    fetched.forEach((m, i) => crashed[i < 150 ? 0 : 1]!.addValidated(m.offset, m, v, i));
    const journal = { version: 2 as const, topic: TOPICS.realtime, partition: 0, batches: crashed.map((b) => ({ start: b.startOffset, end: b.endOffset, objects: b.objectCount })) };
    await r.s3.send(new PutObjectCommand({ Bucket: r.bucket, Key: sinkJournalKey(TOPICS.realtime, 0), Body: encodeJournal(journal) }));
    const written = crashed[1]!.objects()[0]!;
    await r.s3.send(new PutObjectCommand({ Bucket: r.bucket, Key: written.key, Body: written.body }));

    const sink = await startSink(r);
    const landed = await waitForLanded(r, ticks.length, 30_000);
    assertExactlyOnce(ticks.map((t) => `${t.symbol}@${t.event_time}`), landed);
    const keys = (await listKeys(r.s3, r.bucket)).filter((k) => parseDataObjectKey(k));
    assert.deepEqual(keys.sort(), crashed.flatMap((b) => b.objects().map((o) => o.key)).sort(), "the same objects, nothing else");
    // A loaded machine may rebalance the group meanwhile: some generation replayed the journal's batches.
    const recovered = sink.logLines().filter((l) => l.msg === "partition recovered" && l.partition === 0 && l.topic === TOPICS.realtime);
    assert.ok(
      recovered.some((l) => l.replayUntil === "299" && l.reason === "replaying 2 journaled flushes"),
      `a recovery replaying both batches until 299; the sink logged: ${JSON.stringify(recovered)}\n${sink.logLines().filter((l) => l.level !== "debug").slice(0, 40).map((l) => JSON.stringify(l)).join("\n")}`,
    );
  });

  it("says how many records retention deleted before it could write them, and goes on from the earliest", async function () {
    const r = await newRig();
    const ticks = Array.from({ length: 300 }, (_, i) => tick(i));
    await r.producer.send({ topic: TOPICS.realtime, acks: -1, messages: ticks.map((t) => ({ key: t.symbol, value: encodeRecord(TICK_SCHEMA, t), partition: 0 })) });
    // A journal from a sink stopped long ago (a version 1 journal, as sinks before pipelined writes
    // left them), and retention (here: a records deletion) past its start.
    await r.s3.send(new PutObjectCommand({ Bucket: r.bucket, Key: sinkJournalKey(TOPICS.realtime, 0), Body: JSON.stringify({ version: 1, topic: TOPICS.realtime, partition: 0, start: "0", end: "299", objects: 8 }) }));
    const admin = r.kafka.admin();
    await admin.connect();
    await admin.fetchTopicMetadata({ topics: [TOPICS.realtime] });
    await admin.deleteTopicRecords({ topic: TOPICS.realtime, partitions: [{ partition: 0, offset: "100" }] });
    await admin.disconnect();

    const sink = await startSink(r);
    const kept = ticks.slice(100);
    const landed = await waitForLanded(r, kept.length, 60_000);
    assertExactlyOnce(kept.map((t) => `${t.symbol}@${t.event_time}`), landed);
    const lost = sink.logLines().find((l) => l.msg === "records were deleted by retention before the sink wrote them");
    assert.equal(lost?.lost, "100");
  });

  it("on SIGTERM writes what it buffered, commits, and exits within the grace period", async function () {
    const r = await newRig({ [ENV.sinkFlushIntervalMs]: "600000", [ENV.sinkFlushRecords]: "1000000", [ENV.sinkShutdownGraceMs]: "15000" });
    const sink = await startSink(r);
    const ticks = Array.from({ length: 1_000 }, (_, i) => tick(i));
    await sendTicks(r.producer, ticks);
    const deadline = Date.now() + 60_000;
    while ((await metric(r.metricsPort, "sink_records_in_total").catch(() => 0)) < ticks.length && Date.now() < deadline) await sleep(200);
    assert.equal((await readLanded(r.s3, r.bucket)).length, 0, "nothing is written before a threshold");
    const { ms, code } = await sink.terminate(20_000);
    assert.equal(code, 0);
    assert.ok(ms < 15_000, `exited after ${ms} ms`);
    const landed = (await readLanded(r.s3, r.bucket)).map((l) => l.record);
    assertExactlyOnce(ticks.map((x) => `${x.symbol}@${x.event_time}`), landed);
    const admin = r.kafka.admin();
    await admin.connect();
    const [offsets] = await admin.fetchOffsets({ groupId: r.env[ENV.sinkGroupId]!, topics: [TOPICS.realtime] });
    const ends = await admin.fetchTopicOffsets(TOPICS.realtime);
    await admin.disconnect();
    for (const p of ends) assert.equal(offsets!.partitions.find((x) => x.partition === p.partition)?.offset, p.high, `partition ${p.partition} committed`);
  });
});

interface Letter {
  value: Buffer | null;
  headers: Record<string, string>;
}

async function consumeAll(kafka: Kafka, topic: string, count: number, timeoutMs: number): Promise<Letter[]> {
  const consumer = kafka.consumer({ groupId: `dlq-reader-${randomBytes(4).toString("hex")}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const letters: Letter[] = [];
  await consumer.run({
    eachMessage: async ({ message }) => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = Buffer.isBuffer(v) ? v.toString() : String(v);
      letters.push({ value: message.value, headers });
    },
  });
  const deadline = Date.now() + timeoutMs;
  while (letters.length < count && Date.now() < deadline) await sleep(200);
  await sleep(1_000);
  await consumer.disconnect();
  return letters;
}
