import assert from "node:assert/strict";
import { createLogger } from "./log";

describe("structured logs", () => {
  it("writes one JSON object a line with the component, the level and the fields", () => {
    const lines: string[] = [];
    const log = createLogger("sink", { write: (l) => lines.push(l), now: () => new Date("2026-01-02T03:04:05Z") }).child({ topic: "t" });
    log.info("flushed", { partition: 1, startOffset: 10n, err: new Error("boom") });
    log.debug("hidden");
    assert.equal(lines.length, 1, "debug is below the default level");
    assert.deepEqual(JSON.parse(lines[0]!), {
      time: "2026-01-02T03:04:05.000Z",
      level: "info",
      component: "sink",
      msg: "flushed",
      topic: "t",
      partition: 1,
      startOffset: "10",
      err: { name: "Error", message: "boom" },
    });
  });
});
