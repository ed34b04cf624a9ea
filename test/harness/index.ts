import { S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import { Kafka, logLevel, type KafkaConfig } from "kafkajs";
import type { S3Settings } from "../../functions/lib";
import { startKafka, type KafkaServer } from "./kafka";
import type { Jit } from "./process";
import { startS3, type S3Server } from "./s3";

export { startKafka, type KafkaServer } from "./kafka";
export { startS3, type S3Server } from "./s3";
export { FunctionProcess, functionsBundle, sinkEnvironment } from "./functions";
export type { Jit } from "./process";
export { createBucket, exactlyOnceViolations, listKeys, readLanded, type LandedRecord } from "./raw-zone";
export { consumeBetween, endOffsets, type Consumed, type Offsets } from "./offsets";
export { ensureTopic, recreatePlatformTopics, recreateTopics } from "./topics";

export interface TestServers {
  kafka: KafkaServer;
  s3: S3Server;
}

let servers: Promise<TestServers> | undefined;

/**
 * The Kafka broker and S3 server of this test process, started in parallel on first use (with
 * `jit`, see {@link Jit}: the first call's). They are stopped by the root hook in ./hooks and
 * killed, at the latest, when the process exits.
 */
export function testServers(jit: Jit = "startup"): Promise<TestServers> {
  servers ??= Promise.all([startKafka(jit), startS3(jit)]).then(([kafka, s3]) => ({ kafka, s3 }));
  return servers;
}

/** Gracefully stops the managed servers, if any were started. */
export async function stopTestServers(): Promise<void> {
  if (!servers) return;
  const started = await servers.catch(() => undefined);
  servers = undefined;
  if (!started) return;
  await Promise.all([started.kafka, started.s3].filter((server) => server.managed).map((server) => server.stop()));
}

/** The test server as our functions' settings name an S3 server (functions/lib's S3Settings). */
export function s3Settings(s3: S3Server): S3Settings {
  return { endpoint: s3.endpoint, region: s3.region, forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } };
}

export function s3Client(s3: S3Server, overrides: Partial<S3ClientConfig> = {}): S3Client {
  return new S3Client({ ...s3Settings(s3), ...overrides });
}

export function kafkaClient(kafka: KafkaServer, clientId: string, overrides: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({ clientId, brokers: kafka.brokers, logLevel: logLevel.NOTHING, ...overrides });
}
