/** Processes the bench times: bundled as the functions image bundles them, run on this Node. */
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { build } from "esbuild";
import { repoRoot } from "../test/harness/files";
import type { FunctionProcess } from "../test/harness";

/** `entry` (a path from the repository root) bundled into one file under .cache/bench/. */
export async function bundle(entry: string): Promise<string> {
  const outfile = path.join(repoRoot(), ".cache", "bench", `${path.basename(entry, ".ts")}.js`);
  mkdirSync(path.dirname(outfile), { recursive: true });
  await build({ entryPoints: [path.join(repoRoot(), entry)], bundle: true, platform: "node", target: "node22", outfile, sourcemap: true, logLevel: "error" });
  return outfile;
}

export interface Marked {
  /** When the bench spawned the process (ms since the epoch). */
  spawnedAt: number;
  exitedAt: number;
  code: number | null;
  /** The JSON lines the process printed, each with its `event` and `time`. */
  marks: { event: string; time: number; [field: string]: unknown }[];
}

/** Runs `node <args>` (a bundled script by itself runs as `node --enable-source-maps <script>`) to its end, collecting the JSON lines it prints. */
export function runMarked(script: string | string[], env: Record<string, string>, timeoutMs = 120_000): Promise<Marked> {
  const args = typeof script === "string" ? ["--enable-source-maps", script] : script;
  const name = path.basename(typeof script === "string" ? script : (script.find((a) => a.endsWith(".ts") || a.endsWith(".js")) ?? "node"));
  return new Promise((resolve, reject) => {
    const spawnedAt = Date.now();
    const child = spawn(process.execPath, args, { cwd: repoRoot(), env: { PATH: process.env.PATH, NODE_NO_WARNINGS: "1", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`${name} exited with ${code}: ${err.trim()}`));
      const marks = out
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as Marked["marks"][number]);
      resolve({ spawnedAt, exitedAt: Date.now(), code, marks });
    });
  });
}

export function markTime(m: Marked, event: string): number {
  const found = m.marks.find((x) => x.event === event);
  if (!found) throw new Error(`no "${event}" mark in ${JSON.stringify(m.marks)}`);
  return found.time;
}

/** A log line of a function process, with its time as a number. */
export interface LogLine {
  time: number;
  msg: string;
  [field: string]: unknown;
}

export function logLines(fn: FunctionProcess): LogLine[] {
  return fn.logLines().map((l) => ({ ...l, time: Date.parse(String(l.time)), msg: String(l.msg) }));
}

/** Polls the process's log until `done` holds for its lines; returns them. */
export async function untilLogged(fn: FunctionProcess, done: (lines: LogLine[]) => boolean, what: string, timeoutMs = 180_000): Promise<LogLine[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lines = logLines(fn);
    if (done(lines)) return lines;
    if (!fn.running) throw new Error(`the process exited before ${what}:\n${lines.slice(-10).map((l) => JSON.stringify(l)).join("\n")}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${lines.slice(-10).map((l) => JSON.stringify(l)).join("\n")}`);
    await sleep(50);
  }
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The value below which `q` (0..1) of the values lie (nearest rank). */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
