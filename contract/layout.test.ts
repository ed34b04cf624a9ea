import assert from "node:assert/strict";
import { dataObjectKey, folderNames, objectKeyInFolder, parseDataObjectKey, recordFolder, schemaForDataset, sinkJournalKey, type DataObject } from "./layout";
import { BAR_SCHEMA, TICK_SCHEMA, type DailyBar, type Tick } from "./records";

const TICK: Tick = { symbol: "AAPL", event_time: "2026-03-03T23:59:59.999Z", price: 1, bid: 1, ask: 1, volume: 0, source: "live" };
const BAR: DailyBar = { symbol: "AAPL", trade_date: "2025-12-31", open: 1, high: 1, low: 1, close: 1, adj_close: 1, volume: 0, source: "yahoo" };

describe("object layout", () => {
  const ticks: DataObject = { dataset: "ticks", folders: { date: "2026-03-03", hour: "23" }, topic: "stock-market-realtime", partition: 2, startOffset: 100n, endOffset: 2n ** 60n };
  const bars: DataObject = { dataset: "bars", folders: { year: "2025" }, topic: "stock-market-batch", partition: 0, startOffset: 0n, endOffset: 2_499n };

  it("names an object by its dataset, Hive-style folders, topic, partition and offset range, with no symbol in it", () => {
    assert.equal(dataObjectKey(ticks), "ticks/date=2026-03-03/hour=23/stock-market-realtime+2+00000000000000000100+01152921504606846976.jsonl");
    assert.equal(dataObjectKey(bars), "bars/year=2025/stock-market-batch+0+00000000000000000000+00000000000000002499.jsonl");
    assert.deepEqual(folderNames("ticks"), ["date", "hour"]);
    assert.deepEqual(folderNames("bars"), ["year"]);
  });

  it("files a tick under the UTC day and hour of its event time, and a bar under the year of its trading day", () => {
    assert.equal(recordFolder(TICK_SCHEMA, TICK), "date=2026-03-03/hour=23");
    assert.equal(recordFolder(TICK_SCHEMA, { ...TICK, event_time: "2026-03-04T00:00:00.000Z" }), "date=2026-03-04/hour=00");
    assert.equal(recordFolder(BAR_SCHEMA, BAR), "year=2025");
    assert.equal(objectKeyInFolder("ticks", recordFolder(TICK_SCHEMA, TICK), ticks), dataObjectKey(ticks), "both ways of naming agree");
  });

  it("parses its own keys back, and nothing else", () => {
    assert.deepEqual(parseDataObjectKey(dataObjectKey(ticks)), ticks);
    assert.deepEqual(parseDataObjectKey(dataObjectKey(bars)), bars);
    assert.equal(parseDataObjectKey("_sink/stock-market-realtime/2.json"), undefined);
    assert.equal(parseDataObjectKey("ticks/date=2026-03-03/hour=23/part-0000.parquet"), undefined);
    assert.equal(parseDataObjectKey("ticks/date=2026-03-03/symbol=AAPL/stock-market-realtime+2+00000000000000000100+00000000000000000199.jsonl"), undefined, "the old per-symbol layout");
    assert.equal(parseDataObjectKey("bars/date=2026-03-03/hour=23/stock-market-batch+2+00000000000000000100+00000000000000000199.jsonl"), undefined, "another dataset's folders");
    assert.throws(() => dataObjectKey({ ...ticks, dataset: "quotes" }), /no object layout for dataset "quotes"/);
  });

  it("keeps the journal outside the datasets, where Spark does not look", () => {
    assert.equal(sinkJournalKey("stock-market-batch", 0), "_sink/stock-market-batch/0.json");
    assert.equal(schemaForDataset("ticks"), TICK_SCHEMA);
    assert.equal(schemaForDataset("_sink"), undefined);
  });
});
