/**
 * Benchmarks of the platform on this machine; prints figures, asserts nothing. Every figure is a
 * ratio against a baseline measured in the same run, on the same topic, with the same settings
 * where that is what makes them comparable.
 *
 *   npm run bench                         everything (scripts/bench.sh: Node 22, servers, kcat, Docker)
 *   BENCH_ONLY=sink,batch npm run bench   some of: startup, sink, latency, batch, program, image
 *   BENCH_TICKS=3000000                   ticks of the throughput run (1,000,000)
 *   BENCH_ROUNDS=9                        rounds of the throughput run (7)
 *   BENCH_CPU_PROF=.cache/prof            a CPU profile of every sink and raw consumer process
 *
 * The data plane runs on the harness's real servers (bench/sink.ts), once the S3 server is warm
 * (bench/warm.ts), the stacks' programs on the mock engine (bench/program.ts), the functions image
 * on a Docker engine (bench/image.ts). The table is printed and written, with the machine and its
 * load, to bench/results.json under "pipeline".
 */
import { existsSync } from "node:fs";
import os from "node:os";
import { functionsBundle, stopTestServers, testServers } from "../test/harness";
import { stopDockerEngine } from "../test/harness/docker";
import { imageFigures } from "./image";
import { bundle } from "./processes";
import { programFigures } from "./program";
import { describeMachine, machine, recordSection, round, showRatio, table, throughputSettings, type Figure } from "./report";
import { batchPathFigures, latencyFigures, rigFor, startupFigures, throughputFigures } from "./sink";
import { warmUpFigures } from "./warm";

const PARTS = ["startup", "sink", "latency", "batch", "program", "image"] as const;
type Part = (typeof PARTS)[number];

function selectedParts(): Set<Part> {
  const only = process.env.BENCH_ONLY?.split(",").map((p) => p.trim()).filter(Boolean);
  if (!only) return new Set(PARTS);
  const unknown = only.filter((p) => !(PARTS as readonly string[]).includes(p));
  if (unknown.length > 0) throw new Error(`BENCH_ONLY names ${unknown.join(", ")}; choose among ${PARTS.join(", ")}`);
  return new Set(only as Part[]);
}

function onPath(program: string): boolean {
  return (process.env.PATH ?? "").split(":").some((dir) => existsSync(`${dir}/${program}`));
}

async function main(): Promise<void> {
  const parts = selectedParts();
  const started = Date.now();
  const host = machine();
  console.log(`machine: ${describeMachine(host)}`);
  if (host.loadAtStart > host.cpus / 2) console.log(`warning: the load average is ${host.loadAtStart} on ${host.cpus} cores; figures will be noisy`);
  const figures: Figure[] = [];
  const skipped: string[] = [];
  const add = (part: string, found: Figure[]) => {
    figures.push(...found);
    for (const f of found) console.log(`  ${f.label}: ${f.figure.value} ${f.figure.unit}${f.ratio === undefined ? "" : ` (${showRatio(f.ratio)} ${f.ratioMeaning ?? ""})`}`);
    console.log(`${part}: done after ${Math.round((Date.now() - started) / 1000)} s`);
  };

  if (parts.has("startup") || parts.has("sink") || parts.has("latency") || parts.has("batch")) {
    // The servers compile as in production (C2), not for the tests' quick start: see Jit.
    const [servers, rawConsumer] = await Promise.all([testServers("throughput"), bundle("bench/raw-consumer.ts"), functionsBundle()]);
    const rig = rigFor(servers, rawConsumer);
    const warmUp = await warmUpFigures(rig);
    if (warmUp.length === 0) skipped.push("S3 warm-up figure: the S3 server is not one the bench started (not warmed), or /proc cannot tell its CPU");
    add("warm-up", warmUp);
    if (parts.has("startup")) add("startup", await startupFigures(rig));
    if (parts.has("sink")) {
      const kcat = onPath("kcat");
      if (!kcat) skipped.push("kcat baseline: kcat is not installed (scripts/bench.sh installs it with apt-get as root)");
      const { ticks, rounds } = throughputSettings();
      add("sink", await throughputFigures(rig, ticks, kcat, rounds));
    }
    if (parts.has("latency")) add("latency", await latencyFigures(rig));
    if (parts.has("batch")) add("batch", await batchPathFigures(rig));
    await stopTestServers();
  }
  if (parts.has("program")) add("program", await programFigures());
  if (parts.has("image")) {
    const found = await imageFigures();
    if (typeof found === "string") skipped.push(`functions image: ${found}`);
    else add("image", found);
    await stopDockerEngine();
  }

  host.loadAtEnd = round(os.loadavg()[0]!, 2);
  const seconds = Math.round((Date.now() - started) / 1000);
  console.log(`\n${table(figures)}\n`);
  for (const f of figures) if (f.notes) console.log(`- ${f.label}: ${f.notes}`);
  for (const s of skipped) console.log(`- not measured: ${s}`);
  console.log(`\nmachine: ${describeMachine(host)}; ${seconds} s`);
  recordSection("pipeline", { measuredAt: new Date(started).toISOString(), seconds, machine: host, figures });
  console.log("written to bench/results.json (section \"pipeline\")");
}

main().catch(async (err: unknown) => {
  console.error(err);
  await stopTestServers();
  await stopDockerEngine();
  process.exit(1);
});
