import { PRODUCER_SETTINGS, SINK_FLUSH, isSymbol, type ChoiceSetting, type IntSetting, type SymbolsSetting } from "../../contract";
import { AIRFLOW_EXECUTORS, airflowVersionOf } from "../airflow/settings";
import { cloudKafkaProblems, kafkaVersionOf, localKafkaProblems } from "../kafka/settings";
import { loaderKeyProblem } from "../snowflake/loader";
import { OBJECT_STORE_SERVER_NAMES } from "../storage/servers";
import { DEFAULT_IMAGES, checkImagePinned, type ImageSettings } from "./images";
import { ConfigError, Problems, show, unknownKey, type RawObject } from "./problems";
import {
  SECRET_KEYS,
  type CloudSettings,
  type LocalSettings,
  type PlatformSettings,
  type SecretKey,
  type SnowflakeSettings,
  type Target,
} from "./settings";

export interface ConfigContext {
  project: string;
  stack: string;
  /** Secret keys that are set (as secrets). */
  secrets: ReadonlySet<string>;
  /** Keys whose value sits in the stack file in plain text. */
  plaintext: ReadonlySet<string>;
  /** The values of the secrets that are set, for the checks of their form (never shown in a message). */
  secretValues?: Partial<Record<SecretKey, string>>;
}

const TOP_LEVEL = ["target", "namePrefix", "images", "build", "kafka", "spark", "airflow", "storage", "functions", "local", "cloud", "snowflake", ...SECRET_KEYS];
const NAME = /^[a-z][a-z0-9-]{0,20}$/;
/** `<prefix>-checkpoints-` must fit the 37 characters AWS allows a bucket-name prefix. */
const BUCKET_PREFIX = /^[a-z0-9][a-z0-9-]{1,23}$/;
const SPARK_MEMORY = /^\d+[mg]$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const OIDC_ARN = /^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/.+$/;
const CHART_VERSION = /^\d+\.\d+\.\d+$/;
const SNOWFLAKE_NAME = /^[A-Za-z_][A-Za-z0-9_$]{0,254}$/;
const DOCKER_NETWORK = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/;

function isCidr(value: string): boolean {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(value);
  return m !== null && IPV4.test(m[1]!) && Number(m[2]) <= 32;
}

/** Defaults that differ per target, in one place. */
function targetDefaults(target: Target) {
  const cloud = target === "cloud";
  return {
    kafka: { brokers: cloud ? 3 : 1, partitions: cloud ? 6 : 3, replicationFactor: cloud ? 3 : 1, minInsyncReplicas: cloud ? 2 : 1 },
    spark: { workers: 2, workerCores: cloud ? 2 : 1, workerMemory: cloud ? "4g" : "1g" },
    storage: { versioning: cloud, rawInfrequentAccessDays: cloud ? 30 : 0, forceDestroy: !cloud },
    sinkReplicas: cloud ? 2 : 1,
    snowflakeEnabled: cloud,
  };
}

/**
 * Validates one stack's config and applies every default. Pure: the caller reads the values
 * from Pulumi. Throws a {@link ConfigError} listing every problem at once.
 */
