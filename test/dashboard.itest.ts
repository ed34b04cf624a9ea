import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { DEFAULT_REALTIME_SYMBOLS, ENV, FUNCTION_COMMANDS } from "../contract";
import { FunctionProcess, createBucket, kafkaClient, recreatePlatformTopics, s3Client, sinkEnvironment, testServers } from "./harness";
import { openBrowser, type Browser } from "./harness/browser";
import { repoRoot } from "./harness/files";
import { freePorts } from "./harness/process";

/** `DASHBOARD_SCREENSHOT=1` rewrites the README's picture; other runs leave the tree clean. */
const SCREENSHOT = path.join(repoRoot(), "docs", "dashboard.png");

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

async function isReady(port: number): Promise<true | undefined> {
  return (await fetch(`http://127.0.0.1:${port}/readyz`)).ok ? true : undefined;
}

/** The dashboard in a real browser, on the harness's Kafka, reading a real producer and sink. */
describe("dashboard in a browser", function () {
  const processes: FunctionProcess[] = [];
  let browser: Browser | undefined;
  after(async () => {
    await browser?.close();
    await Promise.all(processes.map((p) => p.kill()));
  });

  it("shows prices and candles per symbol, the sink landing records, the sink going down, and loads nothing from elsewhere", async function () {
    const servers = await testServers();
    await recreatePlatformTopics(kafkaClient(servers.kafka, "dashboard-itest"));
    const bucket = `dashboard-${randomBytes(4).toString("hex")}`;
    await createBucket(s3Client(servers.s3), bucket);
    const [sinkMetrics, producerMetrics, dashboardPort, dashboardMetrics] = (await freePorts(4)) as [number, number, number, number];
    const brokers = servers.kafka.brokers.join(",");

    const sink = await FunctionProcess.start("sink", FUNCTION_COMMANDS.sink, sinkEnvironment(servers, bucket, `dashboard-sink-${randomBytes(4).toString("hex")}`, { [ENV.metricsPort]: String(sinkMetrics) }));
    processes.push(sink);
    const dashboard = await FunctionProcess.start("dashboard", FUNCTION_COMMANDS.dashboard, {
      [ENV.kafkaBrokers]: brokers,
      [ENV.dashboardGroupId]: `dashboard-itest-${randomBytes(4).toString("hex")}`,
      [ENV.dashboardPort]: String(dashboardPort),
      [ENV.metricsPort]: String(dashboardMetrics),
      [ENV.dashboardTargets]: `realtime-producer=http://127.0.0.1:${producerMetrics},sink=http://127.0.0.1:${sinkMetrics}`,
      [ENV.dashboardScrapeIntervalMs]: "500",
      [ENV.dashboardScrapeTimeoutMs]: "400",
    });
    processes.push(dashboard);
    // From the latest offsets: ticks sent before the dashboard joined its group are not its to show.
    await waitFor("the dashboard to join its consumer group", 60_000, () => isReady(dashboardMetrics));
    await waitFor("the sink to join its group", 60_000, () => isReady(sinkMetrics));
    const producer = await FunctionProcess.start("realtime-producer", FUNCTION_COMMANDS.realtimeProducer, {
      [ENV.kafkaBrokers]: brokers,
      [ENV.tickIntervalMs]: "500",
      [ENV.metricsPort]: String(producerMetrics),
    });
    processes.push(producer);

    browser = await openBrowser();
    const { page } = browser;
    const origin = `http://127.0.0.1:${dashboardPort}`;
    await page.goto(`${origin}/`);

    const shows = async (symbol: string): Promise<boolean> => {
      const card = page.locator(`[data-symbol="${symbol}"]`);
      const price = await card.locator('[data-field="price"]').innerText({ timeout: 1_000 });
      const candles = Number(await card.locator('[data-field="chart"]').getAttribute("data-candles", { timeout: 1_000 }));
      return /^\d+\.\d{2}$/.test(price) && candles >= 1;
    };
    await waitFor("every symbol to show a price and a candle", 30_000, async () => ((await Promise.all(DEFAULT_REALTIME_SYMBOLS.map(shows))).every(Boolean) ? true : undefined));
    for (const symbol of DEFAULT_REALTIME_SYMBOLS) {
      const card = page.locator(`[data-symbol="${symbol}"]`);
      assert.match(await card.locator('[data-field="change"]').innerText(), /^[▲▼=] [+-]?\d+\.\d{2} \([+-]?\d+\.\d{2}%\)$/, `${symbol} shows its change`);
      assert.ok((await card.locator("canvas").count()) > 0, `${symbol} has a drawn chart`);
    }

    const landedTotal = async () => Number((await page.getByTestId("landed-total").innerText()).replace(/,/g, ""));
    const firstLanded = await waitFor("a landed count", 30_000, async () => {
      const n = await landedTotal();
      return Number.isFinite(n) && n > 0 ? n : undefined;
    });
    await waitFor("the landed count to rise", 30_000, async () => ((await landedTotal()) > firstLanded ? true : undefined));
    assert.equal(await page.locator('[data-function="sink"] [data-field="status"]').getAttribute("data-level"), "ok", "the sink is up");
    assert.equal(await page.locator('[data-function="realtime-producer"] [data-field="status"]').getAttribute("data-level"), "ok");
    assert.match(await page.getByTestId("overall").innerText(), /healthy/i);
    if (process.env.DASHBOARD_SCREENSHOT === "1") {
      // A few more candles' worth of movement makes a more telling picture.
      await sleep(Number(process.env.DASHBOARD_SCREENSHOT_WAIT_MS ?? 0));
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
    }

    await sink.terminate(10_000);
    const stoppedAt = Date.now();
    const sinkStatus = page.locator('[data-function="sink"] [data-field="status"]');
    await waitFor("the sink to show as down", 10_000, async () =>
      (await sinkStatus.getAttribute("data-level", { timeout: 1_000 })) === "bad" && /down/.test(await sinkStatus.innerText({ timeout: 1_000 })) ? true : undefined,
    );
    const noticedMs = Date.now() - stoppedAt;
    assert.ok(noticedMs < 5_000, `the page showed the sink down ${noticedMs} ms after it stopped`);
    assert.equal(await page.getByTestId("overall").getAttribute("data-level"), "bad");
    assert.match(await page.getByTestId("overall").innerText(), /sink down/i);
    assert.equal(await page.getByTestId("landed-total").innerText(), "unknown", "a sink that does not answer has no count to show");

    const foreign = browser.requests.filter((url) => new URL(url).origin !== origin);
    assert.deepEqual(foreign, [], "the page requests nothing outside its own origin");
    assert.ok(browser.requests.includes(`${origin}/app.js`) && browser.requests.includes(`${origin}/events`), "the page loaded its bundle and its stream");
    assert.deepEqual(browser.errors, [], "no console errors");
    console.log(`      the sink showed as down ${noticedMs} ms after it stopped; ${browser.requests.length} requests, all to ${origin}`);
  });
});
