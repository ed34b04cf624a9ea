import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { createS3, type S3Settings } from "../lib";
import { orderedWriter, s3Writer, Unretryable, WriteFailed, type ObjectWriter, type WriteOrder } from "./store";
import { validatePacked, type PackedMessages, type Validator, type Verdicts } from "./validation";

const ROLE = "sink-thread";

/** What the thread is started with: the raw zone it writes to, if it writes. */
interface ThreadData {
  role: typeof ROLE;
  store?: { s3: S3Settings; bucket: string };
}

type Request = ({ kind: "validate"; id: number } & PackedMessages) | { kind: "write"; id: number; key: string; body: Uint8Array; timeoutMs: number; order?: WriteOrder };

interface Problem {
  name: string;
  message: string;
}

/** A validation's verdicts, a body written or not written (handed back either way), or a request the thread could not serve. */
type Reply = { id: number; verdicts: Verdicts } | { id: number; written: Uint8Array } | { id: number; notWritten: Uint8Array; error: Problem } | { id: number; error: Problem };

/** One of the sink's threads: see {@link startSinkThread}. */
export interface SinkThread {
  validator: Validator;
  /** Present when the thread was given a raw zone to write to. */
  writer?: ObjectWriter;
  close(): Promise<void>;
}

/** Whether `body` is the whole of its ArrayBuffer, which can then move to the thread without a copy. */
const ownsBuffer = (body: Uint8Array) => body.byteOffset === 0 && body.byteLength === body.buffer.byteLength && body.buffer instanceof ArrayBuffer;

/**
 * A thread of the sink's, beside the Kafka client's: it validates fetched messages and, given a
 * raw zone, writes objects to it with its own S3 client, so that the consumer's thread neither
 * decodes records nor sends HTTP requests. `entry` is the script the thread runs: the bundle the
 * process runs (functions/main.ts hands a thread started with this role to {@link runSinkThread}).
 *
 * An object's body moves to the thread and back (its memory is transferred, not copied); a body
 * that shares its memory with other data (a small buffer from Node's pool) is copied first.
 * Writes keep their {@link WriteOrder} on the thread (see orderedWriter), taken in the order they
 * were asked for. Validations are answered in order. The thread failing fails every pending and
 * later request, writes with {@link Unretryable}, and the sink with them.
 */
export function startSinkThread(entry: string, store?: { s3: S3Settings; bucket: string }): SinkThread {
  const data: ThreadData = { role: ROLE, store };
  const worker = new Worker(entry, { workerData: data });
  const pending = new Map<number, { resolve: (reply: Reply) => void; reject: (err: Error) => void }>();
  let nextId = 0;
  let failed: Error | undefined;
  const failAll = (err: Error) => {
    failed ??= err;
    for (const p of pending.values()) p.reject(failed);
    pending.clear();
  };
  worker.on("message", (reply: Reply) => {
    const p = pending.get(reply.id);
    pending.delete(reply.id);
    p?.resolve(reply);
  });
  worker.on("error", (err) => failAll(err));
  worker.on("exit", (code) => failAll(new Error(`the sink's thread exited with code ${code}`)));
  // The thread never keeps the process alive by itself: the sink's connections do, and its stop closes the thread.
  worker.unref();
  const request = (message: Request, transfer: ArrayBuffer[]) =>
    new Promise<Reply>((resolve, reject) => {
      if (failed) return reject(failed);
      pending.set(message.id, { resolve, reject });
      worker.postMessage(message, transfer);
    });

  const validator: Validator = {
    async validate(packed) {
      const reply = await request({ kind: "validate", id: nextId++, ...packed }, [packed.data.buffer as ArrayBuffer, packed.bounds.buffer as ArrayBuffer]);
      if ("verdicts" in reply) return reply.verdicts;
      throw new Error(`validation failed on its thread: ${"error" in reply ? reply.error.message : "no verdicts"}`);
    },
    close: () => close(),
  };
  const writer: ObjectWriter = {
    async write(key, body, timeoutMs, order) {
      const moving = ownsBuffer(body) ? body : new Uint8Array(body);
      let reply: Reply;
      try {
        reply = await request({ kind: "write", id: nextId++, key, body: moving, timeoutMs, order }, [moving.buffer as ArrayBuffer]);
      } catch (err) {
        throw new Unretryable(`writing ${key} on the sink's thread: ${(err as Error).message}`, { cause: err });
      }
      if ("written" in reply) return reply.written;
      if ("notWritten" in reply) throw new WriteFailed(reply.notWritten, Object.assign(new Error(reply.error.message), { name: reply.error.name }));
      throw new Unretryable(`writing ${key} on the sink's thread: ${"error" in reply ? reply.error.message : "no answer"}`);
    },
  };
  async function close(): Promise<void> {
    failed ??= new Error("the sink's thread is closed");
    await worker.terminate();
  }
  return { validator, writer: store ? writer : undefined, close };
}

