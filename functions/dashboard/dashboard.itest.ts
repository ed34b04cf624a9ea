import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Registry } from "prom-client";
import { TICK_SCHEMA, TOPICS, encodeRecord, type Tick } from "../../contract";
import { functionsBundle, kafkaClient, recreatePlatformTopics, testServers } from "../../test/harness";
import { producerConfig, silentLogger } from "../lib";
import { readDashboardSettings } from "./config";
import { startDashboard, type Dashboard } from "./main";
import type { Snapshot } from "./messages";

const SYMBOLS = ["AAPL", "MSFT"];

function tick(symbol: string, at: number, price: number): Tick {
  return { symbol, event_time: new Date(at).toISOString(), price, bid: price - 0.01, ask: price + 0.01, volume: 10, source: "simulated" };
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** The dashboard on a real broker: its own group, the latest offsets, bad ticks skipped and counted. */
describe("dashboard on a real Kafka broker", function () {
  let dashboard: Dashboard | undefined;
  after(async () => {
    await dashboard?.stop();
  });

  it("shows only ticks sent after it joined, skips and counts bad ones, and keeps going", async () => {
    const servers = await testServers();
    const kafka = kafkaClient(servers.kafka, "dashboard-itest");
    await recreatePlatformTopics(kafka);
    const producer = kafka.producer(producerConfig({ brokers: servers.kafka.brokers, clientId: "dashboard-itest", ssl: false, acks: "all" }));
    await producer.connect();
    const send = (messages: { key: string; value: string }[]) => producer.send({ topic: TOPICS.realtime, acks: -1, messages });
    try {
      const now = Date.now();
      await send([{ key: "AAPL", value: encodeRecord(TICK_SCHEMA, tick("AAPL", now - 5_000, 999)) }]);

      const settings = readDashboardSettings({
        KAFKA_BROKERS: servers.kafka.brokers.join(","),
        SYMBOLS: SYMBOLS.join(","),
        DASHBOARD_PORT: "0",
        DASHBOARD_GROUP_ID: `dashboard-itest-${randomBytes(4).toString("hex")}`,
        DASHBOARD_ASSETS_DIR: path.join(path.dirname(await functionsBundle()), "dashboard"),
      });
      const consumer = kafka.consumer({ groupId: settings.groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
      dashboard = await startDashboard(settings, { log: silentLogger, consumer, registry: new Registry(), host: "127.0.0.1" });
      const d = dashboard;
      await until("the dashboard to join its group", () => (d.feed.ready ? true : undefined));

      await send([
        { key: "AAPL", value: encodeRecord(TICK_SCHEMA, tick("AAPL", now, 190)) },
        { key: "AAPL", value: "{not json" },
        { key: "MSFT", value: JSON.stringify({ ...tick("MSFT", now, 410), price: -1 }) },
        { key: "AAPL", value: encodeRecord(TICK_SCHEMA, tick("MSFT", now, 410)) },
        { key: "AAPL", value: encodeRecord(TICK_SCHEMA, tick("AAPL", now, 190)) },
        { key: "TSLA", value: encodeRecord(TICK_SCHEMA, tick("TSLA", now, 250)) },
        { key: "MSFT", value: encodeRecord(TICK_SCHEMA, tick("MSFT", now + 1, 411)) },
      ]);
      const snapshot = await until("every message to be handled", () => {
        const s = d.snapshot();
        const handled = s.stats.ticksAccepted + Object.values(s.stats.ticksSkipped).reduce((a, b) => a + b, 0);
        return handled >= 7 ? s : undefined;
      });
      assert.equal(snapshot.stats.ticksAccepted, 2);
      assert.deepEqual(snapshot.stats.ticksSkipped, { not_json: 1, non_positive_price: 1, key_mismatch: 1, duplicate: 1, unknown_symbol: 1 });
      const price = (s: Snapshot, symbol: string) => s.market.quotes.find((q) => q.symbol === symbol)?.last?.price;
      assert.equal(price(snapshot, "AAPL"), 190, "the tick sent before it joined is not shown: it starts from the latest offsets");
      assert.equal(price(snapshot, "MSFT"), 411);

      const page = await fetch(`http://127.0.0.1:${d.port}/`);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<script src="app\.js"/);
    } finally {
      await producer.disconnect();
    }
  });
});
