import assert from "node:assert/strict";
import { cpuPerRecord, cpuSeconds, sampleCpu } from "./cpu";

describe("bench CPU samples", () => {
  it("reads a process's CPU time from /proc, which grows as it works, and nothing for a process it cannot see", () => {
    assert.equal(cpuSeconds(undefined), undefined);
    assert.equal(cpuSeconds(2 ** 30), undefined, "no such pid");
    if (process.platform !== "linux") return assert.equal(cpuSeconds(process.pid), undefined, "no /proc: no figure");
    const before = cpuSeconds(process.pid)!;
    const until = Date.now() + 150;
    while (Date.now() < until);
    const after = cpuSeconds(process.pid)!;
    assert.ok(before > 0 && after >= before + 0.05, `${before} s, then ${after} s`);
  });

  it("gives µs a record between two samples, and none where either sample is missing", () => {
    assert.equal(cpuPerRecord({ sink: 1 }, { sink: 3 }, "sink", 1_000_000), 2);
    assert.equal(cpuPerRecord({ sink: undefined }, { sink: 3 }, "sink", 10), undefined);
    assert.equal(cpuPerRecord({ sink: 1 }, { sink: 3 }, "sink", 0), undefined);
    assert.deepEqual(Object.keys(sampleCpu({ a: undefined, b: process.pid })), ["a", "b"]);
  });
});
