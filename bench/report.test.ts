import assert from "node:assert/strict";
import { countSetting } from "./report";

describe("bench settings", () => {
  it("reads a count from the environment, or takes the default when it is unset or empty", () => {
    assert.equal(countSetting("BENCH_ROUNDS", 5, {}), 5);
    assert.equal(countSetting("BENCH_ROUNDS", 5, { BENCH_ROUNDS: "" }), 5);
    assert.equal(countSetting("BENCH_ROUNDS", 5, { BENCH_ROUNDS: " 9 " }), 9);
  });

  it("refuses anything but a whole number above 0, naming the variable and the value", () => {
    for (const bad of ["0", "-3", "2.5", "1e6", "ten", "0x10", "99999999999999999999"]) {
      assert.throws(() => countSetting("BENCH_TICKS", 1, { BENCH_TICKS: bad }), { message: `BENCH_TICKS must be a whole number above 0 (got "${bad}")` }, bad);
    }
  });
});
