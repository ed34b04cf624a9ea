import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { GetObjectCommand, HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { sinkJournalKey, TOPICS } from "../../contract";
import { createBucket, functionsBundle, s3Client, s3Settings, testServers } from "../../test/harness";
import { silentLogger, type S3Settings } from "../lib";
import { mixedFetch } from "./fixtures/messages";
import { Aborted, RawZone, Unretryable, type RetryControl } from "./store";
import { startSinkThread, startSinkThreads } from "./thread";
import { packMessages, validatePacked } from "./validation";

const NOW = Date.parse("2026-03-03T12:00:00Z");

async function storeSettings(): Promise<S3Settings> {
  return s3Settings((await testServers()).s3);
}

/** Tries once: the first error is kept and ends the retry loop. */
function oneAttempt(errors: unknown[]): RetryControl {
  return { shouldContinue: () => errors.length === 0, onError: (err) => errors.push(err) };
}

/** A writing thread for a new bucket (made by the test when it needs it) and a raw zone that writes through it; both closed after `test`. */
async function withWritingThread(test: (t: { s3: S3Client; bucket: string; zone: RawZone }) => Promise<void>): Promise<void> {
  const settings = await storeSettings();
  const s3 = s3Client((await testServers()).s3);
  const bucket = `thread-${randomBytes(4).toString("hex")}`;
  const thread = startSinkThread(await functionsBundle(), { s3: settings, bucket });
  try {
    await test({ s3, bucket, zone: new RawZone(s3, bucket, 10_000, silentLogger, thread.writer) });
  } finally {
    await thread.close();
    s3.destroy();
  }
}

describe("the sink's second thread (the functions bundle)", function () {
  this.timeout(120_000);

  it("answers every validation in order with the verdicts validation on this thread gives", async () => {
    const thread = startSinkThread(await functionsBundle());
    try {
      const fetch = mixedFetch();
      const requests = Array.from({ length: 50 }, (_, k) => k % fetch.length);
      const answers = await Promise.all(requests.map((from) => thread.validator.validate(packMessages(TOPICS.realtime, fetch, from, NOW))));
      answers.forEach((v, k) => assert.deepEqual(v, validatePacked(packMessages(TOPICS.realtime, fetch, requests[k]!, NOW)), `request ${k}`));
    } finally {
      await thread.close();
    }
  });

  it("refuses to validate once closed, and fails what was pending, so that the sink writes nothing unvalidated", async () => {
    const thread = startSinkThread(await functionsBundle());
    const pending = thread.validator.validate(packMessages(TOPICS.realtime, mixedFetch(), 0, NOW));
    await thread.close();
    await assert.rejects(pending, /sink's thread/);
    await assert.rejects(thread.validator.validate(packMessages(TOPICS.realtime, mixedFetch(), 0, NOW)), /the sink's thread is closed/);
  });

  it("validates on one thread and writes on another, as the sink runs them, and closes both at once", async () => {
    const s3 = s3Client((await testServers()).s3);
    const bucket = `threads-${randomBytes(4).toString("hex")}`;
    await createBucket(s3, bucket);
    const threads = startSinkThreads(await functionsBundle(), { s3: await storeSettings(), bucket });
    const zone = new RawZone(s3, bucket, 10_000, silentLogger, threads.writer);
    const body = Buffer.from('{"n":1}\n');
    const [verdicts] = await Promise.all([threads.validator.validate(packMessages(TOPICS.realtime, mixedFetch(), 0, NOW)), zone.put("t/one.jsonl", body, oneAttempt([]))]);
    assert.deepEqual(verdicts, validatePacked(packMessages(TOPICS.realtime, mixedFetch(), 0, NOW)));
    const stored = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "t/one.jsonl" }));
    assert.equal(await stored.Body!.transformToString(), body.toString());
    // The sink closes its validator when it stops: that ends the writing thread too.
    await threads.validator.close();
    await assert.rejects(threads.validator.validate(packMessages(TOPICS.realtime, mixedFetch(), 0, NOW)), /the sink's thread is closed/);
    await assert.rejects(threads.writer.write("t/two.jsonl", Buffer.from("x\n"), 10_000), Unretryable);
  });

  it("fails every validation when the thread cannot start", async () => {
    const thread = startSinkThread("/nonexistent/main.js");
    await assert.rejects(thread.validator.validate(packMessages(TOPICS.realtime, mixedFetch(), 0, NOW)), /sink's thread|Cannot find module/);
    await thread.close();
  });

  it("writes objects with its own S3 client: the server stores exactly the bytes, large bodies moved and small pooled ones copied", async () => {
    await withWritingThread(async ({ s3, bucket, zone }) => {
      await createBucket(s3, bucket);
      const large = Buffer.concat(Array.from({ length: 20_000 }, (_, i) => Buffer.from(`{"n":${i}}\n`)));
      const small = Buffer.from('{"n":1}\n'); // a slice of Node's shared pool: copied, so that the pool stays usable here
      const expected = [Buffer.from(large), Buffer.from(small)];
      const errors: unknown[] = [];
      await Promise.all([zone.put("ticks/large.jsonl", large, oneAttempt(errors)), zone.put("ticks/small.jsonl", small, oneAttempt(errors)), zone.put("ticks/text.jsonl", "text\n", oneAttempt(errors))]);
      assert.deepEqual(errors, []);
      assert.equal(small.toString(), '{"n":1}\n', "a pooled body is copied: the pool is still this thread's");
      for (const [key, body] of [["ticks/large.jsonl", expected[0]!], ["ticks/small.jsonl", expected[1]!], ["ticks/text.jsonl", Buffer.from("text\n")]] as const) {
        const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        assert.deepEqual(Buffer.from(await got.Body!.transformToByteArray()), body, key);
        const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        assert.equal(head.ETag, `"${createHash("md5").update(body).digest("hex")}"`, key);
      }
    });
  });

  it("hands a body it could not write back, so that the retry sends the same bytes", async () => {
    // Written to before the bucket exists: the first attempt fails, the retry (after the bucket is made) succeeds.
    await withWritingThread(async ({ s3, bucket, zone }) => {
      const body = Buffer.concat(Array.from({ length: 5_000 }, (_, i) => Buffer.from(`{"n":${i}}\n`)));
      const expected = Buffer.from(body);
      const errors: unknown[] = [];
      await zone.put("ticks/retried.jsonl", body, {
        shouldContinue: () => true,
        onError: (err) => {
          errors.push(err);
          if (errors.length === 1) void createBucket(s3, bucket);
        },
      });
      assert.ok(errors.length >= 1);
      assert.equal((errors[0] as { name?: string }).name, "NoSuchBucket", String(errors[0]));
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "ticks/retried.jsonl" }));
      assert.deepEqual(Buffer.from(await got.Body!.transformToByteArray()), expected);
    });
  });

  it("keeps each write's order on the thread: an object that follows a failed journal write is not attempted", async () => {
    await withWritingThread(async ({ s3, bucket, zone }) => {
      const journal = { version: 2 as const, topic: TOPICS.realtime, partition: 0, batches: [{ start: 0n, end: 9n, objects: 1 }] };
      const after = { after: sinkJournalKey(TOPICS.realtime, 0) };
      // Asked for at once, as the sink asks: the journal fails (no bucket yet), so the object is never sent.
      const journalErrors: unknown[] = [];
      const objectErrors: unknown[] = [];
      const [journaled, written] = await Promise.allSettled([
        zone.writeJournal(journal, oneAttempt(journalErrors)),
        zone.put("ticks/first.jsonl", Buffer.alloc(10_000, 0x61), oneAttempt(objectErrors), after),
      ]);
      assert.equal(journaled.status, "rejected");
      assert.equal(written.status, "rejected");
      assert.equal((journalErrors[0] as { name?: string }).name, "NoSuchBucket", String(journalErrors[0]));
      assert.equal((objectErrors[0] as { name?: string }).name, "PrecedingWriteFailed", String(objectErrors[0]));

      await createBucket(s3, bucket);
      const retried: unknown[] = [];
      await Promise.all([zone.writeJournal(journal, oneAttempt(retried)), zone.put("ticks/first.jsonl", Buffer.from('{"n":1}\n'), oneAttempt(retried), after)]);
      assert.deepEqual(retried, []);
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "ticks/first.jsonl" }));
      assert.equal(await got.Body!.transformToString(), '{"n":1}\n');
    });
  });

  it("stops the retry loop when the thread is gone: the write fails at once and nothing is retried", async () => {
    const thread = startSinkThread(await functionsBundle(), { s3: await storeSettings(), bucket: "gone" });
    await thread.close();
    const zone = new RawZone(s3Client((await testServers()).s3), "gone", 10_000, silentLogger, thread.writer);
    const errors: unknown[] = [];
    await assert.rejects(zone.put("ticks/x.jsonl", Buffer.alloc(10_000, 0x61), oneAttempt(errors)), (err: unknown) => err instanceof Unretryable && /closed/.test(String(err)) && !(err instanceof Aborted));
    assert.deepEqual(errors, []);
    // Closed by the sink's stop, after it released its partitions: the write was given up, not failed.
    await assert.rejects(zone.put("ticks/y.jsonl", Buffer.alloc(10_000, 0x61), { shouldContinue: (() => { let calls = 0; return () => calls++ === 0; })() }), Aborted);
  });
});
