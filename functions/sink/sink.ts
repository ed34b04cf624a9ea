import type { Admin, Consumer, EachBatchPayload, KafkaMessage, Producer } from "kafkajs";
import { sinkJournalKey } from "../../contract";
import { sleep, type Health, type Logger } from "../lib";
import { PartitionBatch } from "./batch";
import type { FlushPolicy, SinkSettings } from "./config";
import { heartbeatIntervalMs } from "./consumer";
import { deadLetterMessage } from "./dead-letters";
import { planRecovery, type JournaledBatch } from "./journal";
import type { SinkMetrics } from "./metrics";
import { Aborted, untilDone, type RetryControl, type RawZone } from "./store";
import { inProcessValidator, packMessages, validated, type Validated, type Validator, type Verdicts } from "./validation";

export interface SinkDeps {
  consumer: Consumer;
  producer: Producer;
  admin: Admin;
  zone: RawZone;
  log: Logger;
  metrics: SinkMetrics;
  /** Where fetched messages are validated; on this thread if not given. */
  validator?: Validator;
  now?: () => number;
}

/** What the sink knows about one assigned topic-partition during one group generation. */
interface PartitionState {
  key: string;
  topic: string;
  partition: number;
  policy: FlushPolicy;
  /** Started when the partition is assigned, so that every partition recovers at once. */
  recovery?: Promise<void>;
  recovered: boolean;
  /** Where the recovery plan resumes; undefined: wherever the first fetch starts (the earliest offset). */
  resumeFrom?: bigint;
  /** Set by the first batch after recovery. */
  positioned: boolean;
  /** Next offset to buffer; every offset before it is buffered, flushing or durable (kept at each seal and between slices of a fetch). */
  position: bigint;
  /** After a seek, batches fetched before it are ignored until one starts at `position`. */
  seekPending: boolean;
  /** Next offset to take from a fetch: every offset before it is buffered or waiting in `fetched`. */
  fetchedUntil: bigint;
  /**
   * Fetched messages not buffered yet, oldest first. A fetch is taken at once and buffered while
   * the client fetches the next one, so that the sink's work per record overlaps the broker's.
   */
  fetched: FetchedMessages[];
  /** Whether `fetched` is being buffered; `buffering` ends when it is done. */
  bufferingNow: boolean;
  buffering?: Promise<void>;
  /**
   * The journaled flushes still to be replayed, in order: the open batch ends where the first
   * ends, and each is listed in the partition's journals until it is sealed and written again.
   */
  replay: JournaledBatch[];
  open?: PartitionBatch;
  /** Complete batches waiting to be written, oldest first. */
  queue: PartitionBatch[];
  /** Batches being written, oldest first: every one of them is in the partition's latest journal. */
  writing: Write[];
  /** Wakes a drain waiting for its oldest write, when a batch is sealed that it may start meanwhile. */
  sealed?: () => void;
  draining?: Promise<void>;
  /** Set when the partition leaves this instance (rebalance) or the sink stops flushing it. */
  revoked: boolean;
  committed?: bigint;
  highWatermark?: bigint;
}

/** The part of one fetched batch that is still to be buffered, from `next` on. */
interface FetchedMessages {
  messages: KafkaMessage[];
  /** The first message to buffer: the one `verdicts` begin with. */
  from: number;
  next: number;
  /** Being validated since the fetch arrived, while earlier fetches are buffered. */
  verdicts: Promise<Verdicts>;
  validated?: Validated;
  /** Counted in the sink's buffered bytes until the whole batch is buffered. */
  bytes: number;
}

/** One batch's objects and dead letters being written: see {@link Sink.drain}. */
interface Write {
  batch: PartitionBatch;
  /** Resolves to the number of objects written, once they and the batch's dead letters are durable. */
  done: Promise<number>;
  started: number;
  /** How many earlier batches of the partition were being written when this one began (logged with its flush). */
  alongside: number;
}

const CONCURRENT_PUTS = 32;
/**
 * Batches of one partition whose objects are written at once. Each write waits on the object
 * store's latency more than on anything else, so the next batch's objects go out while the
 * previous ones are still in flight; the partition's journal lists them all.
 */
const WRITES_IN_FLIGHT = 4;
/** Messages buffered between two yields to the event loop. */
const SLICE = 2_000;

