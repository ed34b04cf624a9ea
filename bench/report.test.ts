import assert from "node:assert/strict";
import { EnvError } from "../functions/lib";
import { throughputSettings } from "./report";

describe("bench settings", () => {
  it("reads the throughput run's size from the environment, or takes the defaults when unset or empty", () => {
    assert.deepEqual(throughputSettings({}), { ticks: 1_000_000, rounds: 7 });
    assert.deepEqual(throughputSettings({ BENCH_TICKS: "", BENCH_ROUNDS: " 9 " }), { ticks: 1_000_000, rounds: 9 });
  });

  it("refuses anything but a whole number above 0, naming the variable and the value", () => {
    for (const bad of ["0", "-3", "2.5", "1e6", "ten", "0x10", "99999999999999999999"]) {
      assert.throws(
        () => throughputSettings({ BENCH_TICKS: bad, BENCH_ROUNDS: bad }),
        (err: unknown) => err instanceof EnvError && err.problems.length === 2 && err.problems.every((p) => p.includes(`(got "${bad}")`)) && /`BENCH_TICKS`/.test(err.problems[0]!) && /`BENCH_ROUNDS`/.test(err.problems[1]!),
        bad,
      );
    }
  });
});
