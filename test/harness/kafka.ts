import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { Kafka, logLevel } from "kafkajs";
import { ENV } from "../../contract";
import { createRunDir, serverJars, tailOfFile } from "./files";
import { freePorts, javaCommand, jitFlags, removeOnExit, ServerProcess, type Jit } from "./process";
import { startAndWait } from "./wait";

export interface KafkaServer {
  /** e.g. ["127.0.0.1:39092"] */
  readonly brokers: string[];
  /** false when KAFKA_BROKERS was given: then nothing was started and fault injection is impossible. */
  readonly managed: boolean;
  /** The broker's pid while one this process manages runs (the bench reads its CPU time). */
  readonly pid?: number;
  /** (Re)starts on the same ports and data dir; resolves when a client can fetch metadata. */
  start(): Promise<void>;
  /** SIGTERM and wait for the exit (controlled shutdown). */
  stop(): Promise<void>;
  /** SIGKILL and wait for the exit. */
  kill(): Promise<void>;
  restart(): Promise<void>;
}

const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 30_000;
const HEAP = ["-Xms256m", "-Xmx768m"];
/** A broker on 127.0.0.1 that this process manages, or the one named by KAFKA_BROKERS. */
export async function startKafka(jit: Jit = "startup"): Promise<KafkaServer> {
  const external = process.env[ENV.kafkaBrokers]?.trim();
  if (external) return new ExternalKafka(external.split(",").map((broker) => broker.trim()).filter(Boolean));
  const kafka = await ManagedKafka.create(jit);
  await kafka.start();
  return kafka;
}

class ExternalKafka implements KafkaServer {
  readonly managed = false;

  constructor(readonly brokers: string[]) {}

  start(): Promise<void> {
    return this.refuse("start");
  }

  stop(): Promise<void> {
    return this.refuse("stop");
  }

  kill(): Promise<void> {
    return this.refuse("kill");
  }

  restart(): Promise<void> {
    return this.refuse("restart");
  }

  private refuse(action: string): Promise<void> {
    return Promise.reject(
      new Error(
        `cannot ${action} Kafka: fault injection needs a broker that the test harness manages, ` +
          `but ${ENV.kafkaBrokers} names an external one (${this.brokers.join(",")}); unset it to let the harness start one`,
      ),
    );
  }
}

interface KafkaLayout {
  readonly runDir: string;
  readonly classpath: string;
  readonly serverProperties: string;
  readonly log4jConfig: string;
  readonly serverLog: string;
  readonly outputFile: string;
}

class ManagedKafka implements KafkaServer {
  readonly managed = true;
  readonly brokers: string[];
  private readonly broker: ServerProcess;

  private constructor(
    private readonly layout: KafkaLayout,
    clientPort: number,
    jit: Jit,
  ) {
    this.brokers = [`127.0.0.1:${clientPort}`];
    this.broker = new ServerProcess({
      name: "kafka",
      command: javaCommand(),
      args: [...jvmArgs(layout, jit), "kafka.Kafka", layout.serverProperties],
      cwd: layout.runDir,
      outputFile: layout.outputFile,
    });
  }

  /** Writes the config and formats the storage; does not start the broker. */
  static async create(jit: Jit): Promise<ManagedKafka> {
    const libs = serverJars().kafkaLibs;
    const layout = kafkaLayout(createRunDir("kafka"), libs);
    removeOnExit(layout.runDir);
    const [clientPort, controllerPort] = await freePorts(2);
    writeFileSync(layout.serverProperties, serverProperties(layout.runDir, clientPort, controllerPort));
    writeFileSync(layout.log4jConfig, log4jConfig(layout.serverLog));
    await formatStorage(layout);
    return new ManagedKafka(layout, clientPort, jit);
  }

  async start(): Promise<void> {
    await startAndWait(this.broker, () => probeMetadata(this.brokers), {
      name: "kafka",
      timeoutMs: READY_TIMEOUT_MS,
      diagnostics: () => this.logTail(),
    });
  }

  stop(): Promise<void> {
    return this.broker.stop(STOP_GRACE_MS);
  }

  kill(): Promise<void> {
    return this.broker.kill();
  }