/**
 * Consumes the realtime and batch topics and lands every record once in the raw zone.
 *
 * Per partition, messages are buffered into a batch until a flush threshold; complete batches are
 * journaled, then written a few at once (objects, dead letters), and their offsets committed in
 * order (see {@link drain}). A crash at any point is repaired on the next assignment by replaying
 * the journaled batches with the same boundaries, which rewrites the same objects (see journal.ts).
 */
export class Sink {
  private readonly states = new Map<string, PartitionState>();
  /** Drains of the previous generation, awaited before the same partition recovers again. */
  private readonly retiring = new Map<string, Promise<void>>();
  private owned = new Set<string>();
  /** When partitions new to this instance may recover (ms since the epoch). */
  private handover: Promise<number> = Promise.resolve(0);
  private bufferedBytes = 0;
  /** Whether a handler holds fetching until the buffer drains (see {@link untilRoom}). */
  private paused = false;
  /** Resolved when the buffer has drained to half its limit, or the sink stops or releases its partitions. */
  private room?: { drained: Promise<void>; resolve: () => void };
  private stopping = false;
  private joined = false;
  private lastStoreError?: number;
  private timer?: NodeJS.Timeout;
  private readonly now: () => number;
  private readonly validator: Validator;

  constructor(
    private readonly settings: SinkSettings,
    private readonly deps: SinkDeps,
  ) {
    this.now = deps.now ?? Date.now;
    this.validator = deps.validator ?? inProcessValidator();
  }

  async start(): Promise<void> {
    const { consumer, producer, admin } = this.deps;
    await Promise.all([consumer.connect(), producer.connect(), admin.connect()]);
    consumer.on(consumer.events.GROUP_JOIN, (e) => this.onGroupJoin(e.payload.memberAssignment, e.payload.memberId));
    consumer.on(consumer.events.REBALANCING, () => this.revokeAll("rebalancing"));
    consumer.on(consumer.events.CRASH, (e) => this.deps.log.error("consumer crashed", { err: e.payload.error, restart: e.payload.restart }));
    await consumer.subscribe({ topics: this.settings.topics, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: (payload) => this.onBatch(payload),
    });
    const shortest = Math.min(...Object.values(this.settings.flush).flatMap((p) => (p.idleMs > 0 ? [p.intervalMs, p.idleMs] : [p.intervalMs])));
    const tick = Math.max(10, Math.min(250, Math.floor(shortest / 4)));
    this.timer = setInterval(() => this.sealExpired(), tick);
  }

