import assert from "node:assert/strict";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { createSinkMetrics } from "../sink/metrics";
import { parsePrometheusText, samplesOf, sumOf } from "./prometheus";

describe("Prometheus text parsing", () => {
  it("reads what prom-client serves: counters, gauges and histograms with labels, including escaped values", async () => {
    const registry = new Registry();
    registry.setDefaultLabels({ component: "sink" });
    new Counter({ name: "things_total", help: "Things.", labelNames: ["topic"], registers: [registry] }).inc({ topic: "stock-market-realtime" }, 42);
    new Gauge({ name: "odd_labels", help: 'Quotes " and \\ and\nnewlines in help.', labelNames: ["v"], registers: [registry] }).set({ v: 'say "hi"\\\nbye' }, -1.5e-3);
    new Histogram({ name: "latency_seconds", help: "Latency.", buckets: [0.1, 1], registers: [registry] }).observe(0.5);
    const { samples, errors } = parsePrometheusText(await registry.metrics());
    assert.deepEqual(errors, []);
    assert.deepEqual(samplesOf(samples, "things_total"), [{ name: "things_total", labels: { topic: "stock-market-realtime", component: "sink" }, value: 42 }]);
    assert.deepEqual(samplesOf(samples, "odd_labels")[0]!.labels.v, 'say "hi"\\\nbye');
    assert.equal(samplesOf(samples, "odd_labels")[0]!.value, -0.0015);
    assert.deepEqual(
      samplesOf(samples, "latency_seconds_bucket").map((s) => [s.labels.le, s.value]),
      [
        ["0.1", 0],
        ["1", 1],
        ["+Inf", 1],
      ],
    );
    assert.equal(sumOf(samples, "latency_seconds_count"), 1);
  });

  it("reads the sink's own metrics by the names the dashboard uses", async () => {
    const registry = new Registry();
    const m = createSinkMetrics(registry);
    m.recordsWritten.inc({ topic: "stock-market-realtime" }, 7);
    m.recordsWritten.inc({ topic: "stock-market-batch" }, 3);
    m.lag.set({ topic: "stock-market-realtime", partition: "2" }, 12);
    m.deadLettered.inc({ topic: "stock-market-realtime", code: "not_json" });
    const { samples } = parsePrometheusText(await registry.metrics());
    assert.equal(sumOf(samples, "sink_records_written_total"), 10);
    assert.deepEqual(samplesOf(samples, "sink_consumer_lag")[0]!.labels, { topic: "stock-market-realtime", partition: "2" });
    assert.equal(sumOf(samples, "sink_dead_lettered_total", { code: "not_json" }), 1);
    assert.equal(sumOf(samples, "sink_records_in_total"), undefined, "a counter never incremented has no sample");
  });

  it("reads special values, timestamps, blank lines, CRLF and comments", () => {
    const { samples, errors } = parsePrometheusText("# HELP a A.\n# TYPE a gauge\r\na NaN\r\n\nb +Inf 1700000000000\nc -Inf\nd{x=\"1\",} 2\ne{ y=\"z\" } 3\n# EOF\n");
    assert.deepEqual(errors, []);
    assert.ok(Number.isNaN(samples[0]!.value));
    assert.deepEqual(
      samples.slice(1).map((s) => [s.name, s.labels, s.value]),
      [
        ["b", {}, Infinity],
        ["c", {}, -Infinity],
        ["d", { x: "1" }, 2],
        ["e", { y: "z" }, 3],
      ],
    );
  });

  it("skips every line that is not a sample, saying which and why, and keeps the good ones", () => {
    const text = [
      "good 1",
      "<html>not metrics</html>",
      "novalue",
      "bad_value abc",
      'unterminated{a="x} 1',
      'bad_escape{a="\\q"} 1',
      'repeated{a="1",a="2"} 1',
      'nocomma{a="1" b="2"} 1',
      "bad_timestamp 1 soon",
      "glued{}1",
      "also_good{le=\"0.5\"} 2.5e3",
    ].join("\n");
    const { samples, errors } = parsePrometheusText(text);
    assert.deepEqual(samples.map((s) => [s.name, s.value]), [["good", 1], ["also_good", 2500]]);
    assert.deepEqual(errors.map((e) => e.line), [2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.match(errors[2]!.message, /"abc" is not a number/);
    assert.match(errors[3]!.message, /unterminated value of label a/);
  });

  it("keeps at most the samples it is allowed, so that a huge answer cannot take the memory", () => {
    const text = Array.from({ length: 1000 }, (_, i) => `m{i="${i}"} ${i}`).join("\n");
    const { samples, errors } = parsePrometheusText(text, 10);
    assert.equal(samples.length, 10);
    assert.deepEqual(errors, [{ line: 11, message: "more than 10 samples; the rest are ignored" }]);
  });
});
