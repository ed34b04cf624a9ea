/** Kafka topics of the platform. Every producer, consumer, Spark job and DAG imports these names. */
export const TOPICS = {
  /** One price tick per symbol per interval, keyed by symbol. */
  realtime: "stock-market-realtime",
  /** Daily OHLCV bars from the batch producer, keyed by symbol. */
  batch: "stock-market-batch",
  /** Messages that failed validation, with the reason and their origin in headers. */
  deadLetter: "stock-market-dead-letter",
} as const;

export type TopicRole = keyof typeof TOPICS;
export type TopicName = (typeof TOPICS)[TopicRole];

/** Headers the sink sets on a dead-lettered message. */
export const DEAD_LETTER_HEADERS = {
  reason: "dlq.reason",
  code: "dlq.code",
  originTopic: "dlq.origin.topic",
  originPartition: "dlq.origin.partition",
  originOffset: "dlq.origin.offset",
  failedAt: "dlq.failed.at",
} as const;
