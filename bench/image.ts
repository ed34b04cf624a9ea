/**
 * The functions image (functions/Dockerfile, built as users build it on a local base image, since
 * none can be pulled here): its size on disk and the time from `docker run` to a healthy sink,
 * against the base image alone and a bare Node HTTP server started in it.
 */
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { ENV, FUNCTION_COMMANDS } from "../contract";
import { createBucket, s3Client, testServers } from "../test/harness";
import { buildImage, dockerEngine, nodeBaseImage, type DockerEngine } from "../test/harness/docker";
import { repoRoot } from "../test/harness/files";
import { freePorts } from "../test/harness/process";
import { median } from "./processes";
import { round, type Figure } from "./report";

const IMAGE = "mdp-bench/functions:bench";
const SAMPLES = 3;

async function imageBytes(engine: DockerEngine, tag: string): Promise<number> {
  return Number((await engine.docker(["image", "inspect", "--format", "{{.Size}}", tag])).trim());
}

/** Milliseconds from `docker run` to the first 200 from `http://127.0.0.1:<port><path>`. */
async function untilHealthy(engine: DockerEngine, runArgs: string[], port: number, path: string): Promise<number> {
  const name = `bench-${randomBytes(3).toString("hex")}`;
  const started = Date.now();
  await engine.docker(["run", "--detach", "--name", name, "--network", "host", ...runArgs]);
  try {
    const deadline = started + 60_000;
    for (;;) {
      const status = await fetch(`http://127.0.0.1:${port}${path}`).then((r) => r.status, () => 0);
      if (status === 200) return Date.now() - started;
      if (Date.now() > deadline) throw new Error(`${runArgs.join(" ")} was not healthy within 60 s: ${await engine.docker(["logs", "--tail", "20", name], { withStderr: true }).catch(() => "")}`);
      await sleep(10);
    }
  } finally {
    await engine.docker(["rm", "--force", name]).catch(() => undefined);
  }
}

/** The image figures, or why they cannot be measured here. */
export async function imageFigures(): Promise<Figure[] | string> {
  let engine: DockerEngine;
  try {
    engine = await dockerEngine();
  } catch (err) {
    return (err as Error).message;
  }
  const base = await nodeBaseImage(engine);
  await buildImage(engine, { dockerfile: "functions/Dockerfile", context: repoRoot(), baseImage: base, tag: IMAGE });
  const [ours, theirs] = await Promise.all([imageBytes(engine, IMAGE), imageBytes(engine, base)]);

  const servers = await testServers();
  const bucket = `bench-img-${randomBytes(3).toString("hex")}`;
  await createBucket(s3Client(servers.s3), bucket);
  const sink: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const [port] = await freePorts(1);
    const env = {
      [ENV.kafkaBrokers]: servers.kafka.brokers.join(","),
      [ENV.s3Endpoint]: servers.s3.endpoint,
      [ENV.awsAccessKeyId]: servers.s3.accessKeyId,
      [ENV.awsSecretAccessKey]: servers.s3.secretAccessKey,
      [ENV.rawBucket]: bucket,
      [ENV.sinkGroupId]: `bench-img-${randomBytes(3).toString("hex")}`,
      [ENV.metricsPort]: String(port),
    };
    sink.push(await untilHealthy(engine, [...Object.entries(env).flatMap(([k, v]) => ["--env", `${k}=${v}`]), IMAGE, FUNCTION_COMMANDS.sink], port!, "/healthz"));
    const server = `require("node:http").createServer((q, s) => s.end("ok")).listen(${port}, "127.0.0.1")`;
    bare.push(await untilHealthy(engine, ["--entrypoint", "node", base, "-e", server], port!, "/"));
  }
  const mib = (bytes: number) => round(bytes / 1024 ** 2, 1);
  return [
    {
      id: "image.size",
      label: "functions image: size on disk",
      figure: { value: mib(ours), unit: "MiB", what: `our layers add ${mib(ours - theirs)} MiB` },
      baseline: { value: mib(theirs), unit: "MiB", what: "the Node base image (local stand-in for images.node)" },
      ratio: ours / theirs,
      ratioMeaning: "of the base image",
    },
    {
      id: "image.startToHealthy",
      label: "functions image: docker run to a healthy sink (/healthz)",
      figure: { value: round(median(sink) / 1000, 2), unit: "s", what: "the sink container" },
      baseline: { value: round(median(bare) / 1000, 2), unit: "s", what: "a bare Node HTTP server in the base image" },
      ratio: median(sink) / median(bare),
      ratioMeaning: "of the bare server's time",
      notes: `median of ${SAMPLES} starts each, host network, polled every 10 ms`,
    },
  ];
}
