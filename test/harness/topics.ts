import type { Kafka } from "kafkajs";
import { TOPICS } from "../../contract";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * Deletes and creates the topics, so that a test sees only its own messages on a broker shared by
 * the whole run. Waits until every partition has a leader that answers.
 */
export async function recreateTopics(kafka: Kafka, topics: { name: string; partitions: number }[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const names = topics.map((t) => t.name);
    const existing = (await admin.listTopics()).filter((t) => names.includes(t));
    if (existing.length > 0) {
      await admin.deleteTopics({ topics: existing, timeout: 30_000 });
      for (let i = 0; i < 100 && (await admin.listTopics()).some((t) => names.includes(t)); i++) await sleep(100);
    }
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.createTopics({ topics: topics.map((t) => ({ topic: t.name, numPartitions: t.partitions, replicationFactor: 1 })), waitForLeaders: true });
        break;
      } catch (err) {
        // Deletion finishes asynchronously on the broker: "topic is marked for deletion".
        if (attempt >= 50) throw err;
        await sleep(200);
      }
    }
    for (const t of topics) {
      for (let attempt = 1; ; attempt++) {
        try {
          await admin.fetchTopicOffsets(t.name);
          break;
        } catch (err) {
          if (attempt >= 50) throw err;
          await sleep(200);
        }
      }
    }
  } finally {
    await admin.disconnect();
  }
}

/** Creates the topic unless it exists (tests that read only their own offsets can share it). */
export async function ensureTopic(kafka: Kafka, name: string, partitions: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic: name, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

/** The platform's three topics, empty: 3 partitions for the data topics, 1 for dead letters. */
export function recreatePlatformTopics(kafka: Kafka): Promise<void> {
  return recreateTopics(kafka, [
    { name: TOPICS.realtime, partitions: 3 },
    { name: TOPICS.batch, partitions: 3 },
    { name: TOPICS.deadLetter, partitions: 1 },
  ]);
}
