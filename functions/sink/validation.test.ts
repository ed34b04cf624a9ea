import assert from "node:assert/strict";
import type { KafkaMessage } from "kafkajs";
import { BAR_SCHEMA, TICK_SCHEMA, TOPICS, decodeMessage, encodeRecord, recordFolder, SCHEMAS } from "../../contract";
import { message, mixedFetch } from "./fixtures/messages";
import { inProcessValidator, packMessages, validatePacked, type Verdicts } from "./validation";

const NOW = Date.parse("2026-03-03T12:00:00Z");

/** Each message's verdict as decodeMessage alone gives it: [folder, stored line] or [code, reason]. */
function expected(topic: string, messages: readonly KafkaMessage[]): [string, string][] {
  return messages.map((m) => {
    const d = decodeMessage(topic, m.key, m.value, new Date(NOW));
    if (!d.ok) return [d.code, d.reason];
    const schema = SCHEMAS[d.kind];
    return [recordFolder(schema, d.record), d.canonical ? m.value!.toString() : encodeRecord(schema, d.record)];
  });
}

function actual(v: Verdicts, messages: readonly KafkaMessage[], from = 0): [string, string][] {
  const lines = new Map(v.lines);
  const rejects = new Map(v.rejects.map(([i, code, reason]) => [i, [code, reason] as [string, string]]));
  return messages.slice(from).map((m, i) => (v.folderOf[i]! >= 0 ? [v.folders[v.folderOf[i]!]!, lines.get(i) ?? m.value!.toString()] : rejects.get(i)!));
}

describe("sink validation (packed fetches)", () => {
  it("gives every message of a fetch the verdict decodeMessage gives it: folder and stored line, or the reason it is a dead letter", () => {
    const fetch = mixedFetch();
    const v = validatePacked(packMessages(TOPICS.realtime, fetch, 0, NOW));
    assert.equal(v.dataset, TICK_SCHEMA.dataset);
    assert.deepEqual(actual(v, fetch), expected(TOPICS.realtime, fetch));
    assert.deepEqual([...v.folderOf].map((f) => f >= 0), [true, true, true, false, false, false, false, false, false, false, true]);
    assert.deepEqual(v.folders, ["date=2026-03-02/hour=20", "date=2026-03-02/hour=21", "date=2026-03-03/hour=00"], "each folder named once, in order of first use");
    assert.deepEqual(v.lines.map(([i]) => i), [2], "only the non-canonical record carries a line");
    assert.deepEqual(
      v.rejects.map(([i, code]) => [i, code]),
      [[3, "not_json"], [4, "empty"], [5, "key_mismatch"], [6, "key_mismatch"], [7, "future_timestamp"], [8, "inconsistent_prices"], [9, "empty"]],
    );
  });

  it("packs only the messages from the first one still to buffer", () => {
    const fetch = mixedFetch();
    const packed = packMessages(TOPICS.realtime, fetch, 7, NOW);
    assert.equal(packed.bounds.length, 4 * 4);
    assert.deepEqual(actual(validatePacked(packed), fetch, 7), expected(TOPICS.realtime, fetch.slice(7)));
  });

  it("reads bars of the batch topic into their folders, and refuses every message of a topic without a schema", () => {
    const bar = { symbol: "AAPL", trade_date: "2025-01-02", open: 10, high: 12, low: 9, close: 11, adj_close: 11, volume: 100, source: "yahoo" };
    const bars = [message(0, encodeRecord(BAR_SCHEMA, bar as never), "AAPL")];
    const v = validatePacked(packMessages(TOPICS.batch, bars, 0, NOW));
    assert.deepEqual(actual(v, bars), expected(TOPICS.batch, bars));
    assert.equal(v.dataset, BAR_SCHEMA.dataset);
    const unknown = validatePacked(packMessages("elsewhere", bars, 0, NOW));
    assert.deepEqual(unknown.rejects, [[0, "unknown_topic", 'no record schema for topic "elsewhere"']]);
  });

  it("validates an empty remainder of a fetch", async () => {
    const v = await inProcessValidator().validate(packMessages(TOPICS.realtime, mixedFetch(), 11, NOW));
    assert.deepEqual([v.folderOf.length, v.folders, v.lines, v.rejects], [0, [], [], []]);
  });
});
