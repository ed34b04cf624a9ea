import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { build } from "esbuild";
import { ENV } from "../../contract";
import { buildPage } from "../../functions/dashboard/build-page";
import { createRunDir, repoRoot } from "./files";
import { ServerProcess, removeOnExit } from "./process";

let bundle: Promise<string> | undefined;

/** The sink's environment against the harness's servers, with test-friendly timeouts; `overrides` win. */
export function sinkEnvironment(
  servers: { kafka: { brokers: string[] }; s3: { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string } },
  bucket: string,
  groupId: string,
  overrides: Record<string, string> = {},
): Record<string, string> {
  return {
    [ENV.kafkaBrokers]: servers.kafka.brokers.join(","),
    [ENV.s3Endpoint]: servers.s3.endpoint,
    [ENV.s3Region]: servers.s3.region,
    [ENV.awsAccessKeyId]: servers.s3.accessKeyId,
    [ENV.awsSecretAccessKey]: servers.s3.secretAccessKey,
    [ENV.rawBucket]: bucket,
    [ENV.sinkGroupId]: groupId,
    [ENV.sinkFlushIntervalMs]: "200",
    [ENV.sinkSessionTimeoutMs]: "6000",
    [ENV.sinkS3RequestTimeoutMs]: "2000",
    ...overrides,
  };
}

/**
 * The functions bundled as the image's Dockerfile bundles them (one file, `node main.js <command>`,
 * and the dashboard's page beside it), built once per test process.
 */
export function functionsBundle(): Promise<string> {
  bundle ??= (async () => {
    const outfile = path.join(repoRoot(), ".cache", "test-bundle", "main.js");
    mkdirSync(path.dirname(outfile), { recursive: true });
    await build({ entryPoints: [path.join(repoRoot(), "functions", "main.ts")], bundle: true, platform: "node", target: "node22", outfile, sourcemap: true, logLevel: "error" });
    await buildPage(path.join(path.dirname(outfile), "dashboard"));
    return outfile;
  })();
  return bundle;
}

/** One of our functions running as its own process, as in a container: it can be killed, restarted, signalled. */
export class FunctionProcess {
  private readonly process: ServerProcess;
  readonly logFile: string;

  private constructor(name: string, main: string, command: string, env: Record<string, string>) {
    const dir = createRunDir(name);
    removeOnExit(dir);
    this.logFile = path.join(dir, `${name}.log`);
    this.process = new ServerProcess({
      name,
      command: process.execPath,
      args: ["--enable-source-maps", main, command],
      cwd: dir,
      outputFile: this.logFile,
      env: { PATH: process.env.PATH, NODE_NO_WARNINGS: "1", ...env },
    });
  }

  static async start(name: string, command: string, env: Record<string, string>): Promise<FunctionProcess> {
    const fn = new FunctionProcess(name, await functionsBundle(), command, env);
    fn.process.spawn();
    return fn;
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  get running(): boolean {
    return this.process.isRunning;
  }

  restart(): void {
    this.process.spawn();
  }

  kill(): Promise<void> {
    return this.process.kill();
  }

  /** SIGTERM; resolves with how long the process took to exit (SIGKILL after `graceMs`). */
  async terminate(graceMs: number): Promise<{ ms: number; code: number | null }> {
    const started = Date.now();
    const exited = this.process.whenExited();
    await this.process.stop(graceMs);
    return { ms: Date.now() - started, code: await exited };
  }

  /** Structured log lines written so far. */
  logLines(): Record<string, unknown>[] {
    return readFileSync(this.logFile, "utf8")
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}
