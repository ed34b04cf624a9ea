import assert from "node:assert/strict";
import { Registry } from "prom-client";
import { createLogger } from "../lib";
import { YahooHttpError, YahooNetworkError, createYahooClient, guardedFetch, isRetryable } from "./client";
import { fetchChart, type RetryPolicy } from "./fetch";
import { FIXTURE_RANGE, fixtureClient } from "./fixtures/client";
import { RATE_LIMITED_FIXTURE, UNKNOWN_SYMBOL, chartFixture } from "./fixtures/generate";
import { readRecording, toResponse } from "./fixtures/recordings";
import { createBatchMetrics } from "./metrics";

/** Backoff of a millisecond, so that retries cost nothing in a test. */
const FAST: RetryPolicy = { attempts: 4, baseMs: 1, maxMs: 1 };

function harness() {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger("test", { level: "debug", write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  const metrics = createBatchMetrics(new Registry());
  return { lines, log, metrics };
}

async function count(metric: { get(): Promise<{ values: { value: number }[] }> }): Promise<number> {
  return (await metric.get()).values.reduce((n, v) => n + v.value, 0);
}

describe("batch-producer fetch", () => {
  it("retries a 429 and returns the chart that follows, logging the retry", async () => {
    const { lines, log, metrics } = harness();
    const { client, replay } = fixtureClient(new Map([["AAPL", [readRecording(RATE_LIMITED_FIXTURE), readRecording(chartFixture("AAPL"))]]]));

    const chart = await fetchChart(client, "AAPL", FIXTURE_RANGE, FAST, { log, metrics });

    assert.equal(chart.quotes.length, 250);
    assert.equal(replay.requests.length, 2);
    assert.equal(replay.requests[1], readRecording(chartFixture("AAPL")).request.url);
    assert.equal(await count(metrics.fetchRetries), 1);
    assert.equal((await metrics.fetchSeconds.get()).values.find((v) => v.metricName === "fetch_duration_seconds_count")?.value, 2);
    const retries = lines.filter((l) => l.msg === "chart request failed, retrying");
    assert.equal(retries.length, 1);
    assert.equal(retries[0]!.symbol, "AAPL");
    assert.equal(retries[0]!.attempt, 1);
    assert.match(JSON.stringify(retries[0]!.err), /429.*Edge: Too Many Requests/);
  });

  it("does not retry a 404 for an unknown symbol", async () => {
    const { log, metrics } = harness();
    const { client, replay } = fixtureClient(new Map());

    await assert.rejects(fetchChart(client, UNKNOWN_SYMBOL, FIXTURE_RANGE, FAST, { log, metrics }), /No data found, symbol may be delisted/);
    assert.equal(replay.requests.length, 1);
    assert.equal(await count(metrics.fetchRetries), 0);
  });

  it("gives up after the configured attempts with the last error", async () => {
    const { log, metrics } = harness();
    const { client, replay } = fixtureClient(new Map([["AAPL", [readRecording(RATE_LIMITED_FIXTURE)]]]));

    await assert.rejects(fetchChart(client, "AAPL", FIXTURE_RANGE, FAST, { log, metrics }), (err: unknown) => err instanceof YahooHttpError && err.status === 429);
    assert.equal(replay.requests.length, FAST.attempts);
    assert.equal(await count(metrics.fetchRetries), FAST.attempts - 1);
  });

  it("retries a 503 and a request that got no answer", async () => {
    const { log, metrics } = harness();
    const chart = readRecording(chartFixture("MSFT"));
    const answers: (() => Promise<Response>)[] = [
      () => Promise.resolve(new Response("upstream unavailable", { status: 503, statusText: "Service Unavailable" })),
      () => Promise.reject(new TypeError("fetch failed", { cause: new Error("ECONNRESET") })),
      () => Promise.resolve(toResponse(chart.response)),
    ];
    let calls = 0;
    const client = createYahooClient({ fetch: (() => answers[calls++]!()) as typeof fetch, log });

    const result = await fetchChart(client, "MSFT", FIXTURE_RANGE, FAST, { log, metrics });
    assert.equal(result.quotes.length, 250);
    assert.equal(calls, 3);
    assert.equal(await count(metrics.fetchRetries), 2);
  });

  describe("guardedFetch", () => {
    it("turns 429 and 5xx into YahooHttpError, naming the status and the URL", async () => {
      for (const status of [429, 500, 502]) {
        const fetch = guardedFetch((() => Promise.resolve(new Response("nope", { status }))) as typeof globalThis.fetch, 1000);
        await assert.rejects(fetch("https://query2.finance.yahoo.com/x"), (err: unknown) => {
          assert.ok(err instanceof YahooHttpError);
          assert.equal(err.message, `Yahoo answered ${status} for https://query2.finance.yahoo.com/x: nope`);
          return isRetryable(err);
        });
      }
    });

    it("passes other statuses on to yahoo-finance2", async () => {
      const fetch = guardedFetch((() => Promise.resolve(new Response("{}", { status: 404 }))) as typeof globalThis.fetch, 1000);
      assert.equal((await fetch("https://query2.finance.yahoo.com/x")).status, 404);
    });

    it("times out a request that hangs", async () => {
      const hanging = ((_: unknown, init?: RequestInit) =>
        new Promise<Response>((_resolve, reject) => init?.signal?.addEventListener("abort", () => reject(init.signal?.reason)))) as typeof fetch;
      await assert.rejects(guardedFetch(hanging, 20)("https://query2.finance.yahoo.com/x"), (err: unknown) => err instanceof YahooNetworkError && isRetryable(err));
    });
  });

  it("does not retry errors that say nothing about the network", () => {
    assert.equal(isRetryable(new Error("No data found, symbol may be delisted")), false);
    assert.equal(isRetryable(new YahooHttpError(400, "u", "")), false);
  });
});
