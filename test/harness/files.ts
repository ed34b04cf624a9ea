import { randomBytes } from "node:crypto";
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, readdirSync, readSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

const REPO_ROOT = path.resolve(__dirname, "..", "..");
const RUN_ROOT = path.join(REPO_ROOT, ".cache", "run");
const MANIFEST = path.join(REPO_ROOT, ".cache", "test-servers.json");
const OWNER_FILE = "owner.pid";
/** Marks a folder that TEST_SERVERS_KEEP=1 kept for inspection; no later run removes it. */
const KEEP_FILE = "kept";

interface Manifest {
  kafka: { version: string; libs: string };
  s3proxy: { version: string; jar: string };
}

export function repoRoot(): string {
  return REPO_ROOT;
}

/** Where scripts/fetch-test-servers.sh put the server jars, as absolute paths. */
export function serverJars(): { kafkaVersion: string; kafkaLibs: string; s3proxyVersion: string; s3proxyJar: string } {
  if (!existsSync(MANIFEST)) {
    throw new Error(`${path.relative(REPO_ROOT, MANIFEST)} is missing: run scripts/fetch-test-servers.sh first`);
  }
  const manifest = JSON.parse(readFileSync(MANIFEST, "utf8")) as Manifest;
  return {
    kafkaVersion: manifest.kafka.version,
    kafkaLibs: path.resolve(REPO_ROOT, manifest.kafka.libs),
    s3proxyVersion: manifest.s3proxy.version,
    s3proxyJar: path.resolve(REPO_ROOT, manifest.s3proxy.jar),
  };
}

/**
 * A fresh folder under .cache/run/ for one server's config, data and logs. It records the owning
 * process so that a later run can remove folders left behind by a test run that was killed.
 */
export function createRunDir(name: string): string {
  removeAbandonedRunDirs();
  const dir = path.join(RUN_ROOT, `${name}-${randomBytes(4).toString("hex")}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, OWNER_FILE), String(process.pid));
  return dir;
}

export function markKept(dir: string): void {
  try {
    writeFileSync(path.join(dir, KEEP_FILE), "");
  } catch {
    // Best effort, like removeDir.
  }
}

export function removeDir(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  } catch {
    // Best effort: an abandoned folder is removed by the next run.
  }
}

function removeAbandonedRunDirs(): void {
  if (!existsSync(RUN_ROOT)) return;
  for (const entry of readdirSync(RUN_ROOT)) {
    const dir = path.join(RUN_ROOT, entry);
    const owner = readOwner(dir);
    if (owner !== undefined && !isAlive(owner) && !existsSync(path.join(dir, KEEP_FILE))) removeDir(dir);
  }
}

function readOwner(dir: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path.join(dir, OWNER_FILE), "utf8"), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The last `lines` lines of a text file (reads at most the last 64 KiB), or "" when it does not exist. */
export function tailOfFile(file: string, lines = 40): string {
  if (!existsSync(file)) return "";
  const fd = openSync(file, "r");
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, 64 * 1024);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    return buffer.toString("utf8").split("\n").slice(-lines - 1).join("\n").trimEnd();
  } finally {
    closeSync(fd);
  }
}
