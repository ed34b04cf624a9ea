import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { STOP_GRACE_SECONDS } from "../../contract";

export type ContainerEnv = Record<string, pulumi.Input<string>>;

/**
 * A container of the local target, described as plain data so that tests can read it without
 * the engine. {@link createContainer} turns it into a `docker.Container`.
 */
export interface ContainerSpec {
  /** Appended to the component's name: `<name>-<role>`; also the container's network alias. */
  role: string;
  image: pulumi.Input<string>;
  command?: string[];
  entrypoint?: string[];
  /** Plain settings, visible in previews. */
  env?: ContainerEnv;
  /** Credentials; the container's whole env list becomes a Pulumi secret when any is present. */
  secretEnv?: ContainerEnv;
  /** `uid[:gid]`. Every long-running container runs as a non-root user. */
  user: string;
  /** Container ports published on the host's bind address. */
  ports?: { internal: number; external: number }[];
  /** Named volumes and where they are mounted. */
  volumes?: VolumeMount[];
  /** Host paths mounted into the container (only the Docker API proxy mounts one: the engine's socket). */
  binds?: { hostPath: string; path: string }[];
  /** Networks the container joins besides the placement's, under its role as alias. */
  networks?: pulumi.Input<string>[];
  healthcheck?: { test: string[]; intervalSeconds?: number; timeoutSeconds?: number; retries?: number; startPeriodSeconds?: number };
  /** Files written into the container before it starts (contents may be secrets). */
  files?: { path: string; content: pulumi.Input<string> }[];
  /**
   * `service`: kept running (restarted unless stopped), waited for until healthy, stopped with a
   * grace period. `job`: runs to completion during `pulumi up` (migrations, topics, buckets, the
   * backfill); {@link createJob} fails the update with its exit code and the end of its log when
   * it exits non-zero, and what depends on the job's `done` is not started.
   * @default "service"
   */
  lifecycle?: "service" | "job";
  /** Linux capabilities the process needs beyond none, spelled as the engine reports them. @default [] */
  capabilities?: LinuxCapability[];
  /**
   * Seconds between SIGTERM and SIGKILL when a service is stopped, replaced or destroyed, so that
   * it can finish its work (the sink writes and commits what it buffered).
   * @default STOP_GRACE_SECONDS (the sink's shutdown grace plus a margin)
   */
  stopGraceSeconds?: number;
}

export interface VolumeMount {
  volume: pulumi.Input<string>;
  path: string;
  /** @default false */
  readOnly?: boolean;
  /**
   * Mount an empty volume without first copying into it what the image has at `path`. Docker's
   * copy also copies that folder's owner, which would undo a job that handed the volume to a
   * non-root user. @default false
   */
  noCopy?: boolean;
}

/**
 * Capabilities as the Docker engine reports them in `HostConfig.CapAdd`: it stores `CHOWN` as
 * `CAP_CHOWN`, so a spec spelled otherwise differs from the container on every refresh (and the
 * provider replaces it).
 */
export type LinuxCapability = `CAP_${Uppercase<string>}`;

export interface LocalPlacement {
  network: pulumi.Input<string>;
  /** Host address published ports bind to. */
  bindAddress: string;
  labels: Record<string, string>;
}

/** The address host clients use for a published port: the bind address, or localhost when bound to all. */
export function hostAddress(bindAddress: string): string {
  return bindAddress === "0.0.0.0" ? "localhost" : bindAddress;
}

/**
 * Names (never values) of the variables that carry credentials. The env list of such a container is
 * one Pulumi secret; this label lets operators and the offline plan tell which entries are secret.
 */
export const SECRET_ENV_LABEL = "market-data.platform/secret-env";

function secretEnvLabel(spec: ContainerSpec): Record<string, string> {
  const keys = Object.keys(spec.secretEnv ?? {}).sort();
  return keys.length > 0 ? { [SECRET_ENV_LABEL]: keys.join(",") } : {};
}

/** KEY=VALUE pairs sorted by key, so that previews are stable. */
export function envList(env: ContainerEnv): pulumi.Output<string>[] {
  return Object.keys(env)
    .sort()
    .map((key) => pulumi.interpolate`${key}=${env[key]}`);
}

export function healthcheckArgs(h: NonNullable<ContainerSpec["healthcheck"]>): docker.types.input.ContainerHealthcheck {
  return {
    tests: h.test,
    interval: `${h.intervalSeconds ?? 10}s`,
    timeout: `${h.timeoutSeconds ?? 5}s`,
    retries: h.retries ?? 10,
    startPeriod: `${h.startPeriodSeconds ?? 10}s`,
  };
}

