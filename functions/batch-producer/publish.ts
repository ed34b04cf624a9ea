import type { Kafka, Message, Producer } from "kafkajs";
import { BAR_SCHEMA, TOPICS, encodeRecord, recordKey, type DailyBar } from "../../contract";
import { producerConfig, sendAcks, type KafkaClientSettings } from "../lib";

/** Where bars go; a test collects them in memory instead. */
export interface BarPublisher {
  /** Resolves once every bar is acknowledged. */
  publish(bars: readonly DailyBar[]): Promise<void>;
}

/**
 * Per partition of the batch topic that a run wrote to, the offset just past its last record
 * (Kafka's end-offset convention, which is also what a consumer group commits once it has read
 * everything before it). Offsets are decimal strings: Kafka's are 64-bit.
 */
export type PartitionEndOffsets = Record<string, string>;

/** The end offsets after a run: the topic's high watermarks of the partitions written, never below what the acks said. */
export function writtenEndOffsets(touched: ReadonlyMap<number, bigint>, highWatermarks: readonly { partition: number; high: string }[]): PartitionEndOffsets {
  const out: PartitionEndOffsets = {};
  for (const [partition, lastBase] of [...touched].sort(([a], [b]) => a - b)) {
    const high = BigInt(highWatermarks.find((h) => h.partition === partition)?.high ?? "0");
    out[String(partition)] = (high > lastBase ? high : lastBase + 1n).toString();
  }
  return out;
}

/** One Kafka message per bar: keyed by symbol, the value in schema field order, so equal bars give equal bytes. */
export function barMessage(bar: DailyBar): Message {
  return { key: recordKey(bar), value: encodeRecord(BAR_SCHEMA, bar) };
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`a chunk size must be a positive integer (got ${size})`);
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

export interface KafkaPublisherOptions {
  /** Messages per produce request. @default 500 */
  batchSize?: number;
}

export interface KafkaPublisher extends BarPublisher {
  /** Where this publisher's records end, per partition it wrote to (see {@link PartitionEndOffsets}). */
  endOffsets(): Promise<PartitionEndOffsets>;
  close(): Promise<void>;
}

/** A publisher that also remembers, per partition, the highest base offset its acks reported. */
export interface TrackingPublisher extends BarPublisher {
  readonly touched: ReadonlyMap<number, bigint>;
}

/** Sends bars to the batch topic, one produce request per `batchSize` bars. */
export function kafkaBarPublisher(producer: Producer, settings: KafkaClientSettings, options: KafkaPublisherOptions = {}): TrackingPublisher {
  const acks = sendAcks(settings);
  const batchSize = options.batchSize ?? 500;
  const touched = new Map<number, bigint>();
  return {
    touched,
    async publish(bars) {
      // One request at a time keeps a symbol's bars in date order on its partition.
      for (const messages of chunk(bars.map(barMessage), batchSize)) {
        const acked = await producer.send({ topic: TOPICS.batch, acks, messages });
        for (const meta of acked) {
          const base = BigInt(meta.baseOffset ?? meta.offset ?? "0");
          if (base >= (touched.get(meta.partition) ?? -1n)) touched.set(meta.partition, base);
        }
      }
    },
  };
}

/** Connects a producer with the platform's durability settings (`producerConfig`) and wraps it. */
export async function openKafkaPublisher(kafka: Kafka, settings: KafkaClientSettings, options: KafkaPublisherOptions = {}): Promise<KafkaPublisher> {
  const producer = kafka.producer(producerConfig(settings));
  await producer.connect();
  const publisher = kafkaBarPublisher(producer, settings, options);
  return {
    ...publisher,
    async endOffsets() {
      if (publisher.touched.size === 0) return {};
      const admin = kafka.admin();
      await admin.connect();
      try {
        return writtenEndOffsets(publisher.touched, await admin.fetchTopicOffsets(TOPICS.batch));
      } finally {
        await admin.disconnect();
      }
    },
    close: () => producer.disconnect(),
  };
}
