import assert from "node:assert/strict";
import { decodeJournal, encodeJournal, planRecovery, type Journal } from "./journal";

const journal: Journal = { version: 2, topic: "stock-market-realtime", partition: 1, batches: [{ start: 100n, end: 199n, objects: 3 }] };
const three: Journal = { ...journal, batches: [{ start: 100n, end: 199n, objects: 1 }, { start: 200n, end: 249n, objects: 2 }, { start: 250n, end: 400n, objects: 1 }] };

describe("flush journal", () => {
  it("round-trips, offsets beyond 2^53 included", () => {
    const big = { ...journal, batches: [{ start: 2n ** 60n, end: 2n ** 60n + 5n, objects: 1 }, { start: 2n ** 60n + 6n, end: 2n ** 60n + 6n, objects: 2 }] };
    assert.deepEqual(decodeJournal(encodeJournal(big), "k"), big);
    assert.deepEqual(decodeJournal(encodeJournal(three), "k"), three);
  });

  it("reads a version 1 journal, as sinks before pipelined writes left them, as one batch", () => {
    const v1 = JSON.stringify({ version: 1, topic: "stock-market-realtime", partition: 1, start: "100", end: "199", objects: 3 });
    assert.deepEqual(decodeJournal(v1, "k"), journal);
  });

  it("refuses a damaged journal, naming where it is and what is wrong", () => {
    const text = (j: unknown) => JSON.stringify(j);
    const batches = (b: unknown) => text({ version: 2, topic: "t", partition: 0, batches: b });
    assert.throws(() => decodeJournal("{", "s3://raw/_sink/t/1.json"), /s3:\/\/raw\/_sink\/t\/1\.json is not JSON/);
    assert.throws(() => decodeJournal("null", "k"), /k is not a valid journal \(not an object\)/);
    assert.throws(() => decodeJournal(text({ version: 1, partition: 0, start: "1", end: "2", objects: 1 }), "k"), /no topic or partition/);
    assert.throws(() => decodeJournal(text({ version: 3, topic: "t", partition: 0, batches: [] }), "k"), /version 3 is neither 1 nor 2/);
    assert.throws(() => decodeJournal(text({ version: 1, topic: "t", partition: 0, start: -1, end: "199", objects: 1 }), "k"), /batch 0 needs start and end offsets/);
    assert.throws(() => decodeJournal(batches([]), "k"), /no batch/);
    assert.throws(() => decodeJournal(batches([{ start: "5", end: "4", objects: 1 }]), "k"), /batch 0 ends before it starts/);
    assert.throws(() => decodeJournal(batches([{ start: "1", end: "4", objects: -1 }]), "k"), /batch 0 needs .* an object count/);
    assert.throws(() => decodeJournal(batches([{ start: "1", end: "4", objects: 1 }, { start: "4", end: "9", objects: 1 }]), "k"), /batch 1 starts before batch 0 ends/);
    // A gap is not damage: records deleted by retention were skipped between two batches.
    assert.equal(decodeJournal(batches([{ start: "1", end: "4", objects: 1 }, { start: "9", end: "9", objects: 1 }]), "k").batches.length, 2);
    assert.throws(() => decodeJournal(batches([{ start: "1", end: "4", objects: 1 }, null]), "k"), /batch 1 needs/);
  });

  describe("recovery", () => {
    it("replays a journaled flush the committed offset has not passed, with its boundaries", () => {
      assert.deepEqual(planRecovery(100n, journal), { from: 100n, replay: journal.batches, reason: "replaying the journaled flush" });
    });

    it("replays it too when the commit was lost with the group's offsets", () => {
      assert.deepEqual(planRecovery(undefined, journal).replay, journal.batches);
    });

    it("resumes at the committed offset once the journaled flush is committed", () => {
      assert.deepEqual(planRecovery(200n, journal), { from: 200n, replay: [], reason: "resuming at the committed offset" });
    });

    it("replays every journaled flush that was being written, each with its own boundaries, from the first the commit has not passed", () => {
      assert.deepEqual(planRecovery(100n, three), { from: 100n, replay: three.batches, reason: "replaying 3 journaled flushes" });
      // The commit of the first batch landed after the journal listing all three was written.
      assert.deepEqual(planRecovery(200n, three), { from: 200n, replay: three.batches.slice(1), reason: "replaying 2 journaled flushes" });
      assert.deepEqual(planRecovery(250n, three), { from: 250n, replay: three.batches.slice(2), reason: "replaying the journaled flush" });
      assert.deepEqual(planRecovery(401n, three).replay, []);
    });

    it("starts at the earliest offset with neither", () => {
      assert.deepEqual(planRecovery(undefined, undefined), { replay: [], reason: "no committed offset and no journal: starting at the earliest offset" });
    });
  });
});