export function parseSettings(raw: RawObject, ctx: ConfigContext): PlatformSettings {
  const p = new Problems();
  for (const key of Object.keys(raw)) {
    if (!TOP_LEVEL.includes(key)) p.add(unknownKey(key, key, TOP_LEVEL));
  }
  const target = p.oneOf("target", raw.target, ["local", "cloud"] as const, "local");
  if (raw.target === undefined) p.add(`\`target\` is required: "local" (Docker engine) or "cloud" (AWS + Kubernetes + Snowflake)`);
  const d = targetDefaults(target);
  const namePrefix = p.string("namePrefix", raw.namePrefix, "mdp", NAME, "lower-case letters, digits and dashes, starting with a letter, at most 21 characters");

  const images = parseImages(p, raw.images);
  if (target === "cloud") {
    // Strimzi and the Airflow chart are told the release the images run, read from their tags.
    for (const readVersion of [() => kafkaVersionOf(images.kafka), () => airflowVersionOf(images.airflow)]) {
      try {
        readVersion();
      } catch (error) {
        p.add((error as Error).message);
      }
    }
  }
  const buildRaw = p.object("build", raw.build, ["network"]);
  const build = buildRaw.network === undefined ? {} : { network: p.string("build.network", buildRaw.network, "", DOCKER_NETWORK, 'a Docker network name such as "host"') };
  const kafka = parseKafka(p, raw.kafka, target, d.kafka);

  const sparkRaw = p.object("spark", raw.spark, ["workers", "workerCores", "workerMemory"]);
  const spark = {
    workers: p.int("spark.workers", sparkRaw.workers, d.spark.workers, 1, 64),
    workerCores: p.int("spark.workerCores", sparkRaw.workerCores, d.spark.workerCores, 1, 64),
    workerMemory: p.string("spark.workerMemory", sparkRaw.workerMemory, d.spark.workerMemory, SPARK_MEMORY, 'a size such as "1g" or "512m"'),
  };

  const airflowRaw = p.object("airflow", raw.airflow, ["adminUser", "executor"]);
  const airflow = {
    adminUser: p.string("airflow.adminUser", airflowRaw.adminUser, "admin", /^[a-zA-Z][a-zA-Z0-9_.-]{0,63}$/, "a user name"),
    executor: p.oneOf("airflow.executor", airflowRaw.executor, AIRFLOW_EXECUTORS, "LocalExecutor"),
  };

  const storageRaw = p.object("storage", raw.storage, ["server", "bucketPrefix", "versioning", "rawInfrequentAccessDays", "noncurrentVersionExpirationDays", "forceDestroy", "accessLogExpirationDays"]);
  const storage = {
    server: p.oneOf("storage.server", storageRaw.server, OBJECT_STORE_SERVER_NAMES, "minio"),
    bucketPrefix: p.string("storage.bucketPrefix", storageRaw.bucketPrefix, `${namePrefix}-${ctx.stack}`.toLowerCase().slice(0, 24), BUCKET_PREFIX, "lower-case letters, digits and dashes (2 to 24)"),
    versioning: p.bool("storage.versioning", storageRaw.versioning, d.storage.versioning),
    rawInfrequentAccessDays: p.int("storage.rawInfrequentAccessDays", storageRaw.rawInfrequentAccessDays, d.storage.rawInfrequentAccessDays, 0, 3650),
    noncurrentVersionExpirationDays: p.int("storage.noncurrentVersionExpirationDays", storageRaw.noncurrentVersionExpirationDays, 30, 0, 3650),
    forceDestroy: p.bool("storage.forceDestroy", storageRaw.forceDestroy, d.storage.forceDestroy),
    accessLogExpirationDays: p.int("storage.accessLogExpirationDays", storageRaw.accessLogExpirationDays, 365, 1, 3650),
  };
  if (target === "cloud" && !storage.versioning) p.add(`\`storage.versioning\` must stay true on a cloud stack (got false)`);

  const functions = parseFunctions(p, raw.functions, d.sinkReplicas);

  let local: LocalSettings | undefined;
  let cloud: CloudSettings | undefined;
  if (target === "local") {
    local = parseLocal(p, raw.local);
    checkSinkMetricsPorts(p, local, functions.sink.replicas);
    if (raw.cloud !== undefined) p.add("`cloud` settings apply only to `target: cloud`; remove them from this local stack");
  } else {
    cloud = parseCloud(p, raw.cloud);
    if (raw.local !== undefined) p.add("`local` settings apply only to `target: local`; remove them from this cloud stack");
  }

  const snowflake = parseSnowflake(p, raw.snowflake, d.snowflakeEnabled);

  const requiredSecrets: SecretKey[] = [];
  if (target === "cloud") requiredSecrets.push("kubeconfig");
  if (snowflake) requiredSecrets.push("snowflakePrivateKey", "snowflakeLoaderPrivateKey");
  if (functions.quoteSource === "live") requiredSecrets.push("quoteApiKey");
  for (const key of SECRET_KEYS) {
    if (ctx.plaintext.has(key)) {
      p.add(`\`${key}\` is stored in plain text in Pulumi.${ctx.stack}.yaml; remove it and run \`${setSecretCommand(key, ctx.stack)}\``);
    }
  }
  const missing = requiredSecrets.filter((k) => !ctx.secrets.has(k) && !ctx.plaintext.has(k));
  for (const key of missing) p.add(`the secret \`${key}\` is missing: run \`${setSecretCommand(key, ctx.stack)}\``);
  const loaderKey = ctx.secretValues?.snowflakeLoaderPrivateKey;
  if (snowflake && loaderKey !== undefined) {
    const problem = loaderKeyProblem(loaderKey);
    if (problem) p.add(`the secret \`snowflakeLoaderPrivateKey\` ${problem}`);
    else if (loaderKey.trim() === ctx.secretValues?.snowflakePrivateKey?.trim()) {
      p.add("the secret `snowflakeLoaderPrivateKey` is the key of `snowflake.user`, the admin: give Airflow's loader a key pair of its own");
    }
  }

  if (p.list.length > 0) throw new ConfigError(p.list, ctx.stack);
  return { project: ctx.project, stack: ctx.stack, target, namePrefix, images, build, kafka, spark, airflow, storage, functions, local, cloud, snowflake, requiredSecrets };
}

