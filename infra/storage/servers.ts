import { PORTS } from "../../contract";
import type { ContainerEnv } from "../docker";

/**
 * S3-compatible servers the local target can run. Each speaks S3 with static root credentials; they
 * differ in how those credentials, the data directory and the console are configured.
 */
export interface ObjectStoreServer {
  /** The S3 API's port inside the container. */
  apiPort: number;
  /** A web console's port inside the container, if the server has one. */
  consolePort?: number;
  command?: string[];
  dataPath: string;
  env(accessKey: string): ContainerEnv;
  secretEnv(secretKey: string | import("@pulumi/pulumi").Input<string>): ContainerEnv;
  /** Health check run inside the container; only tools the image ships. */
  healthcheck?: string[];
}

export const OBJECT_STORE_SERVERS = {
  minio: {
    apiPort: PORTS.s3,
    consolePort: PORTS.s3Console,
    // Its default certs folder is under $HOME, which a non-root user cannot write.
    command: ["server", "/data", "--address", `:${PORTS.s3}`, "--console-address", `:${PORTS.s3Console}`, "--certs-dir", "/tmp/minio-certs"],
    dataPath: "/data",
    env: (accessKey) => ({ MINIO_ROOT_USER: accessKey, MINIO_BROWSER_REDIRECT: "false" }),
    secretEnv: (secretKey) => ({ MINIO_ROOT_PASSWORD: secretKey }),
    // The image has no curl; its own client checks readiness.
    healthcheck: ["CMD", "mc", "ready", "local"],
  },
  rustfs: {
    apiPort: PORTS.s3,
    consolePort: PORTS.s3Console,
    dataPath: "/data",
    env: (accessKey) => ({
      RUSTFS_ACCESS_KEY: accessKey,
      RUSTFS_VOLUMES: "/data",
      RUSTFS_ADDRESS: `0.0.0.0:${PORTS.s3}`,
      RUSTFS_CONSOLE_ADDRESS: `0.0.0.0:${PORTS.s3Console}`,
      RUSTFS_CONSOLE_ENABLE: "true",
    }),
    secretEnv: (secretKey) => ({ RUSTFS_SECRET_KEY: secretKey }),
    healthcheck: ["CMD", "curl", "--fail", "--silent", `http://127.0.0.1:${PORTS.s3}/health`],
  },
  versitygw: {
    apiPort: PORTS.s3,
    dataPath: "/data",
    env: (accessKey) => ({ ROOT_ACCESS_KEY: accessKey, VGW_BACKEND: "posix", VGW_BACKEND_ARGS: "/data", VGW_PORT: `:${PORTS.s3}` }),
    secretEnv: (secretKey) => ({ ROOT_SECRET_KEY: secretKey }),
  },
} as const satisfies Record<string, ObjectStoreServer>;

export type ObjectStoreServerName = keyof typeof OBJECT_STORE_SERVERS;
export const OBJECT_STORE_SERVER_NAMES = Object.keys(OBJECT_STORE_SERVERS) as ObjectStoreServerName[];
