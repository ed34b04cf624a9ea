import type { IHeaders, Message } from "kafkajs";
import { DEAD_LETTER_HEADERS } from "../../contract";
import type { DeadLetter } from "./batch";

/**
 * The dead-letter copy of a bad message: its key, value and headers untouched, plus why it failed
 * and where it came from (Kafka Connect's errors.deadletterqueue.context.headers do the same).
 * Replaying a flush may dead-letter a message twice; the origin headers identify the copies.
 */
export function deadLetterMessage(d: DeadLetter, origin: { topic: string; partition: number }, failedAt: Date): Message {
  const headers: IHeaders = {
    ...d.headers,
    [DEAD_LETTER_HEADERS.reason]: d.reason,
    [DEAD_LETTER_HEADERS.code]: d.code,
    [DEAD_LETTER_HEADERS.originTopic]: origin.topic,
    [DEAD_LETTER_HEADERS.originPartition]: String(origin.partition),
    [DEAD_LETTER_HEADERS.originOffset]: d.offset.toString(),
    [DEAD_LETTER_HEADERS.failedAt]: failedAt.toISOString(),
  };
  return { key: d.key, value: d.value, headers };
}