/** Container arguments of a spec; pure apart from building Outputs. */
export function containerArgs(name: string, spec: ContainerSpec, placement: LocalPlacement): docker.ContainerArgs {
  const plain = envList(spec.env ?? {});
  const secret = envList(spec.secretEnv ?? {});
  return {
    name,
    hostname: spec.role,
    image: spec.image,
    command: spec.command,
    entrypoints: spec.entrypoint,
    envs: secret.length > 0 ? pulumi.secret(pulumi.all([...plain, ...secret])) : pulumi.all(plain),
    user: spec.user,
    networksAdvanced: [placement.network, ...(spec.networks ?? [])].map((network) => ({ name: network, aliases: [spec.role] })),
    ports: (spec.ports ?? []).map((p) => ({ internal: p.internal, external: p.external, ip: placement.bindAddress, protocol: "tcp" })),
    // The provider takes `noCopy` only on mounts; the other volumes keep the form they were created with.
    volumes: [
      ...(spec.volumes ?? []).filter((v) => !v.noCopy).map((v) => ({ volumeName: v.volume, containerPath: v.path, readOnly: v.readOnly ?? false })),
      ...(spec.binds ?? []).map((b) => ({ hostPath: b.hostPath, containerPath: b.path, readOnly: false })),
    ],
    mounts: (spec.volumes ?? []).filter((v) => v.noCopy).map((v) => ({ type: "volume", source: v.volume, target: v.path, readOnly: v.readOnly ?? false, volumeOptions: { noCopy: true } })),
    uploads: (spec.files ?? []).map((f) => ({ file: f.path, content: f.content })),
    healthcheck: spec.healthcheck ? healthcheckArgs(spec.healthcheck) : undefined,
    capabilities: { drops: ["ALL"], adds: spec.capabilities ?? [] },
    securityOpts: ["no-new-privileges:true"],
    labels: Object.entries({ ...placement.labels, ...secretEnvLabel(spec) }).map(([label, value]) => ({ label, value })),
    logDriver: "json-file",
    logOpts: { "max-size": "10m", "max-file": "3" },
    ...(isJob(spec)
      ? { restart: "no", mustRun: false, attach: true, logs: true, rm: false }
      : {
          restart: "unless-stopped",
          mustRun: true,
          wait: spec.healthcheck !== undefined,
          waitTimeout: 300,
          // Without a destroy grace the provider stops with a timeout of 0: SIGKILL right after SIGTERM.
          destroyGraceSeconds: spec.stopGraceSeconds ?? STOP_GRACE_SECONDS,
          stopTimeout: spec.stopGraceSeconds ?? STOP_GRACE_SECONDS,
        }),
  };
}

export function isJob(spec: ContainerSpec): boolean {
  return spec.lifecycle === "job";
}

/** A service (or, through {@link createJob}, a job) of the local target. */
export function createContainer(
  component: string,
  spec: ContainerSpec,
  placement: LocalPlacement,
  opts: pulumi.CustomResourceOptions,
): docker.Container {
  const name = `${component}-${spec.role}`;
  return new docker.Container(name, containerArgs(name, spec, placement), opts);
}

export function createVolume(component: string, role: string, labels: Record<string, string>, opts: pulumi.CustomResourceOptions): docker.Volume {
  const name = `${component}-${role}`;
  return new docker.Volume(name, { name, labels: Object.entries(labels).map(([label, value]) => ({ label, value })) }, opts);
}

/** A job's container, and what its dependants wait for: the job, once it has exited 0. */
export interface Job {
  container: docker.Container;
  /**
   * Resolves to the container once its exit code is known to be 0; rejects, failing the update
   * with the job's exit code and the end of its log, when it is not. Dependants list it in
   * `dependsOn`, so a failed job starts nothing that needs it.
   */
  done: pulumi.Output<docker.Container>;
}

/** How many lines of a failed job's log the error shows. */
const FAILED_JOB_LOG_LINES = 20;

/** The message of a job that exited non-zero: its exit code and the end of its log. */
export function jobFailure(what: string, exitCode: number, logs: string | undefined): string {
  const tail = (logs ?? "").trimEnd().split("\n").slice(-FAILED_JOB_LOG_LINES).join("\n");
  return `${what} failed with exit code ${exitCode}${tail ? `; the end of its log:\n${tail}` : " and logged nothing"}`;
}

/**
 * Runs a job to completion during the update. The provider records a failed job as created, so
 * the exit code is checked here. An exit code that is absent (a `--target` update that leaves the
 * job out) or not yet known (a preview) is not a failure.
 */
export function createJob(component: string, spec: ContainerSpec, placement: LocalPlacement, what: string, opts: pulumi.CustomResourceOptions): Job {
  if (!isJob(spec)) throw new Error(`${component}-${spec.role} is not a job`);
  const container = createContainer(component, spec, placement, opts);
  const done = pulumi.all([container.exitCode, container.containerLogs]).apply(([code, logs]) => {
    if (code !== undefined && code !== null && code !== 0) throw new pulumi.ResourceError(jobFailure(what, code, logs), container, true);
    return container;
  });
  return { container, done };
}