import type { BatchSource } from "../../contract";
import type { ObjectStoreServerName } from "../storage/servers";
import type { ImageSettings } from "./images";

/** Where a stack runs. Chosen once, from `target`; nothing below the stack asks again. */
export type Target = "local" | "cloud";

export interface KafkaSettings {
  /** Brokers in the cluster. @default 1 on `local` (one container), 3 on `cloud` */
  brokers: number;
  /** Partitions of the realtime and batch topics. @default 3 on `local`, 6 on `cloud` */
  partitions: number;
  /** Copies of every partition. @default 1 on `local`, 3 on `cloud` */
  replicationFactor: number;
  /** Replicas that must acknowledge a write with `acks=all`. @default 1 on `local`, 2 on `cloud` */
  minInsyncReplicas: number;
  /** How long each topic keeps data. @default realtime 72 h, batch 720 h, deadLetter 336 h */
  retentionHours: { realtime: number; batch: number; deadLetter: number };
  /** Size of each broker's volume on `cloud`. @default 100 */
  storageGi: number;
  /**
   * Lets a `cloud` stack run with fewer than 3 replicas or fewer than 2 in-sync replicas; asked for
   * by name because it gives up durability. @default false
   */
  unsafeReducedDurability: boolean;
}

export interface SparkSettings {
  /** Standalone workers. @default 2 */
  workers: number;
  /** Cores each worker offers. @default 1 on `local`, 2 on `cloud` */
  workerCores: number;
  /** Memory each worker offers, in Spark's notation. @default "1g" on `local`, "4g" on `cloud` */
  workerMemory: string;
}

export interface AirflowSettings {
  /** Login of the admin user created once, before the other services start. @default "admin" */
  adminUser: string;
  /** Executor of the scheduler. @default "LocalExecutor" */
  executor: "LocalExecutor" | "KubernetesExecutor" | "CeleryExecutor";
}

export interface StorageSettings {
  /**
   * S3-compatible server of the `local` target; `images.objectStore` must be an image of it.
   * @default "minio"
   */
  server: ObjectStoreServerName;
  /** Bucket names start with this (at most 24 characters). @default "<namePrefix>-<stack>" */
  bucketPrefix: string;
  /** Keep every version of every object. @default false on `local`, true on `cloud` */
  versioning: boolean;
  /** Days after which raw objects move to infrequent access (0 = never). @default 30 on `cloud` */
  rawInfrequentAccessDays: number;
  /** Days after which old object versions are deleted (0 = never). @default 30 */
  noncurrentVersionExpirationDays: number;
  /** Let `pulumi destroy` delete buckets that still hold objects. @default true on `local`, false on `cloud` */
  forceDestroy: boolean;
  /** Days the S3 server access logs of every zone are kept (`cloud`). @default 365 */
  accessLogExpirationDays: number;
}

export interface SinkSettings {
  /** Flush a partition's buffer at this many records. @default 5000 */
  flushRecords: number;
  /** ... or at this many bytes. @default 4194304 (4 MiB) */
  flushBytes: number;
  /** ... or when its oldest record has waited this long. @default 1000 */
  flushIntervalMs: number;
  /** Sink instances (one consumer group). @default 1 on `local`, 2 on `cloud` */
  replicas: number;
}

export interface BuildSettings {
  /**
   * Docker network of the image builds' RUN steps, e.g. `host` on an engine without a default
   * bridge (`npm ci` in the functions image needs a network). @default the engine's default bridge
   */
  network?: string;
}

