import type { ContainerSpec } from "../docker";

/**
 * On the local target the DAGs' tasks start containers (DockerOperator) on the engine, but the
 * engine's socket gives whoever holds it root on the host. So no Airflow container mounts it: one
 * proxy container does, on an internal network of its own that only the scheduler (which runs the
 * tasks under the LocalExecutor) joins, and forwards only the calls DockerOperator makes, only from
 * the scheduler, with no bind mount allowed in the containers it creates.
 */
export const DOCKER_API_PROXY_ALIAS = "docker-api-proxy";
export const DOCKER_API_PROXY_PORT = 2375;
/** The Airflow services that call the engine: tasks run inside the scheduler. */
export const DOCKER_API_CLIENTS = ["airflow-scheduler"] as const;
/** Where the proxy finds the socket inside its container. */
const SOCKET_IN_PROXY = "/var/run/docker.sock";
/** The socket of an engine whose URL names no local socket (the provider's default, tcp://, ssh://). */
export const DEFAULT_ENGINE_SOCKET = "/var/run/docker.sock";
/**
 * The only directory a created container may bind-mount from: an empty one that no task needs
 * (DockerOperator runs with `mount_tmp_dir=False`), so no container can reach the host's files.
 */
export const BIND_MOUNTS_FROM = "/var/empty";
/** The proxy image's non-root user (`nobody`); its group is the socket's. */
const PROXY_UID = 65534;

/** An API path with or without the version prefix docker-py puts on it (`/v1.47/containers/create`). */
const versioned = (paths: string[]) => `(/v1\\.[0-9]+)?(${paths.join("|")})`;
const CONTAINER = "/containers/[a-zA-Z0-9_.-]+";

/**
 * The engine API calls DockerOperator makes, per HTTP method: negotiate the version, check that the
 * image exists (images are built on this engine; nothing is pulled), create, start, attach to and
 * wait for its container, read its logs and state, stop it on a timeout, remove it. Anything else
 * (exec, other containers' listing, images, volumes, networks, swarm, the engine's info) is refused.
 */
export const DOCKER_API_ALLOWED = {
  HEAD: versioned(["/_ping"]),
  GET: versioned(["/_ping", "/version", "/images/json", `${CONTAINER}/json`, `${CONTAINER}/logs`]),
  POST: versioned(["/containers/create", `${CONTAINER}/(start|attach|wait|stop|kill)`]),
  DELETE: versioned([CONTAINER]),
} as const;

/** The socket the proxy mounts: the one `local.dockerHost` names, or the engine's default. */
export function engineSocketPath(dockerHost: string | undefined): string {
  return dockerHost?.startsWith("unix://") ? dockerHost.slice("unix://".length) : DEFAULT_ENGINE_SOCKET;
}

/** What Airflow's docker runner connects to. */
export function dockerApiUrl(): string {
  return `tcp://${DOCKER_API_PROXY_ALIAS}:${DOCKER_API_PROXY_PORT}`;
}

export interface DockerApiProxyArgs {
  image: string;
  /** The engine's socket on the host. */
  socketPath: string;
  /** The group owning that socket, whose members may use it. */
  socketGid: number;
}

/** The proxy's container: non-root in the socket's group, every capability dropped, only the socket mounted. */
export function dockerApiProxySpec(a: DockerApiProxyArgs): ContainerSpec {
  return {
    role: DOCKER_API_PROXY_ALIAS,
    image: a.image,
    user: `${PROXY_UID}:${a.socketGid}`,
    command: [
      "-listenip=0.0.0.0",
      `-proxyport=${DOCKER_API_PROXY_PORT}`,
      `-socketpath=${SOCKET_IN_PROXY}`,
      `-allowfrom=${DOCKER_API_CLIENTS.join(",")}`,
      ...Object.entries(DOCKER_API_ALLOWED).map(([method, pattern]) => `-allow${method}=${pattern}`),
      `-allowbindmountfrom=${BIND_MOUNTS_FROM}`,
      "-allowhealthcheck",
      // After an engine restart the socket is a new one: exit, and the restart policy reconnects.
      "-watchdoginterval=60",
      "-stoponwatchdog",
      "-shutdowngracetime=5",
    ],
    binds: [{ hostPath: a.socketPath, path: SOCKET_IN_PROXY }],
    healthcheck: { test: ["CMD", "./healthcheck"], intervalSeconds: 10, retries: 6 },
  };
}
