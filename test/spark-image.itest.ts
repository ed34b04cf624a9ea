import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { BAR_SCHEMA, ENV, encodeRecord } from "../contract";
import { recordedBars } from "../functions/batch-producer/fixtures/expected";
import { JOBS_DIR, SPARK_GID, SPARK_HOME, SPARK_UID } from "../infra/spark";
import { createBucket, listKeys, s3Client, testServers } from "./harness";
import { buildImage, dockerEngine, type DockerEngine } from "./harness/docker";
import { lockedJarNames, serveMavenCache, sparkBaseImage } from "./harness/spark-image";

const IMAGE = "mdp-test/spark:itest";

/** The Spark image as users build it (functions/spark/Dockerfile), running the batch job against the harness's servers. */
describe("spark image", function () {
  let engine: DockerEngine;
  let base: string;
  const containers: string[] = [];

  before(async function () {
    engine = await dockerEngine();
    base = await sparkBaseImage(engine);
    // The connector jars come from the Maven repository the build is given: here the tests' own cache.
    const maven = await serveMavenCache();
    try {
      await buildImage(engine, { dockerfile: "functions/spark/Dockerfile", context: "functions/spark", baseImage: base, tag: IMAGE, buildArgs: { MAVEN_REPOSITORY: maven.url } });
    } finally {
      await maven.close();
    }
  });

  after(async () => {
    for (const name of containers) await engine.docker(["rm", "--force", name]).catch(() => undefined);
  });

  const envArgs = (env: Record<string, string>) => Object.entries(env).flatMap(([k, v]) => ["--env", `${k}=${v}`]);
  const ls = async (image: string, dir: string) => (await engine.docker(["run", "--rm", "--entrypoint", "ls", image, dir])).split("\n").filter(Boolean).sort();

  it("runs as its own user 10185 in the spark group, and adds exactly the locked connector jars to Spark's own", async () => {
    assert.equal((await engine.docker(["image", "inspect", "--format", "{{.Config.User}}", IMAGE])).trim(), `${SPARK_UID}:${SPARK_GID}`);
    assert.equal((await engine.docker(["run", "--rm", "--entrypoint", "id", IMAGE])).trim(), `uid=${SPARK_UID}(market-data) gid=${SPARK_GID}(spark) groups=${SPARK_GID}(spark)`);
    const own = new Set(await ls(base, `${SPARK_HOME}/jars`));
    const added = (await ls(IMAGE, `${SPARK_HOME}/jars`)).filter((jar) => !own.has(jar));
    assert.deepEqual(added, lockedJarNames().sort());
  });

  it("carries the jobs and the contract export, without their tests", async () => {
    const jobs = await ls(IMAGE, JOBS_DIR);
    for (const file of ["contract.json", "daily_metrics.py", "tick_windows.py", "window_publisher.py"]) assert.ok(jobs.includes(file), `${file} in ${jobs.join(", ")}`);
    assert.deepEqual(jobs.filter((f) => f.startsWith("test_") || f === "conftest.py" || f === "testing.py"), []);
  });

  it("runs the batch job against the harness's servers and commits one partition per trading day", async () => {
    const { s3 } = await testServers();
    const client = s3Client(s3);
    const [raw, processed] = [`img-raw-${randomBytes(3).toString("hex")}`, `img-processed-${randomBytes(3).toString("hex")}`];
    await createBucket(client, raw);
    await createBucket(client, processed);
    const bars = recordedBars();
    for (const symbol of new Set(bars.map((b) => b.symbol))) {
      const body = bars.filter((b) => b.symbol === symbol).map((b) => `${encodeRecord(BAR_SCHEMA, b)}\n`).join("");
      await client.send(new PutObjectCommand({ Bucket: raw, Key: `bars/ingest_date=2025-01-02/${symbol}.jsonl`, Body: body }));
    }
    const name = `daily-metrics-${randomBytes(3).toString("hex")}`;
    containers.push(name);
    await engine.docker(
      [
        "run", "--name", name, "--network", "host",
        ...envArgs({
          [ENV.s3Endpoint]: s3.endpoint,
          [ENV.s3Region]: s3.region,
          [ENV.awsAccessKeyId]: s3.accessKeyId,
          [ENV.awsSecretAccessKey]: s3.secretAccessKey,
          [ENV.rawBucket]: raw,
          [ENV.processedBucket]: processed,
          SPARK_LOCAL_IP: "127.0.0.1",
        }),
        IMAGE,
        `${SPARK_HOME}/bin/spark-submit`, "--master", "local[2]", `${JOBS_DIR}/daily_metrics.py`, "--from", "2024-12-02", "--to", "2024-12-31",
      ],
      { timeoutMs: 600_000 },
    );
    assert.equal((await engine.docker(["inspect", "--format", "{{.State.ExitCode}}", name])).trim(), "0");
    const inRange = bars.filter((b) => b.trade_date >= "2024-12-02" && b.trade_date <= "2024-12-31");
    const logs = await engine.docker(["logs", name]);
    assert.match(logs, new RegExp(`"msg": "daily metrics committed".*"rows": ${inRange.length}, "bars_read": ${bars.length}, "invalid_bars": 0`));
    const days = (await listKeys(client, processed, "daily_metrics/")).map((k) => k.split("/")[1]);
    assert.deepEqual(days, [...new Set(inRange.map((b) => `date=${b.trade_date}`))].sort(), "one object per trading day of the range");
  });

  it("exits with 2 and names the variable when a bucket is not set", async () => {
    const name = `daily-metrics-bad-${randomBytes(3).toString("hex")}`;
    containers.push(name);
    await engine.docker(["run", "--name", name, "--network", "host", IMAGE, `${SPARK_HOME}/bin/spark-submit`, "--master", "local[1]", `${JOBS_DIR}/daily_metrics.py`, "--from", "2024-12-02", "--to", "2024-12-31"]).catch(() => undefined);
    assert.equal((await engine.docker(["inspect", "--format", "{{.State.ExitCode}}", name])).trim(), "2");
    assert.match(await engine.docker(["logs", name]), /`RAW_BUCKET` is required/);
  });
});
