import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { Registry } from "prom-client";
import { BAR_SCHEMA, DEFAULT_BATCH_SYMBOLS, DEFAULT_REALTIME_SYMBOLS, ENV, FUNCTION_COMMANDS, encodeRecord } from "../contract";
import { FIXTURE_RANGE, fixtureSource } from "../functions/batch-producer/fixtures/client";
import { recordedBars } from "../functions/batch-producer/fixtures/expected";
import { createBatchMetrics } from "../functions/batch-producer/metrics";
import { openKafkaPublisher } from "../functions/batch-producer/publish";
import { exitCode, run } from "../functions/batch-producer/run";
import { silentLogger } from "../functions/lib";
import { readSettings, startRealtimeProducer } from "../functions/realtime-producer";
import { FunctionProcess, createBucket, kafkaClient, readLanded, recreatePlatformTopics, s3Client, sinkEnvironment, testServers, type LandedRecord } from "./harness";

/** Producers → Kafka → the sink (as its own process) → the raw zone, on real servers. */
describe("pipeline from producers to the object store", function () {
  let sink: FunctionProcess | undefined;
  afterEach(async () => {
    await sink?.kill();
    sink = undefined;
  });

  async function setup() {
    const servers = await testServers();
    const kafka = kafkaClient(servers.kafka, "pipeline-itest");
    await recreatePlatformTopics(kafka);
    const s3 = s3Client(servers.s3);
    const bucket = `pipeline-${randomBytes(4).toString("hex")}`;
    await createBucket(s3, bucket);
    sink = await FunctionProcess.start("sink", FUNCTION_COMMANDS.sink, sinkEnvironment(servers, bucket, `pipeline-${randomBytes(4).toString("hex")}`));
    const landed = async (count: number, timeoutMs = 120_000): Promise<LandedRecord[]> => {
      const deadline = Date.now() + timeoutMs;
      let records = await readLanded(s3, bucket);
      while (records.length < count && Date.now() < deadline) {
        await sleep(500);
        records = await readLanded(s3, bucket);
      }
      await sleep(1_500);
      return readLanded(s3, bucket);
    };
    return { servers, kafka, landed };
  }

  it("lands a batch run as exactly 2,500 bars for the 10 symbols, each once, with the recorded values", async function () {
    const { servers, kafka, landed } = await setup();
    const publisher = await openKafkaPublisher(kafka, { brokers: servers.kafka.brokers, clientId: "pipeline-itest", ssl: false, acks: "all" });
    try {
      const summary = await run(
        { symbols: DEFAULT_BATCH_SYMBOLS, range: FIXTURE_RANGE },
        { source: fixtureSource(), publisher, log: silentLogger, metrics: createBatchMetrics(new Registry()) },
      );
      assert.equal(exitCode(summary), 0);
    } finally {
      await publisher.close();
    }
    const bars = await landed(2_500);
    assert.equal(bars.length, 2_500);
    const expected = new Set(recordedBars().map((b) => encodeRecord(BAR_SCHEMA, b)));
    assert.equal(expected.size, 2_500);
    const seen = new Set<string>();
    for (const { object, record } of bars) {
      const line = JSON.stringify(record);
      assert.ok(expected.has(line), `landed a bar the recording does not hold: ${line}`);
      assert.ok(!seen.has(line), `landed twice: ${line}`);
      seen.add(line);
      assert.equal(object.dataset, "bars");
      assert.equal(object.folders.year, String(record.trade_date).slice(0, 4), "filed under its trading year");
    }
    assert.deepEqual([...new Set(bars.map((b) => b.record.symbol))].sort(), [...DEFAULT_BATCH_SYMBOLS].sort());
  });

  it("holds N ticks per symbol after N intervals of the realtime producer", async function () {
    const { servers, landed } = await setup();
    const intervals = 6;
    const settings = readSettings({ [ENV.kafkaBrokers]: servers.kafka.brokers.join(","), [ENV.tickIntervalMs]: "250", [ENV.maxTicks]: String(intervals) });
    const producer = await startRealtimeProducer(settings, { log: silentLogger, registry: new Registry() });
    await producer.done;
    const ticks = await landed(intervals * DEFAULT_REALTIME_SYMBOLS.length);
    assert.equal(ticks.length, intervals * DEFAULT_REALTIME_SYMBOLS.length);
    for (const symbol of DEFAULT_REALTIME_SYMBOLS) {
      const own = ticks.filter((t) => t.record.symbol === symbol);
      assert.equal(own.length, intervals, `${symbol} has ${own.length} ticks`);
      assert.equal(new Set(own.map((t) => t.record.event_time)).size, intervals, `${symbol}'s ticks are distinct`);
      const time = (t: LandedRecord) => String(t.record.event_time);
      assert.ok(own.every((t) => t.object.dataset === "ticks" && t.object.folders.date === time(t).slice(0, 10) && t.object.folders.hour === time(t).slice(11, 13)), "filed under its UTC day and hour");
    }
  });
});
