/**
 * Benchmarks of the data plane on the real servers of the test harness; prints figures, asserts
 * nothing. Each ratio is against a baseline measured in the same run, on the same machine.
 *
 *   npm run bench
 *
 * 1. sink vs a raw consumer: time to land N ticks in the object store (validated, grouped,
 *    written, committed) against a kafkajs consumer that only reads the same topic (the floor).
 * 2. batch path: 2,500 recorded bars from yahoo-finance2's chart() through Kafka to the object
 *    store, against the seed's ~30 s for the same 2,500 records.
 */
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { Registry } from "prom-client";
import { DEFAULT_BATCH_SYMBOLS, ENV, FUNCTION_COMMANDS, TICK_SCHEMA, TOPICS, encodeRecord, type Tick } from "../contract";
import { FIXTURE_RANGE, fixtureSource } from "../functions/batch-producer/fixtures/client";
import { createBatchMetrics } from "../functions/batch-producer/metrics";
import { openKafkaPublisher } from "../functions/batch-producer/publish";
import { run } from "../functions/batch-producer/run";
import { producerConfig, silentLogger } from "../functions/lib";
import { freePorts } from "../test/harness/process";
import { FunctionProcess, createBucket, sinkEnvironment, kafkaClient, listKeys, readLanded, recreatePlatformTopics, s3Client, stopTestServers, testServers, type TestServers } from "../test/harness";

const N = Number(process.env.BENCH_TICKS ?? 100_000);
const SEED_BATCH_SECONDS = 30;
const SYMBOLS = ["AAPL", "MSFT", "GOOGL", "AMZN", "META", "TSLA", "NVDA", "JPM"];

function tick(i: number): Tick {
  const symbol = SYMBOLS[i % SYMBOLS.length]!;
  const price = 100 + (i % 500) / 10;
  return { symbol, event_time: new Date(Date.parse("2026-03-02T14:30:00Z") + Math.floor(i / SYMBOLS.length) * 1000).toISOString(), price, bid: price - 0.01, ask: price + 0.01, volume: 100, source: "simulated" };
}

/** The sink with its production flush settings: the figures are the defaults'. */
function sinkEnv(s: TestServers, bucket: string, metricsPort: number): Record<string, string> {
  return sinkEnvironment(s, bucket, `bench-${randomBytes(4).toString("hex")}`, {
    [ENV.metricsPort]: String(metricsPort),
    [ENV.sinkFlushIntervalMs]: "1000",
    [ENV.sinkS3RequestTimeoutMs]: "5000",
    [ENV.sinkHandoverDelayMs]: "0",
    [ENV.logLevel]: "warn",
  });
}

async function newBucket(s: TestServers): Promise<string> {
  const bucket = `bench-${randomBytes(4).toString("hex")}`;
  await createBucket(s3Client(s.s3), bucket);
  return bucket;
}

/** When the sink's own counter says `count` records are in durable objects (reading them back would cost more than writing). */
async function waitForRecords(metricsPort: number, count: number): Promise<number> {
  for (;;) {
    const text = await fetch(`http://127.0.0.1:${metricsPort}/metrics`)
      .then((r) => r.text())
      .catch(() => "");
    const written = text
      .split("\n")
      .filter((l) => l.startsWith("sink_records_written_total{"))
      .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(" ") + 1)), 0);
    if (written >= count) return Date.now();
    await sleep(20);
  }
}

/** The floor: a consumer group that reads every message of the topic and does nothing with it. */
async function rawConsumerSeconds(s: TestServers, count: number): Promise<number> {
  const consumer = kafkaClient(s.kafka, "bench-raw").consumer({ groupId: `bench-raw-${randomBytes(4).toString("hex")}` });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPICS.realtime, fromBeginning: true });
  let seen = 0;
  const started = Date.now();
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachBatch: async ({ batch }) => {
        seen += batch.messages.length;
        if (seen >= count) resolve();
      },
    });
  });
  const seconds = (Date.now() - started) / 1000;
  await consumer.disconnect();
  return seconds;
}

