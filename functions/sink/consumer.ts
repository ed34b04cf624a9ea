import type { ConsumerConfig } from "kafkajs";
import type { SinkSettings } from "./config";

/**
 * How the sink consumes: its group timings and fetch sizes. One fetch brings up to 4 MiB a
 * partition, so that a backlog is read in few round trips (kafkajs fetches, then hands the batches
 * over, then fetches again); an idle fetch returns within a second, since a rebalance or a stop
 * waits for the fetch in flight. The bench's raw consumer reads with the same settings.
 */
export function sinkConsumerConfig(settings: Pick<SinkSettings, "groupId" | "sessionTimeoutMs">): ConsumerConfig {
  return {
    groupId: settings.groupId,
    sessionTimeout: settings.sessionTimeoutMs,
    rebalanceTimeout: Math.max(60_000, settings.sessionTimeoutMs),
    heartbeatInterval: heartbeatIntervalMs(settings.sessionTimeoutMs),
    allowAutoTopicCreation: false,
    maxBytesPerPartition: 4 * 1024 * 1024,
    maxBytes: 32 * 1024 * 1024,
    maxWaitTimeInMs: 1_000,
  };
}

/** How often the sink's consumer heartbeats: a tenth of the session, at least once a second. */
export function heartbeatIntervalMs(sessionTimeoutMs: number): number {
  return Math.max(1_000, Math.floor(sessionTimeoutMs / 10));
}
