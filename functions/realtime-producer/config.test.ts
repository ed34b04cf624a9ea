import assert from "node:assert/strict";
import { DEFAULT_REALTIME_SYMBOLS, ENV, FUNCTION_COMMANDS } from "../../contract";
import { EnvError } from "../lib";
import { readSettings, settingsForLog } from "./config";

const BASE = { [ENV.kafkaBrokers]: "127.0.0.1:9092" };

function problems(env: Record<string, string>): readonly string[] {
  try {
    readSettings({ ...BASE, ...env });
  } catch (err) {
    if (err instanceof EnvError) return err.problems;
    throw err;
  }
  return assert.fail("expected an EnvError");
}

function rejects(env: Record<string, string>, ...patterns: RegExp[]): void {
  const found = problems(env);
  assert.equal(found.length, patterns.length, found.join("\n"));
  patterns.forEach((p, i) => assert.match(found[i]!, p));
}

describe("realtime-producer config", () => {
  it("defaults to 8 simulated symbols every 2 s with seed 42, no metrics server, no tick limit", () => {
    const s = readSettings(BASE);
    assert.deepEqual(s.symbols, [...DEFAULT_REALTIME_SYMBOLS]);
    assert.equal(s.intervalMs, 2000);
    assert.equal(s.seed, 42);
    assert.equal(s.source, "simulated");
    assert.equal(s.quoteApiKey, undefined);
    assert.equal(s.metricsPort, 0);
    assert.equal(s.maxTicks, undefined);
    assert.equal(s.kafka.acks, "all");
    assert.equal(s.kafka.clientId, FUNCTION_COMMANDS.realtimeProducer);
  });

  it("reads every variable", () => {
    const s = readSettings({
      ...BASE,
      [ENV.symbols]: "AAPL, BRK.B,^GSPC",
      [ENV.tickIntervalMs]: "500",
      [ENV.simulationSeed]: "-7",
      [ENV.quoteSource]: "live",
      [ENV.quoteApiKey]: "k3y",
      [ENV.metricsPort]: "9464",
      [ENV.logLevel]: "debug",
      [ENV.maxTicks]: "5",
    });
    assert.deepEqual(
      { symbols: s.symbols, intervalMs: s.intervalMs, seed: s.seed, source: s.source, key: s.quoteApiKey, port: s.metricsPort, level: s.logLevel, max: s.maxTicks },
      { symbols: ["AAPL", "BRK.B", "^GSPC"], intervalMs: 500, seed: -7, source: "live", key: "k3y", port: 9464, level: "debug", max: 5 },
    );
  });

  it("rejects a lower-case symbol, naming the variable and the value", () => {
    rejects({ [ENV.symbols]: "AAPL,aapl" }, /`SYMBOLS` .*tickers.*\(got "aapl"\)/);
  });

  it("rejects a symbol with a space", () => {
    rejects({ [ENV.symbols]: "AA PL" }, /`SYMBOLS` .*\(got "AA PL"\)/);
  });

  it("rejects a symbol listed twice and an empty list", () => {
    rejects({ [ENV.symbols]: "AAPL,MSFT,AAPL" }, /`SYMBOLS` lists "AAPL" more than once/);
    rejects({ [ENV.symbols]: " , " }, /`SYMBOLS` must list at least one value \(got ","\)/);
  });

  for (const value of ["99", "3600001", "2s", "1.5e3", "2000.5"]) {
    it(`rejects TICK_INTERVAL_MS="${value}"`, () => {
      rejects({ [ENV.tickIntervalMs]: value }, new RegExp(`\`TICK_INTERVAL_MS\` must be an integer >= 100 and <= 3600000 \\(got "${value.replace(".", "\\.")}"\\)`));
    });
  }

  it("accepts the interval bounds", () => {
    assert.equal(readSettings({ ...BASE, [ENV.tickIntervalMs]: "100" }).intervalMs, 100);
    assert.equal(readSettings({ ...BASE, [ENV.tickIntervalMs]: "3600000" }).intervalMs, 3_600_000);
  });

  it("rejects a seed that is not an integer", () => {
    rejects({ [ENV.simulationSeed]: "abc" }, /`SIMULATION_SEED` must be an integer \(got "abc"\)/);
  });

  it("rejects an unknown quote source", () => {
    rejects({ [ENV.quoteSource]: "yahoo" }, /`QUOTE_SOURCE` must be one of simulated, live \(got "yahoo"\)/);
  });

  it("requires the key for the live source and says how to set it", () => {
    rejects(
      { [ENV.quoteSource]: "live" },
      /`QUOTE_API_KEY` is required when `QUOTE_SOURCE` is "live" \(got no value\); .*`pulumi config set --secret quoteApiKey <key>`/,
    );
    rejects({ [ENV.quoteSource]: "live", [ENV.quoteApiKey]: "  " }, /`QUOTE_API_KEY` is required/);
  });

  it("ignores the key of the simulated source", () => {
    assert.equal(readSettings({ ...BASE, [ENV.quoteApiKey]: "k3y" }).quoteApiKey, undefined);
  });

  it("rejects a tick limit below 1 and a bad metrics port", () => {
    rejects({ [ENV.maxTicks]: "0" }, /`MAX_TICKS` must be an integer >= 1 \(got "0"\)/);
    rejects({ [ENV.metricsPort]: "70000" }, /`METRICS_PORT` must be an integer >= 0 and <= 65535 \(got "70000"\)/);
  });

  it("reports every problem at once, Kafka's included", () => {
    const found = problems({
      [ENV.kafkaBrokers]: "",
      [ENV.symbols]: "aapl",
      [ENV.tickIntervalMs]: "10",
      [ENV.simulationSeed]: "x",
      [ENV.quoteSource]: "live",
      [ENV.logLevel]: "loud",
    });
    for (const name of [ENV.kafkaBrokers, ENV.symbols, ENV.tickIntervalMs, ENV.simulationSeed, ENV.quoteApiKey, ENV.logLevel]) {
      assert.ok(found.some((p) => p.includes(`\`${name}\``)), `${name} missing from:\n${found.join("\n")}`);
    }
    assert.equal(found.length, 6, found.join("\n"));
  });

  it("masks the key when the settings are logged", () => {
    const s = readSettings({ ...BASE, [ENV.quoteSource]: "live", [ENV.quoteApiKey]: "sup3r-s3cret" });
    const logged = JSON.stringify(settingsForLog(s));
    assert.ok(!logged.includes("sup3r-s3cret"), logged);
    assert.match(logged, /"quoteApiKey":"\*\*\*"/);
  });
});
