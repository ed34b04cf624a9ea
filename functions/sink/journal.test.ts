import assert from "node:assert/strict";
import { decodeJournal, encodeJournal, planRecovery, type Journal } from "./journal";

const journal: Journal = { version: 1, topic: "stock-market-realtime", partition: 1, start: 100n, end: 199n, objects: 3 };

describe("flush journal", () => {
  it("round-trips, offsets beyond 2^53 included", () => {
    const big = { ...journal, start: 2n ** 60n, end: 2n ** 60n + 5n };
    assert.deepEqual(decodeJournal(encodeJournal(big), "k"), big);
  });

  it("refuses a damaged journal, naming where it is", () => {
    assert.throws(() => decodeJournal("{", "s3://raw/_sink/t/1.json"), /s3:\/\/raw\/_sink\/t\/1\.json is not JSON/);
    assert.throws(() => decodeJournal(JSON.stringify({ ...journal, start: -1, end: "199" }), "k"), /k is not a version 1 journal/);
  });

  describe("recovery", () => {
    it("replays a journaled flush the committed offset has not passed, with its boundaries", () => {
      assert.deepEqual(planRecovery(100n, journal), { from: 100n, forcedEnd: 199n, reason: "replaying the journaled flush" });
    });

    it("replays it too when the commit was lost with the group's offsets", () => {
      assert.equal(planRecovery(undefined, journal).forcedEnd, 199n);
    });

    it("resumes at the committed offset once the journaled flush is committed", () => {
      assert.deepEqual(planRecovery(200n, journal), { from: 200n, reason: "resuming at the committed offset" });
    });

    it("starts at the earliest offset with neither", () => {
      assert.equal(planRecovery(undefined, undefined).from, undefined);
    });
  });
});
