import assert from "node:assert/strict";
import type { KafkaMessage } from "kafkajs";
import { BAR_SCHEMA, TICK_SCHEMA, TOPICS, encodeRecord, parseDataObjectKey, type Tick } from "../../contract";
import { PartitionBatch } from "./batch";
import { message as fixtureMessage } from "./fixtures/messages";
import { packMessages, validatePacked, validated } from "./validation";

const NOW = Date.parse("2026-03-03T12:00:00Z");
const policy = { records: 4, bytes: 1_000_000, intervalMs: 1_000, idleMs: 0 };

function tick(symbol: string, time: string, price = 10): Tick {
  return { symbol, event_time: time, price, bid: price - 0.01, ask: price + 0.01, volume: 5, source: "simulated" };
}

function message(t: Tick | string, key?: string) {
  const value = Buffer.from(typeof t === "string" ? t : encodeRecord(TICK_SCHEMA, t));
  return { key: Buffer.from(key ?? (typeof t === "string" ? "AAPL" : t.symbol)), value };
}

/** Adds one message as the sink does: validated (see validation.ts), then buffered by its verdict. */
function addMessage(batch: PartitionBatch, topic: string, offset: bigint, m: { key: Buffer; value: Buffer }, at?: number): void {
  const v = validated(validatePacked(packMessages(topic, [m as KafkaMessage], 0, NOW)));
  batch.addValidated(offset, m, v, 0, at);
}

function add(batch: PartitionBatch, offset: bigint, t: Tick | string, key?: string): void {
  addMessage(batch, TOPICS.realtime, offset, message(t, key));
}

