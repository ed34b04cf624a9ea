import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, appendFileSync, closeSync, constants, openSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import path from "node:path";
import { markKept, removeDir } from "./files";

export interface ProcessSpec {
  /** Used in messages, e.g. "kafka". */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  /** The child's stdout and stderr are appended here, never to ours. */
  readonly outputFile: string;
  /** Environment of the child. @default this process's */
  readonly env?: NodeJS.ProcessEnv;
}

/** Every child started by the harness and still running, killed when this process exits. */
const running = new Set<ChildProcess>();
/** Folders removed when this process exits; with TEST_SERVERS_KEEP=1 they are kept for inspection. */
const dirsToRemove = new Set<string>();
let cleanupInstalled = false;

/** A long-running child that can be started again after it stopped or was killed. */
export class ServerProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<number | null> = Promise.resolve(null);

  constructor(private readonly spec: ProcessSpec) {}

  get isRunning(): boolean {
    return this.child !== undefined;
  }

  /** The running child's pid (the command's own: setpriv execs it). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Resolves with the exit code (null after a signal) once the current child has exited. */
  whenExited(): Promise<number | null> {
    return this.exited;
  }

  spawn(): void {
    if (this.child) throw new Error(`${this.spec.name} is already running (pid ${this.child.pid})`);
    installCleanup();
    const [command, args] = withParentDeathSignal(this.spec.command, this.spec.args);
    const output = openSync(this.spec.outputFile, "a");
    let child: ChildProcess;
    try {
      child = spawn(command, args, { cwd: this.spec.cwd, env: this.spec.env ?? process.env, stdio: ["ignore", output, output] });
    } finally {
      closeSync(output);
    }
    // The ServerProcess's own timers keep the event loop alive while it waits; a forgotten server
    // must not keep mocha from exiting (the exit handler then kills it).
    child.unref();
    running.add(child);
    this.child = child;
    this.exited = new Promise((resolve) => {
      const done = (code: number | null): void => {
        running.delete(child);
        if (this.child === child) this.child = undefined;
        resolve(code);
      };
      child.once("exit", (code) => done(code));
      child.once("error", (error) => {
        // Lands in the log tail that a readiness error shows.
        appendFileSync(this.spec.outputFile, `harness: could not run ${command}: ${error.message}\n`);
        done(null);
      });
    });
  }

  /** SIGTERM, then SIGKILL if the child has not exited after `graceMs`. */
  async stop(graceMs: number): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill("SIGTERM");
    if (await this.exitsWithin(graceMs)) return;
    process.emitWarning(`${this.spec.name} ignored SIGTERM for ${graceMs} ms; sending SIGKILL`);
    await this.kill();
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill("SIGKILL");
    if (!(await this.exitsWithin(10_000))) throw new Error(`${this.spec.name} (pid ${child.pid}) survived SIGKILL`);
  }

  private async exitsWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
    try {
      return await Promise.race([this.exited.then(() => true as const), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

export function removeOnExit(dir: string): void {
  dirsToRemove.add(dir);
}

/** Free TCP ports on 127.0.0.1, all distinct (the listeners stay open until every port is known). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer());
  try {
    return await Promise.all(
      servers.map(
        (server) =>
          new Promise<number>((resolve, reject) => {
            server.once("error", reject);
            server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
          }),
      ),
    );
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

/**
 * How a managed server's JVM compiles: `startup`, C1 only (the tests' servers: on a 2-core machine
 * C2's compiler threads compete with start-up, and the broker starts about twice as fast), or
 * `throughput`, the JVM's default tiers up to C2, as a server runs in production (the bench's: C2
 * compiles the hot loops, S3Proxy's MD5 of each object among them, with the CPU's own instructions).
 */
export type Jit = "startup" | "throughput";

export function jitFlags(jit: Jit): string[] {
  return jit === "startup" ? ["-XX:TieredStopAtLevel=1"] : [];
}

/** The java launcher of JAVA_HOME when it is set, else the one on PATH. */
export function javaCommand(): string {
  const home = process.env.JAVA_HOME;
  return home ? path.join(home, "bin", "java") : "java";
}

/**
 * On Linux, util-linux's setpriv makes the kernel SIGKILL the child when this process dies, even
 * by SIGKILL, when no exit handler can run. setpriv execs the command, so the pid stays the same.
 */
function withParentDeathSignal(command: string, args: readonly string[]): [string, string[]] {
  const setpriv = process.platform === "linux" ? findOnPath("setpriv") : undefined;
  return setpriv ? [setpriv, ["--pdeathsig", "KILL", "--", command, ...args]] : [command, [...args]];
}

function findOnPath(program: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const candidate = path.join(dir, program);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

function installCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.on("exit", cleanUpNow);
  for (const signal of ["SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      cleanUpNow();
      // Without other listeners, re-raising gives the default behaviour: the process dies of it.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}

function cleanUpNow(): void {
  for (const child of running) child.kill("SIGKILL");
  running.clear();
  const keep = process.env.TEST_SERVERS_KEEP === "1";
  for (const dir of dirsToRemove) (keep ? markKept : removeDir)(dir);
  dirsToRemove.clear();
}
