import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { Kafka } from "kafkajs";
import { kafkaClient, s3Client, testServers, type TestServers } from "./index";

describe("test harness: real Kafka and S3 servers", function () {
  const suffix = randomBytes(4).toString("hex");
  const topic = `harness-${suffix}`;
  const bucket = `harness-${suffix}`;
  const key = "greeting.txt";
  let servers: TestServers;
  let kafka: Kafka;
  let s3: S3Client;

  before(async function () {
    servers = await testServers();
    kafka = kafkaClient(servers.kafka, "harness-itest");
    s3 = s3Client(servers.s3);
  });

  after(function () {
    s3?.destroy();
  });

  it("produces a message and consumes it", async function () {
    await createTopic(kafka, topic);
    await produce(kafka, topic, "first");
    assert.deepEqual(await consume(kafka, topic, 1), ["first"]);
  });

  it("puts an object and gets it", async function () {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "hello" }));
    assert.equal(await getText(s3, bucket, key), "hello");
  });

  it("keeps messages across a graceful broker restart", async function () {
    if (!servers.kafka.managed) this.skip();
    await servers.kafka.restart();
    assert.deepEqual(await consume(kafka, topic, 1), ["first"]);
    await produce(kafka, topic, "second");
  });

  it("fails requests while S3 is stopped and keeps objects across its restart", async function () {
    if (!servers.s3.managed) this.skip();
    await servers.s3.stop();
    await sleep(2_000);
    const impatient = s3Client(servers.s3, { maxAttempts: 1 });
    try {
      await assert.rejects(getText(impatient, bucket, key));
    } finally {
      impatient.destroy();
    }
    await servers.s3.start();
    assert.equal(await getText(s3, bucket, key), "hello");
  });

  it("keeps acknowledged messages after the broker is killed with SIGKILL", async function () {
    if (!servers.kafka.managed) this.skip();
    await servers.kafka.kill();
    await servers.kafka.start();
    assert.deepEqual(await consume(kafka, topic, 2), ["first", "second"]);
  });
});

async function createTopic(kafka: Kafka, topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

/** Sends with the settings of our functions' producers: idempotent, acks from all in-sync replicas. */
async function produce(kafka: Kafka, topic: string, value: string): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: [{ value }] });
  } finally {
    await producer.disconnect();
  }
}

/** The first `count` values of the topic, read by a new consumer group from the beginning. */
async function consume(kafka: Kafka, topic: string, count: number, timeoutMs = 30_000): Promise<string[]> {
  const consumer = kafka.consumer({ groupId: `harness-${randomBytes(4).toString("hex")}` });
  const values: string[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${values.length} of ${count} messages in ${timeoutMs} ms`)), timeoutMs);
      consumer
        .run({
          eachMessage: ({ message }) => {
            values.push(message.value?.toString() ?? "");
            if (values.length >= count) {
              clearTimeout(timer);
              resolve();
            }
            return Promise.resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return values.slice(0, count);
}

async function getText(s3: S3Client, bucket: string, key: string): Promise<string> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await object.Body?.transformToString()) ?? "";
}
