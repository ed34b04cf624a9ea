import assert from "node:assert/strict";
import { DEFAULT_REALTIME_SYMBOLS, PORTS } from "../../contract";
import { EnvError } from "../lib";
import { readDashboardSettings } from "./config";

function problems(env: Record<string, string>): readonly string[] {
  try {
    readDashboardSettings({ KAFKA_BROKERS: "kafka:9092", ...env });
  } catch (err) {
    if (err instanceof EnvError) return err.problems;
    throw err;
  }
  return [];
}

describe("dashboard settings", () => {
  it("applies defaults: the platform's symbols, its own group, port 8090, no metrics server unless asked", () => {
    const s = readDashboardSettings({ KAFKA_BROKERS: "kafka:9092" });
    assert.deepEqual(s.symbols, [...DEFAULT_REALTIME_SYMBOLS]);
    assert.equal(s.groupId, "market-data-dashboard");
    assert.equal(s.port, PORTS.dashboard);
    assert.equal(s.metricsPort, 0);
    assert.deepEqual(s.targets, []);
    assert.equal(s.scrapeTimeoutMs, 1_500);
    assert.equal(s.kafka.clientId, "dashboard");
  });

  it("reads the functions to watch, each by name and URL, discovered by DNS when asked", () => {
    const s = readDashboardSettings({
      KAFKA_BROKERS: "kafka:9092",
      DASHBOARD_TARGETS: "realtime-producer=http://realtime-producer:9464, sink=http://sink-1:9464/,sink=dns+http://sink-metrics.market-data.svc:9464",
    });
    assert.deepEqual(s.targets, [
      { name: "realtime-producer", url: "http://realtime-producer:9464", discovery: "static" },
      { name: "sink", url: "http://sink-1:9464", discovery: "static" },
      { name: "sink", url: "http://sink-metrics.market-data.svc:9464", discovery: "dns" },
    ]);
  });

  it("names every bad variable and its value at once", () => {
    assert.deepEqual(
      problems({
        SYMBOLS: "AAPL,aapl,AAPL",
        DASHBOARD_TARGETS: "sink=http://sink-1:9464,spark=http://spark:8080,sink=sink-1:9464,sink=http://sink-1:9464,sink",
        DASHBOARD_PORT: "99999",
        DASHBOARD_SCRAPE_INTERVAL_MS: "1000",
        DASHBOARD_SCRAPE_TIMEOUT_MS: "2000",
        DASHBOARD_WINDOW_MINUTES: "0",
        DASHBOARD_MAX_CLIENTS: "many",
      }),
      [
        '`SYMBOLS` entries must be tickers matching /^\\^?[A-Z0-9][A-Z0-9.=-]{0,14}$/ such as AAPL (got "aapl")',
        '`SYMBOLS` lists "AAPL" more than once',
        "`DASHBOARD_SCRAPE_TIMEOUT_MS` must not exceed `DASHBOARD_SCRAPE_INTERVAL_MS` (got 2000 with an interval of 1000)",
        '`DASHBOARD_PORT` must be an integer >= 0 and <= 65535 (got "99999")',
        '`DASHBOARD_TARGETS` entries must be <function>=<url>, the function one of realtime-producer, batch-producer, sink and the url http://host:port or dns+http://host:port (got "spark=http://spark:8080")',
        '`DASHBOARD_TARGETS` entries must be <function>=<url>, the function one of realtime-producer, batch-producer, sink and the url http://host:port or dns+http://host:port (got "sink=sink-1:9464")',
        '`DASHBOARD_TARGETS` lists "sink=http://sink-1:9464" more than once',
        '`DASHBOARD_TARGETS` entries must be <function>=<url>, the function one of realtime-producer, batch-producer, sink and the url http://host:port or dns+http://host:port (got "sink")',
        '`DASHBOARD_WINDOW_MINUTES` must be an integer >= 1 and <= 1440 (got "0")',
        '`DASHBOARD_MAX_CLIENTS` must be an integer >= 1 and <= 10000 (got "many")',
      ],
    );
  });
});
