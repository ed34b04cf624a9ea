import { crc32 } from "node:zlib";
import { GetObjectCommand, NoSuchKey, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { sinkJournalKey } from "../../contract";
import { backoffDelay, sleep, type Logger } from "../lib";
import { decodeJournal, encodeJournal, type Journal } from "./journal";

/** Thrown when a write loop stops because the partition was revoked or the sink is stopping. */
export class Aborted extends Error {
  constructor(what: string) {
    super(`stopped before ${what}`);
    this.name = "Aborted";
  }
}

export interface RetryControl {
  /** False once the partition is revoked or the sink stops: no new request is started. */
  shouldContinue(): boolean;
  onError?(err: unknown, attempt: number): void;
}

/**
 * Runs `op` until it succeeds, backing off up to 5 s between attempts; an outage of the object
 * store only delays the sink, it never drops data. Each attempt is bounded by `timeoutMs`.
 */
export async function untilDone<T>(what: string, op: (signal: AbortSignal) => Promise<T>, control: RetryControl, timeoutMs: number): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    if (!control.shouldContinue()) throw new Aborted(what);
    try {
      return await op(AbortSignal.timeout(timeoutMs));
    } catch (err) {
      control.onError?.(err, attempt);
      await sleep(Math.max(50, backoffDelay(attempt, 200, 5_000)));
    }
  }
}

/** The raw zone as the sink uses it: write objects, read and write the journal. */
export class RawZone {
  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
    private readonly timeoutMs: number,
    private readonly log: Logger,
  ) {}

  /**
   * Writes `body` at `key`. The body travels with its CRC32 (`x-amz-checksum-crc32`, a signed
   * header, the checksum the AWS SDK sends by default; computed here with zlib's, so that the SDK
   * does not compute it again in JavaScript), which S3, MinIO and S3Proxy check before they store
   * anything, and its payload is left unsigned, as the SDK itself leaves a streamed body whose
   * checksum trails it. Hashing every body with SHA-256 for the signature, as the SDK does for a
   * body it is given whole, doubled S3Proxy's CPU a megabyte here and cost the sink more than the
   * rest of a write, for what the checksum already checks. (What the signature alone would add, a
   * body no one on the path can alter unseen, TLS gives.)
   */
  put(key: string, body: Buffer | string, control: RetryControl): Promise<void> {
    const checksum = Buffer.alloc(4);
    checksum.writeUInt32BE(crc32(body));
    return untilDone(
      `writing ${key}`,
      async (abortSignal) => {
        const command = new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: "application/x-ndjson", ChecksumAlgorithm: "CRC32", ChecksumCRC32: checksum.toString("base64") });
        // Set before signing: SigV4's signer then takes the header's value as the payload's hash.
        command.middlewareStack.add(
          (next) => (args) => {
            (args.request as { headers: Record<string, string> }).headers["x-amz-content-sha256"] = "UNSIGNED-PAYLOAD";
            return next(args);
          },
          { step: "build", name: "unsignedPayload" },
        );
        await this.s3.send(command, { abortSignal });
      },
      control,
      this.timeoutMs,
    );
  }

  writeJournal(journal: Journal, control: RetryControl): Promise<void> {
    return this.put(sinkJournalKey(journal.topic, journal.partition), encodeJournal(journal), control);
  }

  readJournal(topic: string, partition: number, control: RetryControl): Promise<Journal | undefined> {
    const key = sinkJournalKey(topic, partition);
    return untilDone(
      `reading ${key}`,
      async (abortSignal) => {
        try {
          const res = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }), { abortSignal });
          return decodeJournal(await res.Body!.transformToString(), `s3://${this.bucket}/${key}`);
        } catch (err) {
          if (err instanceof NoSuchKey || (err as { name?: string }).name === "NoSuchKey") return undefined;
          throw err;
        }
      },
      {
        shouldContinue: control.shouldContinue,
        onError: (err, attempt) => {
          this.log.warn("cannot read the journal, retrying", { key, attempt, err });
          control.onError?.(err, attempt);
        },
      },
      this.timeoutMs,
    );
  }
}