/** The exact command that sets a secret; kubeconfig and keys are multi-line, so they come from a file. */
export function setSecretCommand(key: SecretKey, stack: string): string {
  switch (key) {
    case "kubeconfig":
      return `pulumi config set --secret kubeconfig --stack ${stack} < path/to/kubeconfig`;
    case "snowflakePrivateKey":
      return `pulumi config set --secret snowflakePrivateKey --stack ${stack} < path/to/rsa_key.p8`;
    case "snowflakeLoaderPrivateKey":
      return `pulumi config set --secret snowflakeLoaderPrivateKey --stack ${stack} < path/to/airflow_loader_key.p8`;
    case "quoteApiKey":
      return `pulumi config set --secret quoteApiKey <api-key> --stack ${stack}`;
  }
}

function parseImages(p: Problems, value: unknown): ImageSettings {
  const keys = Object.keys(DEFAULT_IMAGES) as (keyof ImageSettings)[];
  const raw = p.object("images", value, keys);
  const images = { ...DEFAULT_IMAGES };
  for (const key of keys) {
    const ref = p.string(`images.${key}`, raw[key], DEFAULT_IMAGES[key]);
    const check = checkImagePinned(ref);
    if (!check.pinned) p.add(`\`images.${key}\` must be pinned to a release tag or digest: ${show(ref)} ${check.reason}`);
    images[key] = ref;
  }
  return images;
}

function parseKafka(p: Problems, value: unknown, target: Target, d: ReturnType<typeof targetDefaults>["kafka"]) {
  const raw = p.object("kafka", value, ["brokers", "partitions", "replicationFactor", "minInsyncReplicas", "retentionHours", "storageGi", "unsafeReducedDurability"]);
  const brokers = p.int("kafka.brokers", raw.brokers, d.brokers, 1, 99);
  const partitions = p.int("kafka.partitions", raw.partitions, d.partitions, 1, 1000);
  const replicationFactor = p.int("kafka.replicationFactor", raw.replicationFactor, d.replicationFactor, 1, 99);
  const minInsyncReplicas = p.int("kafka.minInsyncReplicas", raw.minInsyncReplicas, d.minInsyncReplicas, 1, 99);
  const retentionRaw = p.object("kafka.retentionHours", raw.retentionHours, ["realtime", "batch", "deadLetter"]);
  const retentionHours = {
    realtime: p.int("kafka.retentionHours.realtime", retentionRaw.realtime, 72, 1, 87_600),
    batch: p.int("kafka.retentionHours.batch", retentionRaw.batch, 720, 1, 87_600),
    deadLetter: p.int("kafka.retentionHours.deadLetter", retentionRaw.deadLetter, 336, 1, 87_600),
  };
  const storageGi = p.int("kafka.storageGi", raw.storageGi, 100, 1, 65_536);
  const unsafeReducedDurability = p.bool("kafka.unsafeReducedDurability", raw.unsafeReducedDurability, false);

  const settings = { brokers, partitions, replicationFactor, minInsyncReplicas, retentionHours, storageGi, unsafeReducedDurability };
  for (const problem of (target === "local" ? localKafkaProblems : cloudKafkaProblems)(settings)) p.add(problem);
  return settings;
}

