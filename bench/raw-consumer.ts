/**
 * The bench's floor: a process that joins a consumer group with the sink's consumer settings and
 * reads `BENCH_COUNT` messages of a topic, doing nothing with them. Bundled and run as the sink is
 * (one file, `node --enable-source-maps`), it prints one JSON line per moment the bench times:
 * started (its code runs), joined (group joined), fetched (its first fetch decoded), first (first
 * message handed over), done (the last one, with how many the first fetch brought), each with the
 * CPU time the process has used.
 */
import { Kafka, logLevel } from "kafkajs";
import { sinkConsumerConfig } from "../functions/sink/consumer";

/** Each mark carries the process's CPU time so far (µs, every thread), so that the bench can tell what reading cost. */
const mark = (event: string, fields: Record<string, unknown> = {}) => {
  const cpu = process.cpuUsage();
  process.stdout.write(`${JSON.stringify({ event, time: Date.now(), cpuMicros: cpu.user + cpu.system, ...fields })}\n`);
};

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

async function main(): Promise<void> {
  mark("started");
  const count = Number(env("BENCH_COUNT"));
  const consumer = new Kafka({ clientId: "bench-raw", brokers: env("KAFKA_BROKERS").split(","), logLevel: logLevel.NOTHING }).consumer(
    sinkConsumerConfig({ groupId: env("BENCH_GROUP"), sessionTimeoutMs: 6_000 }),
  );
  let fetches = 0;
  let seen = 0;
  let firstFetch = 0;
  consumer.on(consumer.events.GROUP_JOIN, () => mark("joined"));
  consumer.on(consumer.events.FETCH, () => {
    if (fetches++ === 0) mark("fetched");
  });
  await consumer.connect();
  await consumer.subscribe({ topics: env("BENCH_TOPICS").split(","), fromBeginning: true });
  await new Promise<void>((resolve) => {
    void consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        if (seen === 0) mark("first");
        seen += batch.messages.length;
        if (fetches === 1) firstFetch += batch.messages.length;
        if (seen >= count) resolve();
      },
    });
  });
  mark("done", { count: seen, firstFetch });
  await consumer.disconnect();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exit(1);
  },
);
