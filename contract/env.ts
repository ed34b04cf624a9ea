import type { Zone } from "./zones";

/**
 * Environment variables through which the platform configures its functions. The infra sets them,
 * the functions read them: neither side retypes a name.
 */
export const ENV = {
  kafkaBrokers: "KAFKA_BROKERS",
  kafkaClientId: "KAFKA_CLIENT_ID",
  kafkaSsl: "KAFKA_SSL",
  kafkaSaslMechanism: "KAFKA_SASL_MECHANISM",
  kafkaUsername: "KAFKA_USERNAME",
  kafkaPassword: "KAFKA_PASSWORD",
  kafkaAcks: "KAFKA_ACKS",
  s3Endpoint: "S3_ENDPOINT",
  s3Region: "S3_REGION",
  s3ForcePathStyle: "S3_FORCE_PATH_STYLE",
  awsAccessKeyId: "AWS_ACCESS_KEY_ID",
  awsSecretAccessKey: "AWS_SECRET_ACCESS_KEY",
  rawBucket: "RAW_BUCKET",
  processedBucket: "PROCESSED_BUCKET",
  realtimeBucket: "REALTIME_BUCKET",
  checkpointsBucket: "CHECKPOINTS_BUCKET",
  /** PEM file of the CA that signs the brokers' certificates (the Spark jobs' truststore). */
  kafkaCaFile: "KAFKA_CA_FILE",
  /** Master the Spark jobs (and the DAGs that submit them) run on, e.g. spark://spark-master:7077. */
  sparkMasterUrl: "SPARK_MASTER_URL",
  /** How far behind the newest tick a late tick is still counted in its window (a Spark interval). */
  tickWindowsWatermark: "TICK_WINDOWS_WATERMARK",
  /** How often the streaming job starts a micro-batch (a Spark interval). */
  tickWindowsTrigger: "TICK_WINDOWS_TRIGGER",
  symbols: "SYMBOLS",
  tickIntervalMs: "TICK_INTERVAL_MS",
  simulationSeed: "SIMULATION_SEED",
  quoteSource: "QUOTE_SOURCE",
  quoteApiKey: "QUOTE_API_KEY",
  /** Intervals the realtime producer emits before exiting (tests, backfill); unset runs until SIGTERM. */
  maxTicks: "MAX_TICKS",
  batchSymbols: "BATCH_SYMBOLS",
  /** `yahoo` or `simulated` (the realtime producer's model, seeded by `SIMULATION_SEED`). */
  batchSource: "BATCH_SOURCE",
  batchFrom: "BATCH_FROM",
  batchTo: "BATCH_TO",
  batchFetchAttempts: "BATCH_FETCH_ATTEMPTS",
  /** Where the batch producer also writes its final summary (bars per symbol, end offsets), e.g. a pod's XCom file. */
  batchSummaryFile: "BATCH_SUMMARY_FILE",
  sinkGroupId: "SINK_GROUP_ID",
  sinkFlushRecords: "SINK_FLUSH_RECORDS",
  sinkFlushBytes: "SINK_FLUSH_BYTES",
  sinkFlushIntervalMs: "SINK_FLUSH_INTERVAL_MS",
  sinkFlushIdleMsRealtime: "SINK_FLUSH_IDLE_MS_REALTIME",
  sinkFlushIdleMsBatch: "SINK_FLUSH_IDLE_MS_BATCH",
  sinkMaxBufferedBytes: "SINK_MAX_BUFFERED_BYTES",
  sinkHandoverDelayMs: "SINK_HANDOVER_DELAY_MS",
  sinkS3RequestTimeoutMs: "SINK_S3_REQUEST_TIMEOUT_MS",
  sinkShutdownGraceMs: "SINK_SHUTDOWN_GRACE_MS",
  sinkSessionTimeoutMs: "SINK_SESSION_TIMEOUT_MS",
  sinkValidationThread: "SINK_VALIDATION_THREAD",
  /** Port of the dashboard's page and event stream. */
  dashboardPort: "DASHBOARD_PORT",
  dashboardGroupId: "DASHBOARD_GROUP_ID",
  /** Functions whose /metrics and /readyz the dashboard reads: `name=http://host:port,...`. */
  dashboardTargets: "DASHBOARD_TARGETS",
  dashboardScrapeIntervalMs: "DASHBOARD_SCRAPE_INTERVAL_MS",
  dashboardScrapeTimeoutMs: "DASHBOARD_SCRAPE_TIMEOUT_MS",
  dashboardWindowMinutes: "DASHBOARD_WINDOW_MINUTES",
  dashboardMaxClients: "DASHBOARD_MAX_CLIENTS",
  dashboardClientBufferBytes: "DASHBOARD_CLIENT_BUFFER_BYTES",
  /** Folder of the page built at image build time (index.html, app.js, app.css). */
  dashboardAssetsDir: "DASHBOARD_ASSETS_DIR",
  metricsPort: "METRICS_PORT",
  logLevel: "LOG_LEVEL",
} as const;

export type EnvName = (typeof ENV)[keyof typeof ENV];

/** The variable that names each zone's bucket. */
export const ZONE_BUCKET_ENV: Record<Zone, EnvName> = {
  raw: ENV.rawBucket,
  processed: ENV.processedBucket,
  realtime: ENV.realtimeBucket,
  checkpoints: ENV.checkpointsBucket,
};

/**
 * How long the sink may take, after SIGTERM, to write and commit what it buffered
 * (`SINK_SHUTDOWN_GRACE_MS`'s default). Orchestrators give every service longer than this.
 */
export const DEFAULT_SHUTDOWN_GRACE_MS = 30_000;

/** What an orchestrator waits between SIGTERM and SIGKILL (Docker's stop timeout, a pod's grace period). */
export const STOP_GRACE_SECONDS = Math.ceil(DEFAULT_SHUTDOWN_GRACE_MS / 1000) + 15;

/** Variables of the one-shot `ensure-buckets` job that creates the buckets on the local target. */
export const INIT_ENV = {
  /** JSON list of bucket names. */
  buckets: "INIT_BUCKETS",
  /** Whether the buckets keep every version of their objects. */
  versioning: "INIT_VERSIONING",
} as const;