/** The sink's threads beside the Kafka client's: see {@link startSinkThreads}. */
export interface SinkThreads {
  /** Closing it closes both threads, as the sink does when it stops. */
  validator: Validator;
  writer: ObjectWriter;
  close(): Promise<void>;
}

/**
 * Two of the threads {@link startSinkThread} starts: one validates, the other writes to the raw
 * zone. Apart, because a fetch's validation runs for tens of milliseconds at a time: on one thread
 * it held up the writes' requests and responses meanwhile, and with them every journal and
 * commit behind them (the bench's sink, capped near 330,000 records/s that way, went to 420,000).
 */
export function startSinkThreads(entry: string, store: { s3: S3Settings; bucket: string }): SinkThreads {
  const validating = startSinkThread(entry);
  const writing = startSinkThread(entry, store);
  const close = async () => {
    await Promise.all([validating.close(), writing.close()]);
  };
  return { validator: { validate: validating.validator.validate, close }, writer: writing.writer!, close };
}

/** Whether this thread is one of the sink's own, started by {@link startSinkThread}. */
export function isSinkThread(): boolean {
  return !isMainThread && (workerData as { role?: string } | null)?.role === ROLE;
}

const described = (err: unknown): Problem => ({ name: err instanceof Error ? err.name : "Error", message: err instanceof Error ? (err.stack ?? err.message) : String(err) });

/** The thread's loop: validates, and writes with its own S3 client. */
export function runSinkThread(): void {
  const port = parentPort!;
  const { store } = workerData as ThreadData;
  const writer = store ? orderedWriter(s3Writer(createS3(store.s3), store.bucket)) : undefined;
  port.on("message", (request: Request) => {
    if (request.kind === "validate") {
      let reply: Reply;
      try {
        reply = { id: request.id, verdicts: validatePacked(request) };
      } catch (err) {
        reply = { id: request.id, error: described(err) };
      }
      const v = "verdicts" in reply ? reply.verdicts : undefined;
      port.postMessage(reply, v ? [v.folderOf.buffer as ArrayBuffer, v.data.buffer as ArrayBuffer, v.bounds.buffer as ArrayBuffer] : []);
      return;
    }
    const { id, key, body, timeoutMs, order } = request;
    if (!writer) {
      port.postMessage({ id, error: { name: "Error", message: "this thread was started without a raw zone" } } satisfies Reply);
      return;
    }
    writer.write(key, Buffer.from(body.buffer, body.byteOffset, body.byteLength), timeoutMs, order).then(
      (written) => port.postMessage({ id, written } satisfies Reply, [written.buffer as ArrayBuffer]),
      (err: unknown) => {
        const back = err instanceof WriteFailed ? err.body : body;
        port.postMessage({ id, notWritten: back, error: described(err instanceof WriteFailed ? err.cause : err) } satisfies Reply, [back.buffer as ArrayBuffer]);
      },
    );
  });
}