describe("PartitionBatch", () => {
  it("writes one object per folder of the layout, whatever the symbols, named with the batch's offset range", () => {
    const b = new PartitionBatch(TOPICS.realtime, 2, 100n, NOW);
    add(b, 100n, tick("AAPL", "2026-03-02T20:59:59.000Z"));
    add(b, 101n, tick("MSFT", "2026-03-02T21:00:00.000Z"));
    add(b, 102n, tick("AAPL", "2026-03-03T00:00:01.000Z"));
    add(b, 103n, tick("AAPL", "2026-03-02T21:00:01.000Z"));
    const objects = b.objects();
    assert.deepEqual(
      objects.map((o) => [o.key, o.records]),
      [
        ["ticks/date=2026-03-02/hour=20/stock-market-realtime+2+00000000000000000100+00000000000000000103.jsonl", 1],
        ["ticks/date=2026-03-02/hour=21/stock-market-realtime+2+00000000000000000100+00000000000000000103.jsonl", 2],
        ["ticks/date=2026-03-03/hour=00/stock-market-realtime+2+00000000000000000100+00000000000000000103.jsonl", 1],
      ],
    );
    for (const o of objects) assert.equal(parseDataObjectKey(o.key)?.endOffset, 103n);
    const lines = objects[1]!.body.toString().trimEnd().split("\n").map((l) => JSON.parse(l) as Tick);
    assert.deepEqual(lines.map((l) => [l.symbol, l.event_time]), [["MSFT", "2026-03-02T21:00:00.000Z"], ["AAPL", "2026-03-02T21:00:01.000Z"]], "records keep offset order, symbols mixed");
    assert.equal(objects[1]!.body.toString(), `${encodeRecord(TICK_SCHEMA, tick("MSFT", "2026-03-02T21:00:00.000Z"))}\n${encodeRecord(TICK_SCHEMA, tick("AAPL", "2026-03-02T21:00:01.000Z"))}\n`, "JSON Lines in schema field order");
  });

  it("files a year of bars from many symbols in one object per year", () => {
    const b = new PartitionBatch(TOPICS.batch, 0, 0n, NOW);
    const days = ["2024-12-30", "2024-12-31", "2025-01-02", "2025-01-03"];
    let offset = 0n;
    for (const symbol of ["AAPL", "MSFT", "JPM"]) {
      for (const day of days) {
        const bar = { symbol, trade_date: day, open: 10, high: 11, low: 9, close: 10.5, adj_close: 10.5, volume: 100, source: "yahoo" as const };
        const m = { key: Buffer.from(symbol), value: Buffer.from(encodeRecord(BAR_SCHEMA, bar)) };
        addMessage(b, TOPICS.batch, offset++, m);
      }
    }
    assert.deepEqual(
      b.objects().map((o) => [o.key, o.records]),
      [
        ["bars/year=2024/stock-market-batch+0+00000000000000000000+00000000000000000011.jsonl", 6],
        ["bars/year=2025/stock-market-batch+0+00000000000000000000+00000000000000000011.jsonl", 6],
      ],
    );
  });

  it("holds the exact JSON Lines of thousands of records, however many buffers they take", () => {
    const b = new PartitionBatch(TOPICS.realtime, 0, 0n, NOW);
    const ticks = Array.from({ length: 3_000 }, (_, i) => tick(i % 2 ? "AAPL" : "MSFT", new Date(Date.parse("2026-03-02T15:00:00.000Z") + i * 100).toISOString(), 10 + i / 100));
    ticks.forEach((t, i) => add(b, BigInt(i), t));
    const [object] = b.objects();
    assert.equal(object!.records, 3_000);
    assert.equal(object!.body.toString(), ticks.map((t) => `${encodeRecord(TICK_SCHEMA, t)}\n`).join(""));
    assert.equal(b.bytes, object!.body.length);
  });

  it("gives equal bytes for equal records, whatever the producer's field order", () => {
    const a = new PartitionBatch(TOPICS.realtime, 0, 0n, NOW);
    const b = new PartitionBatch(TOPICS.realtime, 0, 0n, NOW);
    const t = tick("AAPL", "2026-03-02T15:00:00.000Z");
    add(a, 0n, t);
    add(b, 0n, JSON.stringify({ source: t.source, volume: t.volume, ask: t.ask, bid: t.bid, price: t.price, event_time: t.event_time, symbol: t.symbol }));
    assert.deepEqual(a.objects(), b.objects());
  });

  it("keeps bad messages for the dead-letter topic with their offset, and counts them in the batch", () => {
    const b = new PartitionBatch(TOPICS.realtime, 0, 7n, NOW);
    add(b, 7n, "not json");
    add(b, 8n, tick("AAPL", "2026-03-02T15:00:00.000Z"));
    assert.equal(b.records, 2);
    assert.equal(b.validRecords, 1);
    assert.deepEqual(b.deadLetters.map((d) => [d.offset, d.code]), [[7n, "not_json"]]);
    assert.equal(b.objects().length, 1);
  });

  it("is complete at the record count, the byte size or the age of its first record, whichever comes first", () => {
    const b = new PartitionBatch(TOPICS.realtime, 0, 0n, NOW);
    assert.equal(b.isComplete(policy, NOW + 5_000), false, "an empty batch never flushes");
    for (let i = 0; i < 3; i++) add(b, BigInt(i), tick("AAPL", `2026-03-02T15:00:0${i}.000Z`));
    assert.equal(b.isComplete(policy, NOW + 999), false);
    assert.equal(b.isComplete(policy, NOW + 1_000), true, "by age");
    add(b, 3n, tick("AAPL", "2026-03-02T15:00:03.000Z"));
    assert.equal(b.isComplete(policy, NOW), true, "by count");
    assert.equal(b.isComplete({ ...policy, records: 100, bytes: 100 }, NOW), true, "by bytes");
  });

  it("is complete once no record has arrived for the idle time, when the policy has one", () => {
    const b = new PartitionBatch(TOPICS.batch, 0, 0n, NOW);
    const m = message(tick("AAPL", "2026-03-02T15:00:00.000Z"));
    addMessage(b, TOPICS.realtime, 0n, m, NOW + 400);
    const idle = { ...policy, records: 100, intervalMs: 60_000, idleMs: 500 };
    assert.equal(b.isComplete(idle, NOW + 899), false, "the burst may go on");
    assert.equal(b.isComplete(idle, NOW + 900), true, "500 ms after the last record");
    assert.equal(b.isComplete({ ...idle, idleMs: 0 }, NOW + 30_000), false, "0 never ends a batch by idleness");
  });

  it("ends a replayed batch exactly at its journaled offset, ignoring the thresholds", () => {
    const b = new PartitionBatch(TOPICS.realtime, 0, 0n, NOW, 5n);
    for (let i = 0; i < 5; i++) add(b, BigInt(i), tick("AAPL", `2026-03-02T15:00:0${i}.000Z`));
    assert.equal(b.isComplete({ ...policy, idleMs: 1 }, NOW + 60_000), false, "neither count, age nor idleness cut a replay short");
    add(b, 5n, tick("AAPL", "2026-03-02T15:00:05.000Z"));
    assert.equal(b.isComplete(policy, NOW), true);
  });

  it("takes a fetch in runs of records exactly as it would take its messages one at a time", () => {
    // Canonical ticks across hours, with re-encoded records and dead letters among them.
    const fetch: KafkaMessage[] = [];
    for (let k = 0; k < 300; k++) {
      const t = tick(k % 3 ? "AAPL" : "MSFT", new Date(Date.parse("2026-03-02T20:58:00.000Z") + k * 1_000).toISOString(), 10 + (k % 7));
      const value = k % 41 === 5 ? JSON.stringify({ ...t, volume: 5 }, Object.keys(t).reverse()) : k % 53 === 9 ? "{not json" : encodeRecord(TICK_SCHEMA, t);
      fetch.push(fixtureMessage(1_000 + k, value, k % 67 === 3 ? "MSFT" : t.symbol));
    }
    const v = validated(validatePacked(packMessages(TOPICS.realtime, fetch, 0, NOW)));
    const snapshot = (batches: PartitionBatch[]) =>
      batches.map((b) => [b.startOffset, b.endOffset, b.records, b.bytes, b.objects().map((o) => [o.key, o.body.toString(), o.records]), b.deadLetters.map((d) => [d.offset, d.code])]);
    const policies = [
      { records: 4, bytes: 1_000_000, intervalMs: 1_000, idleMs: 0 },
      { records: 1_000, bytes: 700, intervalMs: 1_000, idleMs: 0 },
      { records: 37, bytes: 2_500, intervalMs: 1_000, idleMs: 500 },
      { records: 1_000, bytes: 1_000_000, intervalMs: 1_000, idleMs: 0 },
    ];
    for (const p of policies) {
      for (const variant of ["fresh", "past its interval", "a replay"] as const) {
        const openedAt = variant === "past its interval" ? NOW - 5_000 : NOW;
        const forcedEnd = variant === "a replay" ? 1_150n : undefined;
        const take = (byRuns: boolean) => {
          const sealed: PartitionBatch[] = [];
          let open: PartitionBatch | undefined = new PartitionBatch(TOPICS.realtime, 0, 1_000n, openedAt, forcedEnd);
          let next = 1_000n;
          for (let i = 0; i < fetch.length; ) {
            open ??= new PartitionBatch(TOPICS.realtime, 0, next, NOW);
            if (byRuns) i = open.addFrom(fetch, 0, v, i, fetch.length, p, NOW);
            else open.addValidated(fetch[i]!.offset, fetch[i]!, v, i++, NOW);
            if (open.isComplete(p, NOW)) {
              sealed.push(open);
              next = open.endOffset + 1n;
              open = undefined;
            }
          }
          if (open) sealed.push(open);
          return snapshot(sealed);
        };
        const oneByOne = take(false);
        if (p.records < fetch.length || p.bytes < 1_000_000) assert.ok(oneByOne.length > 1, `${JSON.stringify(p)}, ${variant}: several batches`);
        assert.deepEqual(take(true), oneByOne, `${JSON.stringify(p)}, ${variant}`);
      }
    }
  });
});
