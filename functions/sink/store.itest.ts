import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { crc32 } from "node:zlib";
import { GetObjectCommand, HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { createBucket, s3Settings, testServers } from "../../test/harness";
import { createS3, silentLogger } from "../lib";
import { Aborted, RawZone, type RetryControl } from "./store";

type Headers = Record<string, string>;

/** The sink's client of the test server, whose requests, once signed, pass through `onSigned` on their way out. */
async function clientSeeing(onSigned: (request: { headers: Headers; body?: unknown }) => void): Promise<S3Client> {
  const server = (await testServers()).s3;
  const s3 = createS3(s3Settings(server));
  s3.middlewareStack.add(
    (next) => (args) => {
      onSigned(args.request as { headers: Headers; body?: unknown });
      return next(args);
    },
    { step: "finalizeRequest", priority: "low", name: "onSigned" },
  );
  return s3;
}

/** Tries once: the first error is kept and ends the retry loop. */
function oneAttempt(errors: unknown[]): RetryControl {
  return { shouldContinue: () => errors.length === 0, onError: (err) => errors.push(err) };
}

describe("the raw zone's writes on a real S3 server (S3Proxy)", function () {
  this.timeout(120_000);

  it("writes each body with its CRC32 and an unsigned payload, and the server stores exactly those bytes", async () => {
    const sent: Headers[] = [];
    const s3 = await clientSeeing((request) => sent.push({ ...request.headers }));
    const bucket = `store-${randomBytes(4).toString("hex")}`;
    await createBucket(s3, bucket);
    const zone = new RawZone(s3, bucket, 10_000, silentLogger);
    const body = Buffer.from(Array.from({ length: 5_000 }, (_, i) => `{"n":${i}}\n`).join(""));
    const errors: unknown[] = [];
    await zone.put("ticks/a.jsonl", body, oneAttempt(errors));
    assert.deepEqual(errors, []);

    const checksum = Buffer.alloc(4);
    checksum.writeUInt32BE(crc32(body));
    const put = sent.find((h) => h["x-amz-checksum-crc32"] !== undefined)!;
    assert.equal(put["x-amz-checksum-crc32"], checksum.toString("base64"), "the body's CRC32 travels with it");
    assert.equal(put["x-amz-sdk-checksum-algorithm"], "CRC32", "and says which checksum it is, as servers that check only a named one need");
    assert.equal(put["x-amz-content-sha256"], "UNSIGNED-PAYLOAD", "the payload is not hashed for the signature");
    assert.match(put["authorization"] ?? "", /SignedHeaders=[^,]*x-amz-checksum-crc32/, "the checksum is a signed header");
    // The server's ETag is the MD5 of what it stored.
    const md5 = createHash("md5").update(body).digest();
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "ticks/a.jsonl" }));
    assert.equal(head.ETag, `"${md5.toString("hex")}"`);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "ticks/a.jsonl" }));
    assert.deepEqual(Buffer.from(await got.Body!.transformToByteArray()), body);
  });

  it("stores nothing when a body's bytes change after they were hashed: the server refuses the write and it is retried", async () => {
    const s3 = await clientSeeing((request) => {
      if (!Buffer.isBuffer(request.body) || request.body.length < 100) return;
      const changed = Buffer.from(request.body);
      changed[50] = changed[50]! ^ 0x01;
      request.body = changed;
    });
    const bucket = `store-${randomBytes(4).toString("hex")}`;
    await createBucket(s3, bucket);
    const zone = new RawZone(s3, bucket, 10_000, silentLogger);
    const errors: unknown[] = [];
    await assert.rejects(zone.put("ticks/b.jsonl", Buffer.from("x".repeat(1_000)), oneAttempt(errors)), Aborted);
    assert.equal(errors.length, 1);
    assert.equal((errors[0] as { name?: string }).name, "BadDigest", String(errors[0]));
    await assert.rejects(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "ticks/b.jsonl" })), (err: { name?: string }) => err.name === "NotFound");
  });
});
