import assert from "node:assert/strict";
import { DEFAULT_BATCH_SYMBOLS, ENV } from "../../contract";
import { EnvError } from "../lib";
import { DEFAULT_RETRY, readConfig, yearBefore } from "./config";

const NOW = new Date("2025-06-15T09:00:00Z");
const BASE = { [ENV.kafkaBrokers]: "127.0.0.1:9092" };

function problems(vars: Record<string, string>): readonly string[] {
  try {
    readConfig({ ...BASE, ...vars }, NOW);
  } catch (err) {
    if (err instanceof EnvError) return err.problems;
    throw err;
  }
  assert.fail(`expected ${JSON.stringify(vars)} to be rejected`);
}

describe("batch-producer config", () => {
  it("defaults to the ten batch symbols over the year up to today", () => {
    const config = readConfig(BASE, NOW);
    assert.deepEqual(config.batch.symbols, [...DEFAULT_BATCH_SYMBOLS]);
    assert.deepEqual(config.batch.range, { from: "2024-06-15", to: "2025-06-15" });
    assert.deepEqual(config.batch.retry, DEFAULT_RETRY);
    assert.equal(config.metricsPort, 0);
    assert.equal(config.kafka.clientId, "batch-producer");
  });

  it("reads a backfill range, symbols and the attempts", () => {
    const config = readConfig(
      { ...BASE, [ENV.batchFrom]: "2020-01-01", [ENV.batchTo]: "2020-12-31", [ENV.batchSymbols]: "BRK-B, ^GSPC,AAPL", [ENV.batchFetchAttempts]: "3" },
      NOW,
    );
    assert.deepEqual(config.batch.range, { from: "2020-01-01", to: "2020-12-31" });
    assert.deepEqual(config.batch.symbols, ["BRK-B", "^GSPC", "AAPL"]);
    assert.equal(config.batch.retry.attempts, 3);
  });

  it("takes a year before BATCH_TO when only BATCH_TO is set, and today when only BATCH_FROM is", () => {
    assert.deepEqual(readConfig({ ...BASE, [ENV.batchTo]: "2024-02-29" }, NOW).batch.range, { from: "2023-03-01", to: "2024-02-29" });
    assert.deepEqual(readConfig({ ...BASE, [ENV.batchFrom]: "2025-01-01" }, NOW).batch.range, { from: "2025-01-01", to: "2025-06-15" });
  });

  it("rejects a lower-case symbol, naming the variable and the value", () => {
    assert.deepEqual(problems({ [ENV.batchSymbols]: "AAPL,aapl" }), ['`BATCH_SYMBOLS` entries must be tickers such as AAPL or BRK-B (got "aapl")']);
  });

  it("rejects a symbol with a space", () => {
    assert.deepEqual(problems({ [ENV.batchSymbols]: "AA PL" }), ['`BATCH_SYMBOLS` entries must be tickers such as AAPL or BRK-B (got "AA PL")']);
  });

  it("rejects a symbol listed twice", () => {
    assert.deepEqual(problems({ [ENV.batchSymbols]: "AAPL,MSFT,AAPL" }), ['`BATCH_SYMBOLS` lists "AAPL" more than once']);
  });

  it("rejects BATCH_FROM after BATCH_TO, naming both", () => {
    assert.deepEqual(problems({ [ENV.batchFrom]: "2024-06-01", [ENV.batchTo]: "2024-01-01" }), [
      '`BATCH_FROM` must be before `BATCH_TO` (got "2024-06-01" and "2024-01-01")',
    ]);
  });

  it("rejects BATCH_FROM equal to the default BATCH_TO", () => {
    assert.deepEqual(problems({ [ENV.batchFrom]: "2025-06-15" }), ['`BATCH_FROM` must be before `BATCH_TO` (got "2025-06-15" and today, 2025-06-15)']);
  });

  for (const [name, text] of [
    [ENV.batchFrom, "2024-13-01"],
    [ENV.batchFrom, "1/2/2024"],
    [ENV.batchTo, "2024-02-30"],
    [ENV.batchTo, "yesterday"],
  ] as const) {
    it(`rejects ${name}="${text}" as a date`, () => {
      assert.deepEqual(problems({ [name]: text }), [`\`${name}\` must be a date YYYY-MM-DD (got "${text}")`]);
    });
  }

  it("rejects BATCH_TO in the future", () => {
    assert.deepEqual(problems({ [ENV.batchFrom]: "2025-01-01", [ENV.batchTo]: "2025-06-16" }), [
      '`BATCH_TO` must not be in the future (got "2025-06-16", today is 2025-06-15)',
    ]);
  });

  it("rejects attempts out of bounds", () => {
    assert.deepEqual(problems({ [ENV.batchFetchAttempts]: "0" }), ['`BATCH_FETCH_ATTEMPTS` must be an integer >= 1 and <= 20 (got "0")']);
  });

  it("reports every problem at once, Kafka's included", () => {
    let error: unknown;
    try {
      readConfig({ [ENV.batchSymbols]: "aapl", [ENV.batchTo]: "2099-01-01", [ENV.logLevel]: "loud" }, NOW);
    } catch (err) {
      error = err;
    }
    assert.ok(error instanceof EnvError);
    assert.equal(error.problems.length, 4);
    assert.match(error.message, /`BATCH_SYMBOLS`.*"aapl"/);
    assert.match(error.message, /`BATCH_TO` must not be in the future \(got "2099-01-01"/);
    assert.match(error.message, /`KAFKA_BROKERS` is required/);
    assert.match(error.message, /`LOG_LEVEL` must be one of debug, info, warn, error \(got "loud"\)/);
  });

  it("goes back to the same date a year earlier", () => {
    assert.equal(yearBefore("2025-06-15"), "2024-06-15");
    assert.equal(yearBefore("2024-02-29"), "2023-03-01");
  });
});
