import assert from "node:assert/strict";
import { ENV } from "../../contract";
import { EnvError } from "../lib";
import { readSinkSettings } from "./config";

const BASE = { [ENV.kafkaBrokers]: "127.0.0.1:9092", [ENV.rawBucket]: "raw" };

function problems(vars: Record<string, string>): readonly string[] {
  try {
    readSinkSettings({ ...BASE, ...vars });
  } catch (err) {
    if (err instanceof EnvError) return err.problems;
    throw err;
  }
  return [];
}

describe("sink settings", () => {
  it("applies the defaults", () => {
    const s = readSinkSettings(BASE);
    const archive = { records: 100_000, bytes: 16 * 1024 * 1024, intervalMs: 60_000 };
    assert.deepEqual(s.flush, { "stock-market-realtime": { ...archive, idleMs: 0 }, "stock-market-batch": { ...archive, idleMs: 500 } }, "ticks once a minute, bars when their burst ends");
    assert.deepEqual(s.topics, ["stock-market-realtime", "stock-market-batch"]);
    assert.equal(s.handoverDelayMs, s.s3RequestTimeoutMs + 1_000, "the handover outlasts a write in flight");
    assert.equal(s.validationThread, true);
  });

  it("validates on the consumer's thread when told to, and refuses what is not a boolean", () => {
    assert.equal(readSinkSettings({ ...BASE, [ENV.sinkValidationThread]: "false" }).validationThread, false);
    assert.deepEqual(problems({ [ENV.sinkValidationThread]: "sometimes" }), ['`SINK_VALIDATION_THREAD` must be true or false (got "sometimes")']);
  });

  it("sets the shared thresholds for both topics and the idle time per topic", () => {
    const s = readSinkSettings({ ...BASE, [ENV.sinkFlushIntervalMs]: "100", [ENV.sinkFlushIdleMsRealtime]: "250", [ENV.sinkFlushIdleMsBatch]: "0" });
    assert.deepEqual(
      Object.values(s.flush).map((p) => [p.intervalMs, p.idleMs]),
      [
        [100, 250],
        [100, 0],
      ],
    );
    assert.deepEqual(problems({ [ENV.sinkFlushIdleMsBatch]: "-1", [ENV.sinkFlushIdleMsRealtime]: "later" }), [
      '`SINK_FLUSH_IDLE_MS_REALTIME` must be an integer >= 0 and <= 3600000 (got "later")',
      '`SINK_FLUSH_IDLE_MS_BATCH` must be an integer >= 0 and <= 3600000 (got "-1")',
    ]);
  });

  it("reports every bad variable at once, naming it and its value", () => {
    assert.deepEqual(problems({ [ENV.rawBucket]: "", [ENV.sinkFlushRecords]: "0", [ENV.sinkFlushIntervalMs]: "soon", [ENV.kafkaBrokers]: "kafka" }), [
      "`RAW_BUCKET` is required",
      "`SINK_FLUSH_RECORDS` must be an integer >= 1 and <= 1000000 (got \"0\")",
      '`SINK_FLUSH_INTERVAL_MS` must be an integer >= 10 and <= 3600000 (got "soon")',
      '`KAFKA_BROKERS` entries must be host:port (got "kafka")',
    ]);
  });

  it("refuses a session timeout below the broker's minimum and a bad S3 endpoint", () => {
    assert.deepEqual(problems({ [ENV.sinkSessionTimeoutMs]: "1000", [ENV.s3Endpoint]: "minio:9000" }), [
      '`SINK_SESSION_TIMEOUT_MS` must be an integer >= 6000 and <= 300000 (got "1000")',
      '`S3_ENDPOINT` must be an http(s) URL such as http://minio:9000 (got "minio:9000")',
    ]);
  });
});
