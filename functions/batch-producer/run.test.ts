import assert from "node:assert/strict";
import { Registry } from "prom-client";
import { BAR_SCHEMA, DEFAULT_BATCH_SYMBOLS, barId, parseBar, type DailyBar } from "../../contract";
import { createLogger, silentLogger } from "../lib";
import { YahooNetworkError } from "./client";
import { FAST_RETRY, FIXTURE_NOW, FIXTURE_RANGE, fixtureClient, fixtureRoutes, fixtureSource } from "./fixtures/client";
import { RATE_LIMITED_FIXTURE, UNKNOWN_SYMBOL, chartFixture } from "./fixtures/generate";
import { readRecording } from "./fixtures/recordings";
import { createBatchMetrics, type BatchMetrics } from "./metrics";
import { barMessage, type BarPublisher } from "./publish";
import { UNREACHABLE_LIMIT, batchReport, exitCode, run, type RunDeps } from "./run";
import { simulatedSource, type BarSource } from "./source";

interface Sent {
  key: string;
  value: string;
}

function collectingPublisher(): BarPublisher & { sent: Sent[] } {
  const sent: Sent[] = [];
  return {
    sent,
    publish(bars: readonly DailyBar[]) {
      for (const bar of bars) {
        const m = barMessage(bar);
        sent.push({ key: String(m.key), value: String(m.value) });
      }
      return Promise.resolve();
    },
  };
}

/** The run's dependencies on the recorded Yahoo answers (`routes`), with the same metrics for the source and the run. */
function deps(options: { routes?: ReturnType<typeof fixtureRoutes>; source?: BarSource; log?: RunDeps["log"] } = {}): RunDeps & { publisher: ReturnType<typeof collectingPublisher>; metrics: BatchMetrics } {
  const metrics = createBatchMetrics(new Registry());
  const source = options.source ?? fixtureSource({ client: fixtureClient(options.routes).client, metrics });
  return { source, log: options.log ?? silentLogger, metrics, publisher: collectingPublisher() };
}

const OPTIONS = { symbols: DEFAULT_BATCH_SYMBOLS, range: FIXTURE_RANGE };

