import type { Kafka, Message, Producer } from "kafkajs";
import { BAR_SCHEMA, TOPICS, encodeRecord, recordKey, type DailyBar } from "../../contract";
import { producerConfig, sendAcks, type KafkaSettings } from "../lib";

/** Where bars go; a test collects them in memory instead. */
export interface BarPublisher {
  /** Resolves once every bar is acknowledged. */
  publish(bars: readonly DailyBar[]): Promise<void>;
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
  close(): Promise<void>;
}

/** Sends bars to the batch topic, one produce request per `batchSize` bars. */
export function kafkaBarPublisher(producer: Producer, settings: KafkaSettings, options: KafkaPublisherOptions = {}): BarPublisher {
  const acks = sendAcks(settings);
  const batchSize = options.batchSize ?? 500;
  return {
    async publish(bars) {
      // One request at a time keeps a symbol's bars in date order on its partition.
      for (const messages of chunk(bars.map(barMessage), batchSize)) {
        await producer.send({ topic: TOPICS.batch, acks, messages });
      }
    },
  };
}

/** Connects a producer with the platform's durability settings (`producerConfig`) and wraps it. */
export async function openKafkaPublisher(kafka: Kafka, settings: KafkaSettings, options: KafkaPublisherOptions = {}): Promise<KafkaPublisher> {
  const producer = kafka.producer(producerConfig(settings));
  await producer.connect();
  return { ...kafkaBarPublisher(producer, settings, options), close: () => producer.disconnect() };
}
