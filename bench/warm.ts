/**
 * The S3 server brought to its steady state before anything is timed. S3Proxy is a JVM: its C2
 * compiler takes each request's path only after thousands of requests, and until then a request
 * costs it several times its steady CPU, most of it in compiler threads. On this machine those
 * threads take the cores that the sink shares with the server, so an S3 server still compiling
 * charges the sink, and not its baselines (which write nothing), for an effect that S3 in
 * production, a warm service on other machines, does not have.
 */
import { randomBytes } from "node:crypto";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { s3Writer } from "../functions/sink/store";
import { createBucket } from "../test/harness";
import { cpuSeconds } from "./cpu";
import { round, type Figure } from "./report";
import type { Rig } from "./sink";

/**
 * One step of the warm-up, in the shapes the sink and the bench use: small writes as the sink's
 * journals, objects of a 20,000-tick flush's size, a read of each object and a listing.
 */
const STEP = { journals: 400, objects: 20, objectBytes: 800 * 1024 } as const;
const REQUESTS_A_STEP = STEP.journals + 2 * STEP.objects + 1;
/** About 17,600 requests: on this machine the CPU a request levels off after some 15,000. */
const STEPS = 40;
const CONCURRENCY = 8;

/** Runs `op(0)`..`op(count - 1)`, {@link CONCURRENCY} at a time. */
async function concurrently(count: number, op: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await op(next++);
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

/**
 * Warms the rig's S3 server with {@link STEPS} steps of requests, through the sink's own writer
 * (so that the checksum and the unsigned payload take the server's path that the sink's writes
 * take), and reports its CPU a request over the last step against the first (no figure where
 * /proc cannot tell). An S3 endpoint the harness did not start (S3_ENDPOINT) is left alone: it is
 * no JVM of this machine's, and the warm-up would leave some 640 MB in it.
 */
export async function warmUpFigures(rig: Rig, steps = STEPS): Promise<Figure[]> {
  if (!rig.servers.s3.managed) return [];
  const bucket = `bench-warm-${randomBytes(4).toString("hex")}`;
  await createBucket(rig.s3, bucket);
  const writer = s3Writer(rig.s3, bucket);
  const pid = rig.servers.s3.pid;
  const started = Date.now();
  let first: number | undefined;
  let last: number | undefined;
  for (let s = 0; s < steps; s++) {
    const before = cpuSeconds(pid);
    const journal = (i: number) => Buffer.from(JSON.stringify({ version: 2, step: s, write: i }));
    await concurrently(STEP.journals, (i) => writer.write(`warm/journal-${i % 6}.json`, journal(i), 30_000));
    await concurrently(STEP.objects, (i) => writer.write(`warm/${s}/${i}.jsonl`, Buffer.alloc(STEP.objectBytes, 0x61), 30_000));
    await concurrently(STEP.objects, async (i) => {
      const res = await rig.s3.send(new GetObjectCommand({ Bucket: bucket, Key: `warm/${s}/${i}.jsonl` }));
      await res.Body!.transformToByteArray();
    });
    await rig.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `warm/${s}/` }));
    const after = cpuSeconds(pid);
    last = before === undefined || after === undefined ? undefined : ((after - before) * 1000) / REQUESTS_A_STEP;
    if (s === 0) first = last;
  }
  if (first === undefined || last === undefined) return [];
  const seconds = round((Date.now() - started) / 1000, 1);
  return [
    {
      id: "warmUp.s3",
      label: "S3Proxy warmed before timing: CPU a request",
      figure: { value: round(last, 2), unit: "ms", what: `the last of ${steps} steps` },
      baseline: { value: round(first, 2), unit: "ms", what: "the first step" },
      ratio: last / first,
      ratioMeaning: "of the first step's CPU",
      notes:
        `${(steps * REQUESTS_A_STEP).toLocaleString("en")} requests in ${seconds} s before the first timed run, ${CONCURRENCY} at a time; each step ${STEP.journals} small writes (as journals), ` +
        `${STEP.objects} writes of ${STEP.objectBytes / 1024} KiB objects through the sink's writer, a read of each and a listing`,
    },
  ];
}
