import type { AirflowSettings } from "../airflow/settings";
import type { FunctionsSettings, SinkDeploymentSettings } from "../functions/settings";
import type { KafkaClusterSettings } from "../kafka/settings";
import type { SnowflakeSettings } from "../snowflake/settings";
import type { SparkSettings } from "../spark/settings";
import type { StorageSettings } from "../storage/settings";
import type { ImageSettings } from "./images";

export type { AirflowSettings, FunctionsSettings, KafkaClusterSettings, SinkDeploymentSettings, SnowflakeSettings, SparkSettings, StorageSettings };

/** Where a stack runs. Chosen once, from `target`; nothing below the stack asks again. */
export type Target = "local" | "cloud";

export interface BuildSettings {
  /**
   * Docker network of the image builds' RUN steps, e.g. `host` on an engine without a default
   * bridge (`npm ci` in the functions image needs a network). @default the engine's default bridge
   */
  network?: string;
}

export interface LocalSettings {
  /** Host address that published ports bind to. @default "127.0.0.1" */
  bindAddress: string;
  /** Host ports. @default kafka 29092, s3 9000, s3Console 9001, sparkUi 8080, airflowUi 8081, metrics 9464, dashboard 8090 */
  ports: { kafka: number; s3: number; s3Console: number; sparkUi: number; airflowUi: number; metrics: number; dashboard: number };
  /** Docker engine to talk to. @default the Docker provider's own default (DOCKER_HOST or the local socket) */
  dockerHost?: string;
  /**
   * Group id owning the engine's socket (`stat -c %g /var/run/docker.sock`): the Docker API proxy
   * runs as a non-root user of that group. @default 999 (the `docker` group Debian's package and
   * Docker's install script usually create)
   */
  dockerSocketGid: number;
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

/** Secrets a stack may need; each is set with `pulumi config set --secret <key>`. */
export const SECRET_KEYS = ["kubeconfig", "snowflakePrivateKey", "snowflakeLoaderPrivateKey", "quoteApiKey"] as const;
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
  kafka: KafkaClusterSettings;
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