function parseFunctions(p: Problems, value: unknown, defaultSinkReplicas: number) {
  const raw = p.object("functions", value, ["symbols", "batchSymbols", "tickIntervalMs", "simulationSeed", "quoteSource", "batchSource", "sink"]);
  const sinkRaw = p.object("functions.sink", raw.sink, ["flushRecords", "flushBytes", "flushIntervalMs", "flushIdleMs", "replicas"]);
  const idleRaw = p.object("functions.sink.flushIdleMs", sinkRaw.flushIdleMs, ["realtime", "batch"]);
  const setting = (path: string, value: unknown, s: IntSetting) => p.int(path, value, s.default, s.min, s.max);
  const choice = <T extends string>(path: string, value: unknown, s: ChoiceSetting<T>) => p.oneOf(path, value, s.values, s.default);
  const symbols = (path: string, value: unknown, s: SymbolsSetting) => p.stringList(path, value, s.default, isSymbol, "tickers such as AAPL");
  const f = PRODUCER_SETTINGS;
  return {
    symbols: symbols("functions.symbols", raw.symbols, f.symbols),
    batchSymbols: symbols("functions.batchSymbols", raw.batchSymbols, f.batchSymbols),
    tickIntervalMs: setting("functions.tickIntervalMs", raw.tickIntervalMs, f.tickIntervalMs),
    simulationSeed: setting("functions.simulationSeed", raw.simulationSeed, f.simulationSeed),
    quoteSource: choice("functions.quoteSource", raw.quoteSource, f.quoteSource),
    batchSource: choice("functions.batchSource", raw.batchSource, f.batchSource),
    sink: {
      flushRecords: setting("functions.sink.flushRecords", sinkRaw.flushRecords, SINK_FLUSH.records),
      flushBytes: setting("functions.sink.flushBytes", sinkRaw.flushBytes, SINK_FLUSH.bytes),
      flushIntervalMs: setting("functions.sink.flushIntervalMs", sinkRaw.flushIntervalMs, SINK_FLUSH.intervalMs),
      flushIdleMs: {
        realtime: setting("functions.sink.flushIdleMs.realtime", idleRaw.realtime, SINK_FLUSH.idleMs.realtime),
        batch: setting("functions.sink.flushIdleMs.batch", idleRaw.batch, SINK_FLUSH.idleMs.batch),
      },
      replicas: p.int("functions.sink.replicas", sinkRaw.replicas, defaultSinkReplicas, 1, 64),
    },
  };
}

function parseLocal(p: Problems, value: unknown): LocalSettings {
  const raw = p.object("local", value, ["bindAddress", "ports", "dockerHost", "dockerSocketGid"]);
  const portsRaw = p.object("local.ports", raw.ports, ["kafka", "s3", "s3Console", "sparkUi", "airflowUi", "metrics", "dashboard"]);
  const port = (key: string, fallback: number) => p.int(`local.ports.${key}`, portsRaw[key], fallback, 1024, 65_535);
  const ports = {
    kafka: port("kafka", 29092),
    s3: port("s3", 9000),
    s3Console: port("s3Console", 9001),
    sparkUi: port("sparkUi", 8080),
    airflowUi: port("airflowUi", 8081),
    metrics: port("metrics", 9464),
    dashboard: port("dashboard", 8090),
  };
  const taken = new Map<number, string>();
  for (const [key, n] of Object.entries(ports)) {
    const other = taken.get(n);
    if (other) p.add(`\`local.ports.${key}\` and \`local.ports.${other}\` are both ${n}`);
    taken.set(n, key);
  }
  const dockerHost = raw.dockerHost === undefined ? undefined : p.string("local.dockerHost", raw.dockerHost, "", /^(unix|tcp|ssh|npipe):\/\/.+/, "a Docker host URL such as unix:///var/run/docker.sock");
  return {
    bindAddress: p.string("local.bindAddress", raw.bindAddress, "127.0.0.1", IPV4, "an IPv4 address such as 127.0.0.1"),
    ports,
    ...(dockerHost ? { dockerHost } : {}),
    dockerSocketGid: p.int("local.dockerSocketGid", raw.dockerSocketGid, 999, 0, 2_147_483_647),
  };
}

