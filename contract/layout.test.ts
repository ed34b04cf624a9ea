import assert from "node:assert/strict";
import { dataObjectKey, parseDataObjectKey, recordDate, schemaForDataset, sinkJournalKey, type DataObject } from "./layout";
import { BAR_SCHEMA, TICK_SCHEMA } from "./records";

describe("object layout", () => {
  const object: DataObject = { dataset: "ticks", date: "2026-03-03", symbol: "AAPL", topic: "stock-market-realtime", partition: 2, startOffset: 100n, endOffset: 2n ** 60n };

  it("names an object by Hive-style date and symbol partitions, topic, partition and offset range", () => {
    assert.equal(dataObjectKey(object), "ticks/date=2026-03-03/symbol=AAPL/stock-market-realtime+2+00000000000000000100+01152921504606846976.jsonl");
  });

  it("parses its own keys back, and nothing else", () => {
    assert.deepEqual(parseDataObjectKey(dataObjectKey(object)), object);
    assert.equal(parseDataObjectKey("_sink/stock-market-realtime/2.json"), undefined);
    assert.equal(parseDataObjectKey("ticks/date=2026-03-03/symbol=AAPL/part-0000.parquet"), undefined);
  });

  it("files a tick under its UTC date and a bar under its trading day", () => {
    assert.equal(recordDate(TICK_SCHEMA, { symbol: "AAPL", event_time: "2026-03-03T23:59:59.999Z", price: 1, bid: 1, ask: 1, volume: 0, source: "live" }), "2026-03-03");
    assert.equal(recordDate(BAR_SCHEMA, { symbol: "AAPL", trade_date: "2026-03-02", open: 1, high: 1, low: 1, close: 1, adj_close: 1, volume: 0, source: "yahoo" }), "2026-03-02");
  });

  it("keeps the journal outside the datasets, where Spark does not look", () => {
    assert.equal(sinkJournalKey("stock-market-batch", 0), "_sink/stock-market-batch/0.json");
    assert.equal(schemaForDataset("ticks"), TICK_SCHEMA);
    assert.equal(schemaForDataset("_sink"), undefined);
  });
});