async function sinkSeconds(s: TestServers, count: number): Promise<{ seconds: number; objects: number }> {
  const bucket = await newBucket(s);
  const [port] = await freePorts(1);
  const started = Date.now();
  const sink = await FunctionProcess.start("bench-sink", FUNCTION_COMMANDS.sink, sinkEnv(s, bucket, port!));
  const done = await waitForRecords(port!, count);
  await sink.kill();
  const landed = await readLanded(s3Client(s.s3), bucket);
  if (landed.length !== count) throw new Error(`the sink landed ${landed.length} records, not ${count}`);
  return { seconds: (done - started) / 1000, objects: (await listKeys(s3Client(s.s3), bucket)).length };
}

async function batchPathSeconds(s: TestServers): Promise<{ seconds: number; publishSeconds: number }> {
  const kafka = kafkaClient(s.kafka, "bench-batch");
  await recreatePlatformTopics(kafka);
  const bucket = await newBucket(s);
  const [port] = await freePorts(1);
  const sink = await FunctionProcess.start("bench-sink", FUNCTION_COMMANDS.sink, sinkEnv(s, bucket, port!));
  // The seed's figure excludes start-up; so does this one: the clock starts once the sink has joined its group.
  while ((await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status).catch(() => 0)) !== 200) await sleep(50);
  const started = Date.now();
  let published = 0;
  const publisher = await openKafkaPublisher(kafka, { brokers: s.kafka.brokers, clientId: "bench-batch", ssl: false, acks: "all" });
  await run(
    { symbols: DEFAULT_BATCH_SYMBOLS, range: FIXTURE_RANGE },
    { source: fixtureSource(), publisher, log: silentLogger, metrics: createBatchMetrics(new Registry()) },
  );
  await publisher.close();
  published = Date.now();
  const done = await waitForRecords(port!, 2_500);
  await sink.kill();
  return { seconds: (done - started) / 1000, publishSeconds: (published - started) / 1000 };
}

async function main(): Promise<void> {
  const s = await testServers();
  const kafka = kafkaClient(s.kafka, "bench");
  await recreatePlatformTopics(kafka);
  const producer = kafka.producer(producerConfig({ brokers: s.kafka.brokers, clientId: "bench", ssl: false, acks: "all" }));
  await producer.connect();
  for (let i = 0; i < N; i += 1_000) {
    const ticks = Array.from({ length: Math.min(1_000, N - i) }, (_, k) => tick(i + k));
    await producer.send({ topic: TOPICS.realtime, acks: -1, messages: ticks.map((t) => ({ key: t.symbol, value: encodeRecord(TICK_SCHEMA, t) })) });
  }
  await producer.disconnect();

  const raw = await rawConsumerSeconds(s, N);
  const sink = await sinkSeconds(s, N);
  console.log(`sink vs raw consumer, ${N.toLocaleString("en")} ticks on one broker, 3 partitions`);
  console.log(`  raw consumer (read only):        ${raw.toFixed(1)} s  ${Math.round(N / raw).toLocaleString("en")} records/s`);
  console.log(`  sink (validated, written, committed): ${sink.seconds.toFixed(1)} s  ${Math.round(N / sink.seconds).toLocaleString("en")} records/s  ${sink.objects} objects`);
  console.log(`  ratio sink / raw: ${(sink.seconds / raw).toFixed(2)}x (includes the sink process start and group join)`);

  const batch = await batchPathSeconds(s);
  console.log(`batch path, 2,500 recorded bars: chart() → Kafka → sink → object store`);
  console.log(`  ${batch.seconds.toFixed(1)} s (published in ${batch.publishSeconds.toFixed(1)} s) against the seed's ~${SEED_BATCH_SECONDS} s: ${(SEED_BATCH_SECONDS / batch.seconds).toFixed(1)}x faster`);
  await stopTestServers();
}

main().catch(async (err: unknown) => {
  console.error(err);
  await stopTestServers();
  process.exit(1);
});
