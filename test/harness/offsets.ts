import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { Kafka } from "kafkajs";

export interface Consumed {
  partition: number;
  offset: bigint;
  key: string;
  value: string;
  timestamp: string;
}

export type Offsets = Map<number, bigint>;

/** The end offset of every partition of a topic. */
export async function endOffsets(kafka: Kafka, topic: string): Promise<Offsets> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    // A topic just created may not have its leaders in the client's metadata yet.
    for (let attempt = 1; ; attempt++) {
      try {
        const offsets = await admin.fetchTopicOffsets(topic);
        return new Map(offsets.map((p) => [p.partition, BigInt(p.high)]));
      } catch (err) {
        if (attempt >= 10) throw err;
        await sleep(200 * attempt);
      }
    }
  } finally {
    await admin.disconnect();
  }
}

/** The messages of `topic` between two sets of end offsets (a broker named by KAFKA_BROKERS may hold older ones). */
export async function consumeBetween(kafka: Kafka, topic: string, from: Offsets, to: Offsets, timeoutMs = 60_000): Promise<Consumed[]> {
  const remaining = new Set([...to].filter(([p, end]) => end > (from.get(p) ?? 0n)).map(([p]) => p));
  const consumed: Consumed[] = [];
  if (remaining.size === 0) return consumed;
  const consumer = kafka.consumer({ groupId: `itest-reader-${randomUUID()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`consumed ${consumed.length} messages, partitions ${[...remaining]} unfinished after ${timeoutMs} ms`)), timeoutMs);
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            const offset = BigInt(message.offset);
            if (offset >= (from.get(partition) ?? 0n) && offset < to.get(partition)!) {
              consumed.push({ partition, offset, key: message.key?.toString() ?? "", value: message.value?.toString() ?? "", timestamp: message.timestamp });
            }
            if (offset >= to.get(partition)! - 1n) remaining.delete(partition);
            if (remaining.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return consumed;
}
