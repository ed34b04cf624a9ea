import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

export type Env = Record<string, pulumi.Input<string>>;

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
  env?: Env;
  /** Credentials; the container's whole env list becomes a Pulumi secret when any is present. */
  secretEnv?: Env;
  /** `uid[:gid]`. Every long-running container runs as a non-root user. */
  user: string;
  /** Container ports published on the host's bind address. */
  ports?: { internal: number; external: number }[];
  /** Named volumes and where they are mounted. */
  volumes?: { volume: pulumi.Input<string>; path: string; readOnly?: boolean }[];
  healthcheck?: { test: string[]; intervalSeconds?: number; timeoutSeconds?: number; retries?: number; startPeriodSeconds?: number };
  /** Files written into the container before it starts (contents may be secrets). */
  files?: { path: string; content: pulumi.Input<string> }[];
  /**
   * Runs to completion during `pulumi up` (migrations, topic and bucket creation): the update waits
   * for it and fails if it exits non-zero; dependants start after it.
   */
  oneShot?: boolean;
  /** Runs once in the background, without holding up the update (a backfill). */
  runOnce?: boolean;
  /** Linux capabilities the process needs beyond none. @default [] */
  capabilities?: string[];
}

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
export function envList(env: Env): pulumi.Output<string>[] {
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
    networksAdvanced: [{ name: placement.network, aliases: [spec.role] }],
    ports: (spec.ports ?? []).map((p) => ({ internal: p.internal, external: p.external, ip: placement.bindAddress, protocol: "tcp" })),
    volumes: (spec.volumes ?? []).map((v) => ({ volumeName: v.volume, containerPath: v.path, readOnly: v.readOnly ?? false })),
    uploads: (spec.files ?? []).map((f) => ({ file: f.path, content: f.content })),
    healthcheck: spec.healthcheck ? healthcheckArgs(spec.healthcheck) : undefined,
    capabilities: { drops: ["ALL"], adds: spec.capabilities ?? [] },
    securityOpts: ["no-new-privileges:true"],
    labels: Object.entries({ ...placement.labels, ...secretEnvLabel(spec) }).map(([label, value]) => ({ label, value })),
    logDriver: "json-file",
    logOpts: { "max-size": "10m", "max-file": "3" },
    ...(spec.oneShot
      ? { restart: "no", mustRun: false, attach: true, logs: true, rm: false }
      : spec.runOnce
        ? { restart: "no", mustRun: false }
        : { restart: "unless-stopped", mustRun: true, wait: spec.healthcheck !== undefined, waitTimeout: 300 }),
  };
}

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

/**
 * The exit code of a one-shot container, failing the update when it is not 0: the provider itself
 * records a failed job as created.
 */
export function requireSuccess(container: docker.Container, what: string): pulumi.Output<number | undefined> {
  return pulumi.all([container.exitCode, container.containerLogs]).apply(([code, logs]) => {
    if (code !== undefined && code !== null && code !== 0) {
      throw new pulumi.ResourceError(`${what} failed with exit code ${code}:\n${(logs ?? "").split("\n").slice(-20).join("\n")}`, container);
    }
    return code;
  });
}