  get pid(): number | undefined {
    return this.broker.pid;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  private logTail(): string {
    return [tailOfFile(this.layout.serverLog), tailOfFile(this.layout.outputFile, 20)].filter(Boolean).join("\n---\n");
  }
}

function kafkaLayout(runDir: string, libs: string): KafkaLayout {
  const logsDir = path.join(runDir, "logs");
  mkdirSync(logsDir, { recursive: true });
  return {
    runDir,
    classpath: path.join(libs, "*"),
    serverProperties: path.join(runDir, "server.properties"),
    log4jConfig: path.join(runDir, "log4j2.properties"),
    serverLog: path.join(logsDir, "server.log"),
    outputFile: path.join(logsDir, "stdout.log"),
  };
}

function jvmArgs(layout: KafkaLayout, jit: Jit): string[] {
  return [
    ...HEAP,
    ...jitFlags(jit),
    "-XX:+UseG1GC",
    "-XX:MaxGCPauseMillis=20",
    "-Djava.awt.headless=true",
    `-Dlog4j2.configurationFile=${layout.log4jConfig}`,
    `-Dkafka.logs.dir=${path.dirname(layout.serverLog)}`,
    "-cp",
    layout.classpath,
  ];
}

function serverProperties(runDir: string, clientPort: number, controllerPort: number): string {
  const settings: Record<string, string | number | boolean> = {
    "process.roles": "broker,controller",
    "node.id": 1,
    // A dynamic (KIP-853) quorum: formatted with --standalone, so controller.quorum.voters stays unset.
    "controller.quorum.bootstrap.servers": `127.0.0.1:${controllerPort}`,
    listeners: `PLAINTEXT://127.0.0.1:${clientPort},CONTROLLER://127.0.0.1:${controllerPort}`,
    "advertised.listeners": `PLAINTEXT://127.0.0.1:${clientPort},CONTROLLER://127.0.0.1:${controllerPort}`,
    "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
    "controller.listener.names": "CONTROLLER",
    "inter.broker.listener.name": "PLAINTEXT",
    "log.dirs": path.join(runDir, "data"),
    "num.partitions": 1,
    "default.replication.factor": 1,
    "min.insync.replicas": 1,
    "offsets.topic.replication.factor": 1,
    // Fewer internal partitions than the default 50 make the first group join and a restart faster.
    "offsets.topic.num.partitions": 5,
    "transaction.state.log.replication.factor": 1,
    "transaction.state.log.min.isr": 1,
    "transaction.state.log.num.partitions": 5,
    "share.coordinator.state.topic.replication.factor": 1,
    "share.coordinator.state.topic.min.isr": 1,
    "group.initial.rebalance.delay.ms": 0,
    // After a SIGKILL the restarted controller accepts the broker's new registration only once the
    // old one's session has expired: 4 s instead of the default 9 s.
    "broker.session.timeout.ms": 4_000,
    "broker.heartbeat.interval.ms": 500,
    "auto.create.topics.enable": false,
  };
  return Object.entries(settings).map(([key, value]) => `${key}=${value}`).join("\n") + "\n";
}

/**
 * Kafka 4 logs through log4j2; the properties format needs no extra jar (YAML would need Jackson's).
 * log4j2's own shutdown hook would close the file before Kafka's shutdown hook has logged its work.
 */
function log4jConfig(serverLog: string): string {
  return [
    "status = warn",
    "shutdownHook = disable",
    "appender.file.type = File",
    "appender.file.name = file",
    `appender.file.fileName = ${serverLog}`,
    "appender.file.layout.type = PatternLayout",
    "appender.file.layout.pattern = [%d] %p %m (%c)%n",
    "rootLogger.level = info",
    "rootLogger.appenderRef.file.ref = file",
    "",
  ].join("\n");
}

async function formatStorage(layout: KafkaLayout): Promise<void> {
  const args = [
    ...jvmArgs(layout, "startup"),
    "kafka.tools.StorageTool",
    "format",
    "--standalone",
    "--cluster-id",
    clusterId(),
    "--config",
    layout.serverProperties,
  ];
  try {
    await promisify(execFile)(javaCommand(), args, { cwd: layout.runDir, timeout: 60_000 });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`formatting Kafka storage failed: ${(error as Error).message}\n${stdout ?? ""}${stderr ?? ""}\n${tailOfFile(layout.serverLog)}`);
  }
}

/** A random Kafka Uuid in its base64url form; one that starts with "-" would read as a CLI flag. */
function clusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString("base64url");
    if (!id.startsWith("-")) return id;
  }
}

async function probeMetadata(brokers: string[]): Promise<void> {
  const admin = new Kafka({
    clientId: "test-harness-probe",
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    requestTimeout: 2_000,
    retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length === 0) throw new Error("the metadata lists no live broker yet");
  } finally {
    await admin.disconnect();
  }
}
