import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ListBucketsCommand, S3Client } from "@aws-sdk/client-s3";
import { ENV } from "../../contract";
import { createRunDir, serverJars, tailOfFile } from "./files";
import { freePorts, javaCommand, jitFlags, removeOnExit, ServerProcess, type Jit } from "./process";
import { startAndWait } from "./wait";

export interface S3Server {
  /** "http://127.0.0.1:PORT" */
  readonly endpoint: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** false when S3_ENDPOINT was given: then nothing was started and fault injection is impossible. */
  readonly managed: boolean;
  /** The server's pid while one this process manages runs (the bench reads its CPU time). */
  readonly pid?: number;
  /** (Re)starts on the same port and data dir; resolves when ListBuckets answers. */
  start(): Promise<void>;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
  /** SIGKILL and wait for the exit. */
  kill(): Promise<void>;
  restart(): Promise<void>;
}

const DEFAULT_REGION = "us-east-1";
const READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 10_000;
const ACCESS_KEY_ID = "test-harness";
const SECRET_ACCESS_KEY = "test-harness-secret";

/** S3Proxy on 127.0.0.1 that this process manages, or the S3 endpoint named by S3_ENDPOINT. */
export async function startS3(jit: Jit = "startup"): Promise<S3Server> {
  const external = process.env[ENV.s3Endpoint]?.trim();
  if (external) return externalS3(external);
  const s3 = await ManagedS3.create(jit);
  await s3.start();
  return s3;
}

function externalS3(endpoint: string): S3Server {
  const accessKeyId = process.env[ENV.awsAccessKeyId];
  const secretAccessKey = process.env[ENV.awsSecretAccessKey];
  if (!accessKeyId || !secretAccessKey) {
    throw new Error(`${ENV.s3Endpoint} is set, so ${ENV.awsAccessKeyId} and ${ENV.awsSecretAccessKey} must be set too`);
  }
  const refuse = (action: string) => (): Promise<void> =>
    Promise.reject(
      new Error(
        `cannot ${action} S3: fault injection needs a server that the test harness manages, ` +
          `but ${ENV.s3Endpoint} names an external one (${endpoint}); unset it to let the harness start one`,
      ),
    );
  return {
    endpoint,
    region: process.env[ENV.s3Region] || DEFAULT_REGION,
    accessKeyId,
    secretAccessKey,
    managed: false,
    start: refuse("start"),
    stop: refuse("stop"),
    kill: refuse("kill"),
    restart: refuse("restart"),
  };
}

class ManagedS3 implements S3Server {
  readonly managed = true;
  readonly region = DEFAULT_REGION;
  readonly accessKeyId = ACCESS_KEY_ID;
  readonly secretAccessKey = SECRET_ACCESS_KEY;
  private readonly server: ServerProcess;

  private constructor(
    readonly endpoint: string,
    private readonly outputFile: string,
    runDir: string,
    jar: string,
    propertiesFile: string,
    jit: Jit,
  ) {
    this.server = new ServerProcess({
      name: "s3proxy",
      command: javaCommand(),
      args: ["-Xmx384m", ...jitFlags(jit), "-Djava.awt.headless=true", "-jar", jar, "--properties", propertiesFile],
      cwd: runDir,
      outputFile,
    });
  }

  static async create(jit: Jit): Promise<ManagedS3> {
    const jar = serverJars().s3proxyJar;
    const runDir = createRunDir("s3proxy");
    removeOnExit(runDir);
    const dataDir = path.join(runDir, "data");
    mkdirSync(dataDir);
    const [port] = await freePorts(1);
    const endpoint = `http://127.0.0.1:${port}`;
    const propertiesFile = path.join(runDir, "s3proxy.properties");
    writeFileSync(propertiesFile, s3proxyProperties(endpoint, dataDir));
    return new ManagedS3(endpoint, path.join(runDir, "s3proxy.log"), runDir, jar, propertiesFile, jit);
  }

  async start(): Promise<void> {
    await startAndWait(this.server, () => this.probe(), {
      name: "s3proxy",
      timeoutMs: READY_TIMEOUT_MS,
      diagnostics: () => tailOfFile(this.outputFile),
    });
  }

  stop(): Promise<void> {
    return this.server.stop(STOP_GRACE_MS);
  }

  kill(): Promise<void> {
    return this.server.kill();
  }

  get pid(): number | undefined {
    return this.server.pid;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  private async probe(): Promise<void> {
    const client = new S3Client({
      endpoint: this.endpoint,
      region: this.region,
      forcePathStyle: true,
      credentials: { accessKeyId: this.accessKeyId, secretAccessKey: this.secretAccessKey },
      maxAttempts: 1,
    });
    try {
      await client.send(new ListBucketsCommand({}));
    } finally {
      client.destroy();
    }
  }
}

function s3proxyProperties(endpoint: string, dataDir: string): string {
  return [
    `s3proxy.endpoint=${endpoint}`,
    "s3proxy.authorization=aws-v2-or-v4",
    `s3proxy.identity=${ACCESS_KEY_ID}`,
    `s3proxy.credential=${SECRET_ACCESS_KEY}`,
    "jclouds.provider=filesystem",
    `jclouds.filesystem.basedir=${dataDir}`,
    "",
  ].join("\n");
}
