import type { Consumer, KafkaMessage } from "kafkajs";
import { TOPICS, decodeMessage, type RejectCode } from "../../contract";
import { backoffDelay, sleep, type Logger } from "../lib";
import type { AddOutcome, TickWindow } from "./candles";

export type TickOutcome = { accepted: true } | { accepted: false; reason: RejectCode | Exclude<AddOutcome, "accepted"> };

/** Validates one message of the realtime topic against the contract and adds it to the window. */
export function handleTickMessage(window: TickWindow, message: Pick<KafkaMessage, "key" | "value">, now: Date = new Date()): TickOutcome {
  const decoded = decodeMessage(TOPICS.realtime, message.key, message.value, now);
  if (!decoded.ok) return { accepted: false, reason: decoded.code };
  if (decoded.kind !== "tick") return { accepted: false, reason: "unknown_topic" };
  const outcome = window.add(decoded.record);
  return outcome === "accepted" ? { accepted: true } : { accepted: false, reason: outcome };
}

export interface TickFeedDeps {
  consumer: Consumer;
  window: TickWindow;
  log: Logger;
  onTick: (outcome: TickOutcome, message: { partition: number; offset: string }) => void;
  now?: () => Date;
}

/**
 * The dashboard's view of the realtime topic: its own consumer group, never committing, so that
 * every start reads from the latest offsets (a dashboard shows now, it does not replay the past).
 */
export class TickFeed {
  private joined = false;
  private stopping = false;
  private crashed = false;

  constructor(private readonly deps: TickFeedDeps) {}

  get ready(): boolean {
    return this.joined && !this.stopping;
  }

  /** kafkajs gave up on an error it does not retry: only a restart of the process helps. */
  get failed(): boolean {
    return this.crashed;
  }

  /** Connects (retrying with backoff until it works or {@link stop}) and consumes in the background. */
  async start(signal: AbortSignal): Promise<void> {
    const { consumer, log, onTick } = this.deps;
    const now = this.deps.now ?? (() => new Date());
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      this.joined = true;
      log.info("joined the consumer group", { topic: TOPICS.realtime, assignment: e.payload.memberAssignment });
    });
    consumer.on(consumer.events.REBALANCING, () => (this.joined = false));
    consumer.on(consumer.events.CRASH, (e) => {
      this.joined = false;
      if (!e.payload.restart) this.crashed = true;
      log.error("consumer crashed", { topic: TOPICS.realtime, err: e.payload.error, restart: e.payload.restart });
    });
    for (let attempt = 1; !signal.aborted; attempt++) {
      try {
        await consumer.connect();
        await consumer.subscribe({ topics: [TOPICS.realtime], fromBeginning: false });
        await consumer.run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            const outcome = handleTickMessage(this.deps.window, message, now());
            if (!outcome.accepted) log.debug("tick skipped", { topic: TOPICS.realtime, partition, offset: message.offset, reason: outcome.reason });
            onTick(outcome, { partition, offset: message.offset });
          },
        });
        return;
      } catch (err) {
        const delayMs = backoffDelay(attempt, 500, 10_000);
        log.warn("cannot consume the realtime topic, retrying", { topic: TOPICS.realtime, attempt, delayMs, err });
        await consumer.disconnect().catch(() => undefined);
        await sleep(delayMs, signal);
      }
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.deps.consumer.disconnect().catch((err: unknown) => this.deps.log.warn("consumer disconnect failed", { err }));
  }
}
