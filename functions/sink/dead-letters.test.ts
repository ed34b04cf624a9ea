import assert from "node:assert/strict";
import { DEAD_LETTER_HEADERS } from "../../contract";
import { deadLetterMessage } from "./dead-letters";

describe("dead-letter message", () => {
  it("keeps key, value and headers, and adds the reason and the origin", () => {
    const m = deadLetterMessage(
      { offset: 42n, key: Buffer.from("AAPL"), value: Buffer.from("{bad"), headers: { trace: "abc" }, code: "not_json", reason: "the value is not JSON" },
      { topic: "stock-market-realtime", partition: 2 },
      new Date("2026-03-03T10:00:00Z"),
    );
    assert.equal(m.key?.toString(), "AAPL");
    assert.equal(m.value?.toString(), "{bad");
    assert.deepEqual(m.headers, {
      trace: "abc",
      [DEAD_LETTER_HEADERS.reason]: "the value is not JSON",
      [DEAD_LETTER_HEADERS.code]: "not_json",
      [DEAD_LETTER_HEADERS.originTopic]: "stock-market-realtime",
      [DEAD_LETTER_HEADERS.originPartition]: "2",
      [DEAD_LETTER_HEADERS.originOffset]: "42",
      [DEAD_LETTER_HEADERS.failedAt]: "2026-03-03T10:00:00.000Z",
    });
  });
});