/** Sink `i` publishes its metrics on `local.ports.metrics + i`; those ports must be free too. */
function checkSinkMetricsPorts(p: Problems, local: LocalSettings, replicas: number): void {
  for (let i = 1; i <= replicas; i++) {
    const port = local.ports.metrics + i;
    const clash = Object.entries(local.ports).find(([key, n]) => key !== "metrics" && n === port);
    if (clash) p.add(`\`local.ports.${clash[0]}\` is ${port}, the metrics port of sink ${i} (\`local.ports.metrics\` + ${i}); move one of them`);
    if (port > 65_535) p.add(`\`local.ports.metrics\` leaves no port for sink ${i} (got ${local.ports.metrics} with ${replicas} sinks)`);
  }
}

function parseCloud(p: Problems, value: unknown): CloudSettings {
  const raw = p.object("cloud", value, ["region", "namespace", "oidcProviderArn", "storageClass", "strimziChartVersion", "airflowChartVersion", "kubernetesApiCidrs"]);
  if (raw.oidcProviderArn === undefined) p.add("`cloud.oidcProviderArn` is required: the IAM OIDC provider of the cluster, for service-account roles");
  return {
    region: p.string("cloud.region", raw.region, "us-east-1", /^[a-z]{2}(-[a-z]+)+-\d$/, "an AWS region such as us-east-1"),
    namespace: p.string("cloud.namespace", raw.namespace, "market-data", /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, "a Kubernetes namespace name"),
    oidcProviderArn: p.string("cloud.oidcProviderArn", raw.oidcProviderArn, "", OIDC_ARN, "an IAM OIDC provider ARN (arn:aws:iam::<account>:oidc-provider/...)"),
    storageClass: p.string("cloud.storageClass", raw.storageClass, "gp3", /^[a-z0-9][a-z0-9.-]*$/, "a storage class name"),
    strimziChartVersion: p.string("cloud.strimziChartVersion", raw.strimziChartVersion, "1.2.0", CHART_VERSION, "an exact chart version such as 1.2.0"),
    airflowChartVersion: p.string("cloud.airflowChartVersion", raw.airflowChartVersion, "1.22.0", CHART_VERSION, "an exact chart version such as 1.22.0"),
    kubernetesApiCidrs: p.stringList("cloud.kubernetesApiCidrs", raw.kubernetesApiCidrs, ["0.0.0.0/0"], isCidr, "IPv4 CIDR blocks such as 10.0.0.0/16"),
  };
}

function parseSnowflake(p: Problems, value: unknown, enabledByDefault: boolean): SnowflakeSettings | undefined {
  const raw = p.object("snowflake", value, ["enabled", "organization", "account", "user", "adminRole", "database", "warehouseSize", "autoSuspendSeconds"]);
  if (!p.bool("snowflake.enabled", raw.enabled, enabledByDefault)) return undefined;
  for (const key of ["organization", "account", "user"]) {
    if (raw[key] === undefined) p.add(`\`snowflake.${key}\` is required when Snowflake is enabled (or set \`snowflake.enabled: false\`)`);
  }
  const name = (key: string, fallback: string) => p.string(`snowflake.${key}`, raw[key], fallback, SNOWFLAKE_NAME, "a Snowflake identifier (letters, digits, _ and $)");
  return {
    organization: name("organization", ""),
    account: name("account", ""),
    user: name("user", ""),
    adminRole: name("adminRole", "SYSADMIN"),
    database: name("database", "MARKET_DATA"),
    warehouseSize: p.oneOf("snowflake.warehouseSize", raw.warehouseSize, ["XSMALL", "SMALL", "MEDIUM", "LARGE"] as const, "XSMALL"),
    autoSuspendSeconds: p.int("snowflake.autoSuspendSeconds", raw.autoSuspendSeconds, 60, 60, 86_400),
  };
}
