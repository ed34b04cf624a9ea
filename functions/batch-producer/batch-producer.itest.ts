import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Registry } from "prom-client";
import type { Kafka } from "kafkajs";
import { BAR_SCHEMA, DEFAULT_BATCH_SYMBOLS, ENV, TOPICS, barId, encodeRecord, parseBar, type DailyBar } from "../../contract";
import { silentLogger, type KafkaClientSettings } from "../lib";
import { consumeBetween, endOffsets, ensureTopic, kafkaClient, testServers, type Consumed } from "../../test/harness";
import { FIXTURE_NOW, FIXTURE_RANGE, fixtureClient, fixtureSource } from "./fixtures/client";
import { FIXTURE_TRADING_DAYS } from "./fixtures/generate";
import { recordedBars } from "./fixtures/expected";
import { createBatchMetrics } from "./metrics";
import { openKafkaPublisher } from "./publish";
import { main } from "./main";
import { exitCode, run, type BatchReport } from "./run";


/** The messages the fixtures should produce, read straight off the wire arrays. */
function expectedMessages(): Set<string> {
  return new Set(recordedBars().map((bar) => `${bar.symbol}\n${encodeRecord(BAR_SCHEMA, bar)}`));
}

describe("batch producer against a real broker", function () {
  this.timeout(300_000);
  const topic = TOPICS.batch;
  let kafka: Kafka;
  let settings: KafkaClientSettings;

  before(async () => {
    const servers = await testServers();
    kafka = kafkaClient(servers.kafka, "batch-producer-itest");
    settings = { brokers: servers.kafka.brokers, clientId: "batch-producer-itest", ssl: false, acks: "all" };
    await ensureTopic(kafka, topic, 3);
  });

  async function runOnce(): Promise<Consumed[]> {
    const before = await endOffsets(kafka, topic);
    const publisher = await openKafkaPublisher(kafka, settings);
    try {
      const summary = await run(
        { symbols: DEFAULT_BATCH_SYMBOLS, range: FIXTURE_RANGE },
        { source: fixtureSource(), publisher, log: silentLogger, metrics: createBatchMetrics(new Registry()) },
      );
      assert.equal(exitCode(summary), 0, JSON.stringify(summary.outcomes.filter((o) => o.status !== "published")));
    } finally {
      await publisher.close();
    }
    return consumeBetween(kafka, topic, before, await endOffsets(kafka, topic));
  }

  it("publishes the fixture bars once each, keyed by symbol, and the same bytes on a second run", async () => {
    const first = await runOnce();

    assert.equal(first.length, DEFAULT_BATCH_SYMBOLS.length * FIXTURE_TRADING_DAYS);
    const bars = first.map((m) => parseBar(JSON.parse(m.value), FIXTURE_NOW));
    assert.ok(first.every((m, i) => m.key === bars[i]!.symbol));
    assert.equal(new Set(bars.map(barId)).size, first.length);
    assert.deepEqual(new Set(first.map((m) => `${m.key}\n${m.value}`)), expectedMessages());
    for (const symbol of DEFAULT_BATCH_SYMBOLS) {
      const own = first.filter((m) => m.key === symbol).sort((a, b) => (a.offset < b.offset ? -1 : 1));
      assert.equal(new Set(own.map((m) => m.partition)).size, 1, `${symbol} is on one partition`);
      const dates = own.map((m) => (JSON.parse(m.value) as DailyBar).trade_date);
      assert.deepEqual(dates, [...dates].sort(), `${symbol} is in date order`);
    }

    const second = await runOnce();
    const pairs = (ms: Consumed[]) => ms.map((m) => `${m.partition}\n${m.key}\n${m.value}`).sort();
    assert.deepEqual(pairs(second), pairs(first));
  });

  it("runs from main() once to completion and exits 0, as Airflow runs it, reporting where its records end", async () => {
    const before = await endOffsets(kafka, topic);
    const summaryFile = path.join(mkdtempSync(path.join(tmpdir(), "batch-summary-")), "summary.json");
    const vars = { [ENV.kafkaBrokers]: settings.brokers.join(","), [ENV.batchFrom]: FIXTURE_RANGE.from, [ENV.batchTo]: FIXTURE_RANGE.to, [ENV.logLevel]: "warn", [ENV.batchSummaryFile]: summaryFile };
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array) => (lines.push(String(chunk)), true)) as typeof process.stdout.write;
    let code: number;
    try {
      code = await main(vars, fixtureClient().replay.fetch);
    } finally {
      process.stdout.write = write;
    }
    assert.equal(code, 0);
    const after = await endOffsets(kafka, topic);
    const published = await consumeBetween(kafka, topic, before, after);
    assert.deepEqual(new Set(published.map((m) => `${m.key}\n${m.value}`)), expectedMessages());
    assert.equal(published.length, expectedMessages().size);

    const report = JSON.parse(lines.join("").trimEnd().split("\n").at(-1)!) as BatchReport;
    assert.deepEqual(JSON.parse(readFileSync(summaryFile, "utf8")), report, "the file holds the last line of stdout");
    assert.equal(report.bars, 2_500);
    const written = [...new Set(published.map((m) => m.partition))].sort();
    assert.deepEqual(Object.keys(report.endOffsets).map(Number).sort(), written, "every partition written, and only those");
    for (const p of written) assert.equal(report.endOffsets[String(p)], after.get(p)!.toString(), `partition ${p} ends where the topic ends`);
  });

  it("runs from main() with BATCH_SOURCE=simulated without any network: simulated bars, valid, each symbol on one partition", async () => {
    const before = await endOffsets(kafka, topic);
    const vars = { [ENV.kafkaBrokers]: settings.brokers.join(","), [ENV.batchSource]: "simulated", [ENV.batchSymbols]: "AAPL,MSFT,V", [ENV.batchFrom]: "2026-01-05", [ENV.batchTo]: "2026-01-30", [ENV.logLevel]: "warn" };
    const offline = () => Promise.reject(new Error("no network in this test"));
    assert.equal(await main(vars, offline as typeof fetch), 0);
    const published = await consumeBetween(kafka, topic, before, await endOffsets(kafka, topic));
    assert.equal(published.length, 3 * 20, "20 weekdays of January 2026 for 3 symbols");
    const bars = published.map((m) => parseBar(JSON.parse(m.value)));
    assert.ok(bars.every((b, i) => b.source === "simulated" && b.symbol === published[i]!.key));
    for (const symbol of ["AAPL", "MSFT", "V"]) assert.equal(new Set(published.filter((m) => m.key === symbol).map((m) => m.partition)).size, 1, symbol);
  });
});
