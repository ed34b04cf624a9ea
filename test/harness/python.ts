import { spawn } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { BAR_SCHEMA, ENV, encodeRecord } from "../../contract";
import { recordedBars } from "../../functions/batch-producer/fixtures/expected";
import { repoRoot } from "./files";
import type { TestServers } from "./index";

/** The virtualenv that scripts/setup-python.sh builds (pyspark with the connector jars, pytest, mypy, ruff). */
export function venvPython(): string {
  const python = path.join(repoRoot(), ".cache", "python", "venv", "bin", "python");
  if (!existsSync(python)) throw new Error(`${path.relative(repoRoot(), python)} is missing: run scripts/setup-python.sh first`);
  return python;
}

/** What a Python test or job needs to reach the harness's servers, by the contract's variable names. */
export function pythonServerEnv({ kafka, s3 }: TestServers): Record<string, string> {
  return {
    [ENV.kafkaBrokers]: kafka.brokers.join(","),
    [ENV.s3Endpoint]: s3.endpoint,
    [ENV.s3Region]: s3.region,
    [ENV.s3ForcePathStyle]: "true",
    [ENV.awsAccessKeyId]: s3.accessKeyId,
    [ENV.awsSecretAccessKey]: s3.secretAccessKey,
    // Spark binds the driver to the loopback address, as every harness server does.
    SPARK_LOCAL_IP: "127.0.0.1",
  };
}

/**
 * The batch producer's recorded bars (2,500: 10 symbols, 2024) as JSON Lines in the contract's field
 * order, read off the recordings' wire arrays; the Python tests get the file as RECORDED_BARS.
 */
export function writeRecordedBars(): string {
  const file = path.join(repoRoot(), ".cache", "spark-tests", "recorded-bars.jsonl");
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, recordedBars().map((bar) => `${encodeRecord(BAR_SCHEMA, bar)}\n`).join(""));
  return file;
}

/** Everything the Python tests read from their environment. */
export function pythonTestEnv(servers: TestServers): Record<string, string> {
  return { ...pythonServerEnv(servers), RECORDED_BARS: writeRecordedBars() };
}

/** Runs the virtualenv's python with `args` from the repository root; resolves with its exit code. */
export function runPython(args: string[], env: Record<string, string>, options: { timeoutMs?: number } = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(venvPython(), args, { cwd: repoRoot(), env: { ...process.env, ...env }, stdio: ["ignore", "inherit", "inherit"] });
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 900_000);
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}