export interface FunctionsSettings {
  /** Symbols of the realtime producer. @default AAPL MSFT GOOGL AMZN META TSLA NVDA JPM */
  symbols: string[];
  /** Symbols of the batch producer. @default AAPL MSFT GOOGL AMZN META TSLA NVDA INTC JPM V */
  batchSymbols: string[];
  /** Interval between two ticks of a symbol. @default 2000 */
  tickIntervalMs: number;
  /** Seed of the simulated quote source; equal seeds give equal ticks. @default 42 */
  simulationSeed: number;
  /** `simulated` (random walk) or `live` (needs the `quoteApiKey` secret). @default "simulated" */
  quoteSource: "simulated" | "live";
  /**
   * `yahoo` (daily bars from Yahoo through yahoo-finance2) or `simulated` (bars from the same
   * seeded model as the simulated ticks, for machines without internet). @default "yahoo"
   */
  batchSource: BatchSource;
  sink: SinkSettings;
}

export interface LocalSettings {
  /** Host address that published ports bind to. @default "127.0.0.1" */
  bindAddress: string;
  /** Host ports. @default kafka 29092, s3 9000, s3Console 9001, sparkUi 8080, airflowUi 8081, metrics 9464, dashboard 8090 */
  ports: { kafka: number; s3: number; s3Console: number; sparkUi: number; airflowUi: number; metrics: number; dashboard: number };
  /** Docker engine to talk to. @default the Docker provider's own default (DOCKER_HOST or the local socket) */
  dockerHost?: string;
}

export interface CloudSettings {
  /** AWS region. @default "us-east-1" */
  region: string;
  /** Namespace of every Kubernetes object. @default "market-data" */
  namespace: string;
  /**
   * The cluster's IAM OIDC provider, for IAM roles of service accounts (IRSA), e.g.
   * `arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC`. Required.
   */
  oidcProviderArn: string;
  /** Storage class of broker and Postgres volumes. @default "gp3" */
  storageClass: string;
  /** Strimzi operator chart version (1.2.0 runs Kafka 4.2 and 4.3). @default "1.2.0" */
  strimziChartVersion: string;
  /** Apache Airflow chart version. @default "1.22.0" */
  airflowChartVersion: string;
  /**
   * Where the pods that call the Kubernetes API reach it (the namespace denies all other egress).
   * Narrow it to the cluster's API endpoint addresses. @default ["0.0.0.0/0"] (without the metadata endpoint)
   */
  kubernetesApiCidrs: string[];
}

export interface SnowflakeSettings {
  /** Organization name of the account. Required when Snowflake is enabled. */
  organization: string;
  /** Account name within the organization. Required when Snowflake is enabled. */
  account: string;
  /** User Pulumi authenticates as (key-pair); the private key is the `snowflakePrivateKey` secret. */
  user: string;
  /** Role Pulumi uses to create objects. @default "SYSADMIN" */
  adminRole: string;
  /** Database name. @default "MARKET_DATA" */
  database: string;
  /** Warehouse size. @default "XSMALL" */
  warehouseSize: "XSMALL" | "SMALL" | "MEDIUM" | "LARGE";
  /** Seconds of idleness before the warehouse suspends. @default 60 */
  autoSuspendSeconds: number;
}

/** Secrets a stack may need; each is set with `pulumi config set --secret <key>`. */
export const SECRET_KEYS = ["kubeconfig", "snowflakePrivateKey", "quoteApiKey"] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];

/** The validated config of one stack, with every default applied. */
export interface PlatformSettings {
  project: string;
  stack: string;
  target: Target;
  /** Prefix of every resource's name. @default "mdp" */
  namePrefix: string;
  images: ImageSettings;
  build: BuildSettings;
  kafka: KafkaSettings;
  spark: SparkSettings;
  airflow: AirflowSettings;
  storage: StorageSettings;
  functions: FunctionsSettings;
  /** Present on `local` stacks. */
  local?: LocalSettings;
  /** Present on `cloud` stacks. */
  cloud?: CloudSettings;
  /** Present when Snowflake is enabled (`snowflake.enabled`, default true on `cloud`). */
  snowflake?: SnowflakeSettings;
  /** Which secrets the stack needs (and, after loading, has). */
  requiredSecrets: SecretKey[];
}