describe("batch-producer run", () => {
  it("publishes the 2,500 bars of the ten symbols, each once, keyed by symbol", async () => {
    const d = deps();
    const summary = await run(OPTIONS, d);

    assert.equal(exitCode(summary), 0);
    assert.equal(summary.bars, 2_500);
    assert.equal(d.publisher.sent.length, 2_500);
    const bars = d.publisher.sent.map((m) => parseBar(JSON.parse(m.value), FIXTURE_NOW));
    assert.equal(new Set(bars.map(barId)).size, 2_500);
    assert.ok(d.publisher.sent.every((m, i) => m.key === bars[i]!.symbol));
    for (const symbol of DEFAULT_BATCH_SYMBOLS) assert.equal(bars.filter((b) => b.symbol === symbol).length, 250, symbol);
    assert.deepEqual(Object.keys(JSON.parse(d.publisher.sent[0]!.value)), BAR_SCHEMA.fields.map((f) => f.name));
    assert.equal((await d.metrics.barsPublished.get()).values[0]!.value, 2_500);
  });

  it("reports bars per published symbol, the failed ones and the end offsets, for the orchestrator", async () => {
    const routes = fixtureRoutes();
    routes.delete("V");
    const summary = await run(OPTIONS, deps({ routes }));
    const report = batchReport(summary, "stock-market-batch", { "0": "750", "2": "1500" });
    assert.equal(report.msg, "batch summary");
    assert.deepEqual([report.from, report.to, report.bars], [FIXTURE_RANGE.from, FIXTURE_RANGE.to, 2_250]);
    assert.deepEqual(Object.keys(report.barsBySymbol), DEFAULT_BATCH_SYMBOLS.filter((s) => s !== "V"));
    assert.ok(Object.values(report.barsBySymbol).every((n) => n === 250));
    assert.deepEqual(report.failed, ["V"]);
    assert.deepEqual(report.endOffsets, { "0": "750", "2": "1500" });
  });

  it("publishes the same bytes when run again", async () => {
    const first = deps();
    const second = deps();
    await run(OPTIONS, first);
    await run(OPTIONS, second);
    assert.deepEqual(second.publisher.sent, first.publisher.sent);
  });

  it("logs a progress line per symbol with its counts and time", async () => {
    const lines: Record<string, unknown>[] = [];
    const log = createLogger("test", { write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) });
    await run(OPTIONS, deps({ log }));
    const progress = lines.filter((l) => l.msg === "symbol published");
    assert.deepEqual(progress.map((l) => l.symbol), [...DEFAULT_BATCH_SYMBOLS]);
    for (const l of progress) {
      assert.equal(l.bars, 250);
      assert.equal(l.skipped, 0);
      assert.equal(typeof l.ms, "number");
    }
  });

  it("tries every symbol when one fails, then reports it and exits non-zero", async () => {
    const routes = fixtureRoutes();
    routes.set("TSLA", [readRecording(RATE_LIMITED_FIXTURE)]);
    const d = deps({ routes });
    const symbols = ["AAPL", UNKNOWN_SYMBOL, "TSLA", "MSFT"];

    const summary = await run({ ...OPTIONS, symbols }, d);

    assert.deepEqual(summary.failed, [UNKNOWN_SYMBOL, "TSLA"]);
    assert.equal(exitCode(summary), 1);
    assert.deepEqual(summary.outcomes.map((o) => o.status), ["published", "failed", "failed", "published"]);
    assert.match(summary.outcomes[1]!.error!, /No data found/);
    assert.match(summary.outcomes[2]!.error!, /429/);
    assert.equal(d.publisher.sent.length, 500);
    assert.equal((await d.metrics.fetchRetries.get()).values[0]!.value, FAST_RETRY.attempts - 1);
  });

  it("counts skipped rows by reason", async () => {
    const routes = new Map([["INTC", [readRecording("chart-INTC-nulls.json")]]]);
    const d = deps({ routes });
    const summary = await run({ ...OPTIONS, symbols: ["INTC"], range: { from: "2024-01-01", to: "2024-01-31" } }, d);
    assert.equal(summary.skipped, 4);
    const byReason = Object.fromEntries((await d.metrics.rowsSkipped.get()).values.map((v) => [v.labels.reason, v.value]));
    assert.deepEqual(byReason, { missing_value: 3, inconsistent_prices: 1 });
  });

  it("stops before the next symbol once aborted, and counts the rest as failed", async () => {
    const controller = new AbortController();
    const d = deps();
    const publish = d.publisher.publish.bind(d.publisher);
    d.publisher.publish = async (bars) => {
      await publish(bars);
      controller.abort();
    };
    const summary = await run({ ...OPTIONS, symbols: ["AAPL", "MSFT", "V"] }, { ...d, signal: controller.signal });
    assert.deepEqual(summary.outcomes.map((o) => o.status), ["published", "not_attempted", "not_attempted"]);
    assert.equal(exitCode(summary), 1);
  });

  it("serves each symbol's fixture once per run", async () => {
    const { client, replay } = fixtureClient();
    await run(OPTIONS, deps({ source: fixtureSource({ client }) }));
    assert.deepEqual(replay.requests, DEFAULT_BATCH_SYMBOLS.map((s) => readRecording(chartFixture(s)).request.url));
  });

  it("stops trying once the source could not be reached for two symbols in a row, and says how to run offline", async () => {
    const lines: Record<string, unknown>[] = [];
    const log = createLogger("test", { write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) });
    let requests = 0;
    const unreachable: BarSource = {
      name: "yahoo",
      bars: () => {
        requests += 1;
        return Promise.reject(new YahooNetworkError("https://chart.invalid/v8", new Error("fetch failed")));
      },
      unreachable: (err) => err instanceof YahooNetworkError,
    };
    const summary = await run(OPTIONS, deps({ source: unreachable, log }));
    assert.equal(requests, UNREACHABLE_LIMIT);
    assert.deepEqual(summary.outcomes.map((o) => o.status), [...Array(UNREACHABLE_LIMIT).fill("failed"), ...Array(DEFAULT_BATCH_SYMBOLS.length - UNREACHABLE_LIMIT).fill("not_attempted")]);
    assert.match(summary.outcomes.at(-1)!.error!, /not tried: yahoo could not be reached for the last 2 symbols/);
    assert.equal(exitCode(summary), 1);
    const giveUp = lines.find((l) => String(l.msg).includes("cannot be reached"));
    assert.ok(giveUp, "the run says why it stopped");
    assert.match(String(giveUp.hint), /BATCH_SOURCE=simulated/);
  });

  it("keeps trying after a symbol that fails for another reason, however many there are", async () => {
    const routes = new Map([...fixtureRoutes()].map(([symbol]) => [symbol, [readRecording(RATE_LIMITED_FIXTURE)]]));
    const summary = await run(OPTIONS, deps({ routes }));
    assert.deepEqual(summary.outcomes.map((o) => o.status), Array(DEFAULT_BATCH_SYMBOLS.length).fill("failed"), "a 429 says Yahoo answered");
  });

  it("publishes simulated bars without any network, the same on every run", async () => {
    const first = deps({ source: simulatedSource(42, () => FIXTURE_NOW) });
    const second = deps({ source: simulatedSource(42, () => FIXTURE_NOW) });
    const summary = await run(OPTIONS, first);
    await run(OPTIONS, second);
    assert.equal(exitCode(summary), 0);
    assert.equal(summary.bars, DEFAULT_BATCH_SYMBOLS.length * 262, "every weekday of 2024");
    assert.deepEqual(second.publisher.sent, first.publisher.sent);
    for (const m of first.publisher.sent) assert.equal(parseBar(JSON.parse(m.value), FIXTURE_NOW).source, "simulated");
  });
});
