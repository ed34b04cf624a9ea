import { crc32 } from "node:zlib";
import { GetObjectCommand, NoSuchKey, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { sinkJournalKey } from "../../contract";
import { backoffDelay, sleep, type Logger } from "../lib";
import { decodeJournal, encodeJournal, type Journal } from "./journal";

/** An error that retrying cannot mend (a thread of the sink's has died): the retry loop rethrows it at once. */
export class Unretryable extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "Unretryable";
  }
}

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
      // A sink that is stopping or has released the partition gave up on the write anyway.
      if (err instanceof Unretryable) throw control.shouldContinue() ? err : new Aborted(what);
      control.onError?.(err, attempt);
      await sleep(Math.max(50, backoffDelay(attempt, 200, 5_000)));
    }
  }
}

/** Where a write stands among others: see {@link orderedWriter}. */
export interface WriteOrder {
  /** Later writes may follow this one (`after` its key). */
  awaitable?: boolean;
  /** The key of an awaitable write that this one follows: it starts once that write has succeeded. */
  after?: string;
}

/**
 * One attempt at writing an object, on this thread ({@link s3Writer}) or on the sink's second
 * thread (thread.ts). The body may travel to that thread and back: the caller must use the body
 * the attempt hands back (or the one {@link WriteFailed} carries), not the one it gave.
 */
export interface ObjectWriter {
  write(key: string, body: Uint8Array, timeoutMs: number, order?: WriteOrder): Promise<Uint8Array>;
}

/** Why a write that was to follow another was not attempted: that write failed, or none was made. */
export class PrecedingWriteFailed extends Error {
  constructor(key: string) {
    super(`not written: the write of ${key} it follows did not succeed`);
    this.name = "PrecedingWriteFailed";
  }
}

/**
 * `writer` keeping the order that {@link WriteOrder} asks for where the writes are made: a write
 * `after` a key waits for the latest awaitable write of that key begun before it, and starts
 * once that one has succeeded; if it failed (or none was begun), the write fails at once with
 * {@link PrecedingWriteFailed}, unattempted, and its retry follows whichever write of the key is
 * latest then. The sink journals a batch before its objects this way, on the thread that writes
 * them, so that the objects go out the moment the journal is durable rather than after a round
 * trip to the consumer's thread.
 */
export function orderedWriter(writer: ObjectWriter): ObjectWriter {
  const latest = new Map<string, Promise<boolean>>();
  return {
    async write(key, body, timeoutMs, order) {
      if (order?.after !== undefined) {
        const preceding = latest.get(order.after);
        if (!(preceding && (await preceding))) throw new WriteFailed(body, new PrecedingWriteFailed(order.after));
      }
      const writing = writer.write(key, body, timeoutMs);
      if (order?.awaitable) {
        latest.set(
          key,
          writing.then(
            () => true,
            () => false,
          ),
        );
      }
      return writing;
    },
  };
}

/** A failed attempt, with the body handed back for the next one. */
export class WriteFailed extends Error {
  constructor(
    readonly body: Uint8Array,
    cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = "WriteFailed";
  }
}

/**
 * Writes with `s3` into `bucket`. Each body travels with its CRC32 (`x-amz-checksum-crc32`, a
 * signed header, the checksum the AWS SDK sends by default; computed here with zlib's, so that the
 * SDK does not compute it again in JavaScript), which S3, MinIO and S3Proxy check before they
 * store anything, and its payload is left unsigned, as the SDK itself leaves a streamed body whose
 * checksum trails it. Hashing every body with SHA-256 for the signature, as the SDK does for a
 * body it is given whole, doubled S3Proxy's CPU a megabyte here and cost the sink more than the
 * rest of a write, for what the checksum already checks. (What the signature alone would add, a
 * body no one on the path can alter unseen, TLS gives.)
 */
export function s3Writer(s3: S3Client, bucket: string): ObjectWriter {
  return {
    async write(key, body, timeoutMs) {
      const checksum = Buffer.alloc(4);
      checksum.writeUInt32BE(crc32(body));
      const command = new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: "application/x-ndjson", ChecksumAlgorithm: "CRC32", ChecksumCRC32: checksum.toString("base64") });
      // Set before signing: SigV4's signer then takes the header's value as the payload's hash.
      command.middlewareStack.add(
        (next) => (args) => {
          (args.request as { headers: Record<string, string> }).headers["x-amz-content-sha256"] = "UNSIGNED-PAYLOAD";
          return next(args);
        },
        { step: "build", name: "unsignedPayload" },
      );
      try {
        await s3.send(command, { abortSignal: AbortSignal.timeout(timeoutMs) });
      } catch (err) {
        throw new WriteFailed(body, err);
      }
      return body;
    },
  };
}

/** The raw zone as the sink uses it: write objects, read and write the journal. */
export class RawZone {
  private readonly writer: ObjectWriter;

  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
    private readonly timeoutMs: number,
    private readonly log: Logger,
    /** Where objects are written, keeping each write's {@link WriteOrder}: with `s3` on this thread if not given. */
    writer?: ObjectWriter,
  ) {
    this.writer = writer ?? orderedWriter(s3Writer(s3, bucket));
  }

  /**
   * Writes `body` at `key`, retrying until it is written (see {@link untilDone} and
   * {@link s3Writer}); each attempt keeps `order` (see {@link orderedWriter}).
   */
  put(key: string, body: Buffer | string, control: RetryControl, order?: WriteOrder): Promise<void> {
    let current: Uint8Array = typeof body === "string" ? Buffer.from(body) : body;
    return untilDone(
      `writing ${key}`,
      async () => {
        try {
          current = await this.writer.write(key, current, this.timeoutMs, order);
        } catch (err) {
          if (!(err instanceof WriteFailed)) throw err;
          current = err.body;
          throw err.cause;
        }
      },
      control,
      this.timeoutMs,
    );
  }

  /** Writes the partition's journal; an object put `after` its key (sinkJournalKey) follows it. */
  writeJournal(journal: Journal, control: RetryControl): Promise<void> {
    return this.put(sinkJournalKey(journal.topic, journal.partition), encodeJournal(journal), control, { awaitable: true });
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
