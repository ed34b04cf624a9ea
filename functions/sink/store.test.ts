import assert from "node:assert/strict";
import { orderedWriter, PrecedingWriteFailed, WriteFailed, type ObjectWriter } from "./store";

/** A writer whose every attempt waits until the test settles it, recording the keys it was asked to write. */
function heldWriter() {
  const started: string[] = [];
  const held = new Map<string, { succeed: () => void; fail: (err: Error) => void }>();
  const writer: ObjectWriter = {
    write: (key, body) =>
      new Promise((resolve, reject) => {
        started.push(key);
        held.set(key, { succeed: () => resolve(body), fail: reject });
      }),
  };
  return { writer, started, settle: (key: string) => held.get(key)!, tick: () => new Promise((resolve) => setImmediate(resolve)) };
}

const JOURNAL = "_sink/market.ticks.realtime/0.json";

describe("the ordered writer (the journal before its batch's objects)", () => {
  it("starts a write that follows another only once that one has succeeded", async () => {
    const { writer, started, settle, tick } = heldWriter();
    const ordered = orderedWriter(writer);
    const journal = ordered.write(JOURNAL, Buffer.from("{}"), 1_000, { awaitable: true });
    const object = ordered.write("ticks/a.jsonl", Buffer.from("x\n"), 1_000, { after: JOURNAL });
    await tick();
    assert.deepEqual(started, [JOURNAL], "the object waits for its journal");
    settle(JOURNAL).succeed();
    await journal;
    await tick();
    assert.deepEqual(started, [JOURNAL, "ticks/a.jsonl"]);
    settle("ticks/a.jsonl").succeed();
    assert.deepEqual(await object, Buffer.from("x\n"));
  });

  it("fails a following write unattempted, its body handed back, when the write it follows failed or none was begun", async () => {
    const { writer, started, settle } = heldWriter();
    const ordered = orderedWriter(writer);
    const body = Buffer.from("y\n");
    const alone = ordered.write("ticks/b.jsonl", body, 1_000, { after: JOURNAL });
    await assert.rejects(alone, (err: unknown) => err instanceof WriteFailed && err.body === body && err.cause instanceof PrecedingWriteFailed && err.message.includes(JOURNAL));

    const journal = ordered.write(JOURNAL, Buffer.from("{}"), 1_000, { awaitable: true });
    const object = ordered.write("ticks/b.jsonl", body, 1_000, { after: JOURNAL });
    settle(JOURNAL).fail(new Error("store down"));
    await assert.rejects(journal, /store down/);
    await assert.rejects(object, (err: unknown) => err instanceof WriteFailed && err.cause instanceof PrecedingWriteFailed);
    assert.deepEqual(started, [JOURNAL], "no object was attempted");
  });

  it("follows, on a retry, the latest awaitable write of the key begun before it", async () => {
    const { writer, started, settle, tick } = heldWriter();
    const ordered = orderedWriter(writer);
    const first = ordered.write(JOURNAL, Buffer.from("{}"), 1_000, { awaitable: true });
    const attempt = ordered.write("ticks/c.jsonl", Buffer.from("z\n"), 1_000, { after: JOURNAL });
    settle(JOURNAL).fail(new Error("timed out"));
    await assert.rejects(first);
    await assert.rejects(attempt, WriteFailed);

    const second = ordered.write(JOURNAL, Buffer.from("{}"), 1_000, { awaitable: true });
    const retry = ordered.write("ticks/c.jsonl", Buffer.from("z\n"), 1_000, { after: JOURNAL });
    await tick();
    assert.deepEqual(started, [JOURNAL, JOURNAL]);
    settle(JOURNAL).succeed();
    await second;
    await tick();
    assert.equal(started.at(-1), "ticks/c.jsonl");
    settle("ticks/c.jsonl").succeed();
    await retry;
  });
});