  /**
   * Stops fetching, writes and commits what is buffered, and disconnects, within `graceMs`. What
   * cannot be written in time is not committed, so the next run consumes it again: nothing is lost.
   */
  async stop(graceMs: number): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearInterval(this.timer);
    this.wakeHeld();
    const { consumer, producer, admin, log } = this.deps;
    consumer.pause(this.settings.topics.map((topic) => ({ topic })));
    // What was fetched is buffered first (no I/O: it ends within milliseconds), then sealed.
    await Promise.all([...this.states.values()].map((s) => s.buffering));
    for (const state of this.states.values()) {
      // A replay must end at its journaled offset; cut short, it would write different keys.
      if (state.open && state.open.forcedEnd === undefined && state.open.records > 0) this.seal(state);
      else state.open = undefined;
    }
    const writing = [...this.retiring.values()];
    for (const state of this.states.values()) if (state.draining) writing.push(state.draining);
    const drained = Promise.all(writing.map((w) => w.catch(() => undefined)));
    const finished = await Promise.race([drained.then(() => true), sleep(Math.max(0, graceMs - 2_000)).then(() => false)]);
    for (const state of this.states.values()) state.revoked = true;
    if (finished) {
      await consumer.disconnect().catch((err: unknown) => log.warn("consumer disconnect failed", { err }));
    } else {
      // Leaving now would hand the partitions over at once while writes are still in flight; the
      // group drops this member when its session expires instead, after those writes have ended.
      log.warn("stopping with unwritten batches; they will be consumed again", { pending: this.pendingBatches() });
    }
    await Promise.all([producer.disconnect(), admin.disconnect()]).catch((err: unknown) => log.warn("disconnect failed", { err }));
    await this.validator.close();
  }

  health(): Health {
    const storeFailing = this.lastStoreError !== undefined && this.now() - this.lastStoreError < 10_000;
    return {
      live: !this.stopping,
      ready: this.joined && !storeFailing,
      details: { partitions: this.states.size, bufferedBytes: this.bufferedBytes, pendingBatches: this.pendingBatches(), paused: this.paused },
    };
  }

  private pendingBatches(): number {
    let n = 0;
    for (const s of this.states.values()) n += s.queue.length + s.writing.length + (s.open ? 1 : 0);
    return n;
  }

  private onGroupJoin(assignment: Record<string, number[]>, memberId: string): void {
    this.revokeAll("group joined");
    const assigned = new Set(Object.entries(assignment).flatMap(([topic, partitions]) => partitions.map((p) => `${topic}:${p}`)));
    const arriving = [...assigned].filter((k) => !this.owned.has(k));
    // Another instance may have been writing these partitions until a moment ago.
    if (arriving.length > 0) {
      const until = this.now() + this.settings.handoverDelayMs;
      this.handover = this.aloneInGroup(memberId).then((alone) => (alone ? 0 : until));
    }
    this.owned = assigned;
    this.joined = true;
    this.deps.log.info("partitions assigned", { assignment, arriving });
    const states = Object.entries(assignment).flatMap(([topic, partitions]) => partitions.map((p) => this.newState(topic, p)));
    if (states.length === 0) return;
    // One request for the committed offsets of every assigned partition; every recovery awaits it.
    const committed = this.committedOffsets(Object.keys(assignment), {
      shouldContinue: () => states.some((s) => !s.revoked),
      onError: (err, attempt) => {
        if (attempt === 1 || attempt % 10 === 0) this.deps.log.warn("reading the committed offsets failed, retrying", { topics: Object.keys(assignment), attempt, err });
      },
    });
    committed.catch(() => undefined);
    for (const state of states) {
      state.recovery = this.recover(state, committed);
      // Awaited by the partition's first batch; a partition that never gets one must not fail the process.
      state.recovery.catch(() => undefined);
    }
  }

  /**
   * Whether this member is the only one of the group's generation: then no other instance holds a
   * partition, and none can have writes in flight, since an instance leaves the group only after
   * its writes have ended (see {@link stop}) and one that died leaves it when its session expires,
   * later than the handover delay after its last request began. A failed check counts as not alone.
   */
  private async aloneInGroup(memberId: string): Promise<boolean> {
    const { sessionTimeoutMs, handoverDelayMs, groupId } = this.settings;
    if (sessionTimeoutMs - heartbeatIntervalMs(sessionTimeoutMs) < handoverDelayMs) return false;
    try {
      const { groups } = await this.deps.admin.describeGroups([groupId]);
      const members = groups[0]?.members ?? [];
      return members.length === 1 && members[0]!.memberId === memberId;
    } catch (err) {
      this.deps.log.warn("cannot tell whether other instances are in the group; waiting the handover delay", { err });
      return false;
    }
  }

  /** Drops every partition's unwritten state; each recovers from the journal when assigned again. */
  private revokeAll(why: string): void {
    if (this.states.size > 0) this.deps.log.info("releasing partitions", { why, partitions: [...this.states.keys()] });
    for (const state of this.states.values()) {
      state.revoked = true;
      if (state.draining) this.retiring.set(state.key, state.draining);
    }
    this.states.clear();
    this.setBuffered(0);
    this.wakeHeld();
  }

  private newState(topic: string, partition: number): PartitionState {
    const key = `${topic}:${partition}`;
    const policy = this.settings.flush[topic];
    if (!policy) throw new Error(`no flush policy for topic ${topic}`);
    const state: PartitionState = { key, topic, partition, policy, recovered: false, positioned: false, position: 0n, seekPending: false, fetchedUntil: 0n, fetched: [], bufferingNow: false, replay: [], queue: [], writing: [], revoked: false };
    this.states.set(key, state);
    return state;
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    // A batch fetched before a rebalance belongs to the old assignment; the new one has its own states.
    const state = this.states.get(`${batch.topic}:${batch.partition}`);
    if (!state || this.stopping || batch.messages.length === 0 || !isRunning() || isStale()) return;
    if (!state.recovered) {
      await this.untilRecovered(state, heartbeat);
      if (!state.recovered || this.stopping || state.revoked || !isRunning() || isStale()) return;
    }
    const { messages } = batch;
    if (!state.positioned) {
      const fetchedFrom = BigInt(batch.firstOffset() ?? messages[0]!.offset);
      state.position = state.resumeFrom ?? fetchedFrom;
      state.fetchedUntil = state.position;
      state.positioned = true;
      if (state.position !== fetchedFrom) {
        state.seekPending = true;
        this.deps.consumer.seek({ topic: state.topic, partition: state.partition, offset: state.position.toString() });
        return;
      }
    }
    state.highWatermark = BigInt(batch.highWatermark);
    // Offsets only grow within a batch: what is already taken (a fetch repeated after a pause) comes first.
    let i = 0;
    while (i < messages.length && BigInt(messages[i]!.offset) < state.fetchedUntil) i++;
    if (i === messages.length) {
      resolveOffset(messages[messages.length - 1]!.offset);
      return;
    }
    if (state.seekPending) {
      if (BigInt(messages[i]!.offset) !== state.fetchedUntil) {
        await this.skipIfDeleted(state);
        return; // fetched before the seek took effect
      }
      state.seekPending = false;
    }
    // Taken whole and buffered meanwhile: the client fetches the next batch while this one is
    // buffered, instead of after. Its packed keys and values count against the buffer limit from now on.
    const last = messages[messages.length - 1]!.offset;
    const packed = packMessages(state.topic, messages, i, this.now());
    const bytes = packed.data.byteLength;
    const verdicts = this.validator.validate(packed);
    // Awaited in order by bufferFetched; a partition revoked meanwhile drops it unread.
    verdicts.catch(() => undefined);
    state.fetched.push({ messages, from: i, next: i, verdicts, bytes });
    state.fetchedUntil = BigInt(last) + 1n;
    resolveOffset(last);
    this.setBuffered(this.bufferedBytes + bytes);
    if (!state.bufferingNow) state.buffering = this.bufferFetched(state);
    this.updateLag(state);
    if (this.bufferedBytes > this.settings.maxBufferedBytes) await this.untilRoom(state, payload);
    await heartbeat();
  }

  /**
   * Holds the batch's handler while more than the buffer limit waits to be written, heartbeating
   * meanwhile: kafkajs fetches again only once the handler returns, so holding it pauses fetching,
   * and fetching resumes the moment the buffer has drained to half the limit. (Pausing the
   * consumer would drop the fetch in flight, and kafkajs, finding every partition paused, sleeps
   * for its whole fetch wait before it looks again: most of a second of idle after each pause.)
   * Ends early when the sink stops or the partition is released, as the handler must then return.
   */
  private async untilRoom(state: PartitionState, { heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    this.paused = true;
    this.deps.log.warn("fetching paused until buffered records are written", { bufferedBytes: this.bufferedBytes });
    while (this.paused && !this.stopping && !state.revoked && isRunning() && !isStale()) {
      await Promise.race([this.roomDrained(), sleep(1_000)]);
      await heartbeat();
    }
  }

  private roomDrained(): Promise<void> {
    if (!this.room) {
      let resolve!: () => void;
      const drained = new Promise<void>((r) => (resolve = r));
      this.room = { drained, resolve };
    }
    return this.room.drained;
  }

  /** Lets a held handler return (see {@link untilRoom}). */
  private wakeHeld(): void {
    this.room?.resolve();
    this.room = undefined;
  }

  /**
   * Buffers the partition's fetched messages in order, in slices, yielding in between, so that
   * fetches, writes and commits go on meanwhile. Ends, clearing `state.bufferingNow` in the same
   * step, when none is left (it may end before its first await: hence the flag, set and cleared
   * inside) or the partition is revoked (its messages are then fetched again by whoever gets it:
   * nothing of them was committed).
   */
  private async bufferFetched(state: PartitionState): Promise<void> {
    state.bufferingNow = true;
    try {
      while (state.fetched.length > 0 && !state.revoked) {
        const fetched = state.fetched[0]!;
        fetched.validated ??= validated(await fetched.verdicts);
        if (state.revoked) break;
        const { messages, validated: v } = fetched;
        const end = Math.min(messages.length, fetched.next + SLICE);
        const now = this.now();
        let added = 0;
        for (let i = fetched.next - fetched.from; i < end - fetched.from; ) {
          state.open ??= new PartitionBatch(state.topic, state.partition, state.position, now, state.replay[0]?.end);
          const batch = state.open;
          const before = batch.bytes;
          i = batch.addFrom(messages, fetched.from, v, i, end - fetched.from, state.policy, now);
          added += batch.bytes - before;
          if (batch.isComplete(state.policy, now)) this.seal(state);
        }
        state.position = BigInt(messages[end - 1]!.offset) + 1n;
        this.deps.metrics.recordsIn.inc({ topic: state.topic }, end - fetched.next);
        fetched.next = end;
        if (end === messages.length) {
          state.fetched.shift();
          added -= fetched.bytes;
        }
        this.setBuffered(this.bufferedBytes + added);
        if (state.fetched.length > 0) await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      state.bufferingNow = false;
      if (state.revoked) state.fetched = [];
    }
  }

  /** Waits for the partition's recovery (started on assignment), keeping the group membership alive meanwhile. */
  private async untilRecovered(state: PartitionState, heartbeat: () => Promise<void>): Promise<void> {
    const keepAlive = setInterval(() => heartbeat().catch(() => undefined), 1_000);
    try {
      await state.recovery;
    } finally {
      clearInterval(keepAlive);
    }
  }

  /** Decides where a newly assigned partition resumes: see {@link planRecovery}. */
  private async recover(state: PartitionState, committedOffsets: Promise<Map<string, bigint>>): Promise<void> {
    const { log, metrics, zone } = this.deps;
    try {
      // The previous generation's writes for this partition end before its recovery reads the journal.
      await this.retiring.get(state.key)?.catch(() => undefined);
      this.retiring.delete(state.key);
      const wait = (await this.handover) - this.now();
      if (wait > 0) await sleep(wait);
      const [offsets, journal] = await Promise.all([committedOffsets, zone.readJournal(state.topic, state.partition, this.control(state, "read"))]);
      if (state.revoked) return;
      const committed = offsets.get(state.key);
      const plan = planRecovery(committed, journal);
      state.resumeFrom = plan.from;
      state.replay = plan.replay;
      state.committed = committed;
      state.recovered = true;
      metrics.recoveries.inc({ reason: plan.replay.length > 0 ? "replay" : plan.from !== undefined ? "committed" : "earliest" });
      log.info("partition recovered", {
        topic: state.topic,
        partition: state.partition,
        committed: committed?.toString(),
        journal: journal?.batches.map((b) => ({ start: b.start.toString(), end: b.end.toString() })),
        from: plan.from?.toString() ?? "earliest",
        replayUntil: plan.replay.at(-1)?.end.toString(),
        reason: plan.reason,
      });
    } catch (err) {
      if (!(err instanceof Aborted)) throw err;
    }
  }

  /**
   * A replay or resume point that retention has deleted can never be fetched: the sink says so and
   * moves on from the earliest offset Kafka still holds, instead of waiting for it forever.
   */
  private async skipIfDeleted(state: PartitionState): Promise<void> {
    const partitions = await this.deps.admin.fetchTopicOffsets(state.topic).catch(() => []);
    const low = partitions.find((p) => p.partition === state.partition)?.low;
    if (low === undefined || BigInt(low) <= state.position) return;
    this.deps.log.error("records were deleted by retention before the sink wrote them", {
      topic: state.topic,
      partition: state.partition,
      from: state.position.toString(),
      earliest: low,
      lost: (BigInt(low) - state.position).toString(),
    });
    state.position = BigInt(low);
    state.fetchedUntil = state.position;
    state.replay = [];
    state.open = undefined;
    this.deps.consumer.seek({ topic: state.topic, partition: state.partition, offset: low });
    state.seekPending = true;
  }

  /** The group's committed offset of every partition of `topics`, by state key; partitions without one are absent. */
  private committedOffsets(topics: string[], control: RetryControl): Promise<Map<string, bigint>> {
    return untilDone(
      `reading the committed offsets of ${topics.join(", ")}`,
      async () => {
        const offsets = new Map<string, bigint>();
        for (const { topic, partitions } of await this.deps.admin.fetchOffsets({ groupId: this.settings.groupId, topics })) {
          for (const p of partitions) if (p.offset !== "-1") offsets.set(`${topic}:${p.partition}`, BigInt(p.offset));
        }
        return offsets;
      },
      control,
      this.settings.s3RequestTimeoutMs,
    );
  }

  private sealExpired(): void {
    const now = this.now();
    for (const state of this.states.values()) {
      if (state.open && !state.revoked && state.open.isComplete(state.policy, now)) this.seal(state);
    }
  }

  private seal(state: PartitionState): void {
    const batch = state.open!;
    state.open = undefined;
    state.position = batch.endOffset + 1n;
    if (batch.forcedEnd !== undefined) {
      // A replayed batch ends at its journaled end, or past it where that offset no longer exists.
      while (state.replay.length > 0 && state.replay[0]!.end <= batch.endOffset) state.replay.shift();
      if (state.replay[0] && state.replay[0].start <= batch.endOffset) state.replay[0] = { ...state.replay[0], start: batch.endOffset + 1n };
    }
    state.queue.push(batch);
    state.sealed?.();
    state.draining ??= this.drain(state);
  }

  /**
   * Writes the partition's complete batches, up to {@link WRITES_IN_FLIGHT} at once, and commits
   * each in order once it and every batch before it are durable. Before a batch's objects go out,
   * the partition's journal is rewritten to list every batch being written, the new one last
   * (journal writes follow one another, so the latest lists them all). The objects are handed to
   * the writer along with the journal and follow its write where the writes are made (see
   * orderedWriter), so that they start the moment it is durable. A batch leaves that list
   * once its objects are durable, which keeps every offset before the journal's first range in
   * durable objects, as recovery relies on (see planRecovery). The drain ends when no batch is
   * left, after its commits, and only once every write it started has ended, so that a later
   * generation's recovery reads a journal no write of this one will replace; it clears
   * `state.draining` in the same step as it finds the queue empty, so that a batch sealed
   * meanwhile starts a new one.
   */
  private async drain(state: PartitionState): Promise<void> {
    const { writing } = state;
    let committing = Promise.resolve();
    try {
      for (;;) {
        while (state.queue.length > 0 && writing.length < WRITES_IN_FLIGHT && !state.revoked) {
          // Every batch that may start now is journaled at once: one journal write, however many.
          const starting = state.queue.slice(0, WRITES_IN_FLIGHT - writing.length);
          const started = this.now();
          const journaled = this.writeJournal(state, [...writing.map((w) => w.batch), ...starting]);
          state.queue.splice(0, starting.length);
          for (const batch of starting) {
            const done = this.writeBatch(state, batch, writing.at(-1)?.done);
            done.catch(() => undefined);
            writing.push({ batch, done, started, alongside: writing.length });
          }
          // The next journal write lists these batches too: it waits for this one.
          await journaled;
        }
        const oldest = writing[0];
        if (!oldest) {
          await committing;
          if (state.queue.length === 0 || state.revoked) return;
          continue;
        }
        // A batch sealed while the oldest write is in flight may start at once if there is room.
        if (writing.length < WRITES_IN_FLIGHT && !state.revoked && (await this.sealedBefore(state, oldest.done))) continue;
        const objects = await oldest.done;
        writing.shift();
        if (!state.revoked) this.setBuffered(this.bufferedBytes - oldest.batch.bytes);
        committing = committing.then(() => this.commit(state, oldest, objects));
      }
    } catch (err) {
      if (!(err instanceof Aborted)) {
        // Unexpected: leave the batches uncommitted; the journal replays them after a restart.
        this.deps.log.error("flush failed; restarting the sink", { topic: state.topic, partition: state.partition, err });
        state.revoked = true;
      }
      await Promise.allSettled(writing.map((w) => w.done));
      writing.length = 0;
      await committing;
      if (!(err instanceof Aborted)) throw err;
    } finally {
      state.sealed = undefined;
      state.draining = undefined;
    }
  }

  /** Whether a batch is sealed before `write` ends (which it may fail to do: that is the caller's to see). */
  private sealedBefore(state: PartitionState, write: Promise<number>): Promise<boolean> {
    if (state.queue.length > 0) return Promise.resolve(true);
    const sealed = new Promise<boolean>((resolve) => (state.sealed = () => resolve(true)));
    return Promise.race([sealed, write.then(() => false, () => false)]).finally(() => (state.sealed = undefined));
  }

  /**
   * Rewrites the partition's journal to list `batches`, in offset order, and after them the
   * journaled flushes still to be replayed: a previous run may have written part of their objects,
   * so a crash before they are written again must replay them with the same boundaries too.
   */
  private writeJournal(state: PartitionState, batches: PartitionBatch[]): Promise<void> {
    const listed = [...batches.map((b) => ({ start: b.startOffset, end: b.endOffset, objects: b.objectCount })), ...state.replay];
    return this.deps.zone.writeJournal({ version: 2, topic: state.topic, partition: state.partition, batches: listed }, this.control(state, "journal"));
  }

  /**
   * A batch's objects, each once the journal write that lists the batch has succeeded, then its
   * dead letters once the previous batch's are produced (so that they leave in offset order).
   * Resolves to how many objects it wrote.
   */
  private async writeBatch(state: PartitionState, batch: PartitionBatch, previous: Promise<number> | undefined): Promise<number> {
    const { zone, producer, log, metrics } = this.deps;
    const objects = batch.objects();
    const writes = this.control(state, "put");
    // Each object follows the journal write that lists its batch, where the writes are made (see orderedWriter).
    const followJournal = { after: sinkJournalKey(state.topic, state.partition) };
    for (let i = 0; i < objects.length; i += CONCURRENT_PUTS) {
      await Promise.all(objects.slice(i, i + CONCURRENT_PUTS).map((o) => zone.put(o.key, o.body, writes, followJournal)));
    }
    metrics.recordsWritten.inc({ topic: batch.topic }, batch.validRecords);
    metrics.objectsWritten.inc({ topic: batch.topic }, objects.length);
    await previous?.catch(() => undefined);
    if (batch.deadLetters.length > 0) {
      const failedAt = new Date(this.now());
      const messages = batch.deadLetters.map((d) => deadLetterMessage(d, batch, failedAt));
      await untilDone("producing dead letters", () => producer.send({ topic: this.settings.deadLetterTopic, messages, acks: -1 }), this.control(state, "dead-letter"), 30_000);
      for (const d of batch.deadLetters) {
        metrics.deadLettered.inc({ topic: batch.topic, code: d.code });
        log.warn("dead-lettered", { topic: batch.topic, partition: batch.partition, offset: d.offset.toString(), code: d.code, reason: d.reason });
      }
    }
    return objects.length;
  }

  /** Commits the offset after a written batch; a failure is logged, not retried: a later commit or the next recovery moves past it. */
  private async commit(state: PartitionState, { batch, started, alongside }: Write, objects: number): Promise<void> {
    const { consumer, log, metrics } = this.deps;
    const next = batch.endOffset + 1n;
    try {
      await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next.toString() }]);
      state.committed = next;
      metrics.commits.inc({ result: "ok" });
    } catch (err) {
      metrics.commits.inc({ result: "failed" });
      log.warn("commit failed", { topic: batch.topic, partition: batch.partition, offset: next.toString(), err });
    }
    const seconds = (this.now() - started) / 1000;
    metrics.flushSeconds.observe({ topic: batch.topic }, seconds);
    metrics.landingSeconds.observe({ topic: batch.topic }, (this.now() - batch.openedAt) / 1000);
    this.updateLag(state);
    log.info("flushed", {
      topic: batch.topic,
      partition: batch.partition,
      startOffset: batch.startOffset.toString(),
      endOffset: batch.endOffset.toString(),
      records: batch.validRecords,
      deadLetters: batch.deadLetters.length,
      objects,
      ms: Math.round(seconds * 1000),
      alongside,
    });
  }

  private control(state: PartitionState, operation: string): RetryControl {
    return {
      shouldContinue: () => !state.revoked,
      onError: (err, attempt) => {
        this.lastStoreError = this.now();
        this.deps.metrics.storeErrors.inc({ operation });
        if (attempt === 1 || attempt % 10 === 0) this.deps.log.warn(`${operation} failed, retrying`, { topic: state.topic, partition: state.partition, attempt, err });
      },
    };
  }

  private setBuffered(bytes: number): void {
    this.bufferedBytes = Math.max(0, bytes);
    this.deps.metrics.bufferedBytes.set(this.bufferedBytes);
    if (this.paused && this.bufferedBytes < this.settings.maxBufferedBytes / 2) {
      this.paused = false;
      this.wakeHeld();
      if (!this.stopping) this.deps.log.info("fetching resumed", { bufferedBytes: this.bufferedBytes });
    }
  }

  private updateLag(state: PartitionState): void {
    if (state.highWatermark === undefined || state.committed === undefined) return;
    this.deps.metrics.lag.set({ topic: state.topic, partition: String(state.partition) }, Number(state.highWatermark - state.committed));
  }
}
