import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { HeadBucketCommand } from "@aws-sdk/client-s3";
import { ENV, FUNCTION_COMMANDS, INIT_ENV, TICK_SCHEMA, TOPICS, encodeRecord } from "../contract";
import { producerConfig } from "../functions/lib";
import { createBucket, kafkaClient, readLanded, recreatePlatformTopics, s3Client, testServers } from "./harness";
import { buildImage, dockerEngine, nodeBaseImage, type DockerEngine } from "./harness/docker";
import { repoRoot } from "./harness/files";
import { freePorts } from "./harness/process";

const IMAGE = "mdp-test/functions:itest";

/** The functions image as users build it (functions/Dockerfile), run against the harness's servers. */
describe("functions image", function () {
  let engine: DockerEngine;
  const containers: string[] = [];

  before(async function () {
    engine = await dockerEngine();
    const base = await nodeBaseImage(engine);
    await buildImage(engine, { dockerfile: "functions/Dockerfile", context: repoRoot(), baseImage: base, tag: IMAGE });
  });

  after(async () => {
    for (const name of containers) await engine.docker(["rm", "--force", name]).catch(() => undefined);
  });

  const envArgs = (env: Record<string, string>) => Object.entries(env).flatMap(([k, v]) => ["--env", `${k}=${v}`]);

  it("runs as the non-root user 1000 and names its commands when given none", async () => {
    assert.equal((await engine.docker(["image", "inspect", "--format", "{{.Config.User}}", IMAGE])).trim(), "1000:1000");
    const name = `usage-${randomBytes(3).toString("hex")}`;
    containers.push(name);
    await engine.docker(["run", "--name", name, "--network", "host", IMAGE]).catch(() => undefined);
    assert.equal((await engine.docker(["inspect", "--format", "{{.State.ExitCode}}", name])).trim(), "64");
    const logs = await engine.docker(["logs", name], { withStderr: true });
    for (const command of Object.values(FUNCTION_COMMANDS)) assert.ok(logs.includes(command), `usage lists ${command}: ${logs}`);
  });

  it("creates the platform's buckets with ensure-buckets, as the local stack's job does", async () => {
    const { s3 } = await testServers();
    const buckets = [`img-raw-${randomBytes(3).toString("hex")}`, `img-processed-${randomBytes(3).toString("hex")}`];
    await engine.docker([
      "run", "--rm", "--network", "host",
      ...envArgs({ [ENV.s3Endpoint]: s3.endpoint, [ENV.awsAccessKeyId]: s3.accessKeyId, [ENV.awsSecretAccessKey]: s3.secretAccessKey, [INIT_ENV.buckets]: JSON.stringify(buckets) }),
      IMAGE, FUNCTION_COMMANDS.ensureBuckets,
    ]);
    const client = s3Client(s3);
    for (const bucket of buckets) await client.send(new HeadBucketCommand({ Bucket: bucket }));
  });

  it("lands ticks through the sink container, and stops cleanly on docker stop", async () => {
    const { kafka, s3 } = await testServers();
    const k = kafkaClient(kafka, "image-itest");
    await recreatePlatformTopics(k);
    const bucket = `img-sink-${randomBytes(3).toString("hex")}`;
    await createBucket(s3Client(s3), bucket);
    const name = `sink-${randomBytes(3).toString("hex")}`;
    containers.push(name);
    await engine.docker([
      "run", "--detach", "--name", name, "--network", "host",
      ...envArgs({
        [ENV.kafkaBrokers]: kafka.brokers.join(","),
        [ENV.s3Endpoint]: s3.endpoint,
        [ENV.awsAccessKeyId]: s3.accessKeyId,
        [ENV.awsSecretAccessKey]: s3.secretAccessKey,
        [ENV.rawBucket]: bucket,
        [ENV.sinkGroupId]: `image-${randomBytes(3).toString("hex")}`,
        [ENV.sinkFlushIntervalMs]: "200",
        [ENV.sinkSessionTimeoutMs]: "6000",
      }),
      IMAGE, FUNCTION_COMMANDS.sink,
    ]);
    const producer = k.producer(producerConfig({ brokers: kafka.brokers, clientId: "image-itest", ssl: false, acks: "all" }));
    await producer.connect();
    const ticks = Array.from({ length: 500 }, (_, i) => {
      const price = 100 + (i % 7);
      return { symbol: ["AAPL", "MSFT"][i % 2]!, event_time: new Date(Date.parse("2026-03-02T15:00:00Z") + i * 1000).toISOString(), price, bid: price - 0.01, ask: price + 0.01, volume: 10, source: "simulated" as const };
    });
    await producer.send({ topic: TOPICS.realtime, acks: -1, messages: ticks.map((t) => ({ key: t.symbol, value: encodeRecord(TICK_SCHEMA, t) })) });
    await producer.disconnect();

    const deadline = Date.now() + 120_000;
    let landed = await readLanded(s3Client(s3), bucket);
    while (landed.length < ticks.length && Date.now() < deadline) {
      await sleep(500);
      landed = await readLanded(s3Client(s3), bucket);
    }
    assert.equal(landed.length, ticks.length, await engine.docker(["logs", "--tail", "20", name]).catch(() => ""));
    await engine.docker(["stop", "--time", "30", name]);
    assert.equal((await engine.docker(["inspect", "--format", "{{.State.ExitCode}}", name])).trim(), "0", "SIGTERM ends the sink cleanly");
  });

  it("serves the dashboard's page built into the image, and joins its group on the broker", async () => {
    const { kafka } = await testServers();
    const [port, metricsPort] = (await freePorts(2)) as [number, number];
    const name = `dashboard-${randomBytes(3).toString("hex")}`;
    containers.push(name);
    await engine.docker([
      "run", "--detach", "--name", name, "--network", "host",
      ...envArgs({
        [ENV.kafkaBrokers]: kafka.brokers.join(","),
        [ENV.dashboardGroupId]: `image-${randomBytes(3).toString("hex")}`,
        [ENV.dashboardPort]: String(port),
        [ENV.metricsPort]: String(metricsPort),
      }),
      IMAGE, FUNCTION_COMMANDS.dashboard,
    ]);
    const deadline = Date.now() + 60_000;
    while (!(await fetch(`http://127.0.0.1:${metricsPort}/readyz`).then((r) => r.ok, () => false)) && Date.now() < deadline) await sleep(250);
    assert.ok(await fetch(`http://127.0.0.1:${metricsPort}/readyz`).then((r) => r.ok, () => false), await engine.docker(["logs", "--tail", "20", name], { withStderr: true }).catch(() => ""));
    const page = await fetch(`http://127.0.0.1:${port}/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<script src="app\.js"/);
    const bundle = await (await fetch(`http://127.0.0.1:${port}/app.js`)).text();
    assert.match(bundle, /Lightweight Charts/, "the chart library is bundled in, with its licence notice");
    assert.equal((await fetch(`http://127.0.0.1:${port}/app.css`)).status, 200);
    await engine.docker(["stop", "--time", "20", name]);
    assert.equal((await engine.docker(["inspect", "--format", "{{.State.ExitCode}}", name])).trim(), "0", "SIGTERM ends the dashboard cleanly");
  });
});
