import * as assert from "node:assert/strict";
import { envVars } from "./env";

describe("envVars", () => {
  it("lists plain values sorted by name, for stable previews", () => {
    assert.deepEqual(envVars({ B: "2", A: "1" }), [
      { name: "A", value: "1" },
      { name: "B", value: "2" },
    ]);
  });
});
