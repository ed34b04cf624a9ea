import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ENV, LOADED_TABLES, TOPICS, ZONES } from "../contract";
import { DockerAirflow, connectionEnv, dagVariables, dockerApiUrl, engineSocketPath } from "../infra/airflow";
import type { PlatformSettings, StackSecrets } from "../infra/config";
import type { LocalPlacement } from "../infra/docker";
import { DockerFunctions, SINK_GROUP_ID, batchProducerEnv, type FunctionWiring } from "../infra/functions";
import { LocalImages } from "../infra/images";
import { DockerKafka } from "../infra/kafka";
import { SnowflakeWarehouse, snowflakeNames, snowflakeProvider } from "../infra/snowflake";
import { DockerSpark, SPARK_MASTER_ALIAS, jobEnv, masterUrl } from "../infra/spark";
import { DockerObjectStore } from "../infra/storage";
import { dockerDagRunner, snowflakeConnection, snowflakeLanding } from "./dags";
import { PROGRAM_DIR, REPO_ROOT, type PlatformOutputs } from "./outputs";

/** The platform on one Docker engine: one network, named volumes, ports on the bind address. */
export function localPlatform(s: PlatformSettings, secrets: StackSecrets, local: NonNullable<PlatformSettings["local"]>): PlatformOutputs {
  const prefix = `${s.namePrefix}-${s.stack}`;
  const provider = new docker.Provider(`${prefix}-docker`, local.dockerHost ? { host: local.dockerHost } : {});
  const opts: pulumi.ComponentResourceOptions = { providers: [provider] };
  const labels = { "market-data.platform/project": s.project, "market-data.platform/stack": s.stack };
  const network = new docker.Network(`${prefix}-network`, { name: prefix, driver: "bridge", labels: Object.entries(labels).map(([label, value]) => ({ label, value })) }, { provider });
  const placement: LocalPlacement = { network: network.name, bindAddress: local.bindAddress, labels };

  const images = new LocalImages(
    `${prefix}-images`,
    { root: REPO_ROOT, workDir: PROGRAM_DIR, network: s.build.network, prefix: s.namePrefix, baseImages: { functions: s.images.node, spark: s.images.spark, airflow: s.images.airflow, postgres: s.images.postgres } },
    opts,
  );
  const kafka = new DockerKafka(`${prefix}-kafka`, { image: s.images.kafka, settings: s.kafka, placement, hostPort: local.ports.kafka }, opts);
  const storage = new DockerObjectStore(
    `${prefix}-storage`,
    { image: s.images.objectStore, settings: s.storage, placement, ports: { api: local.ports.s3, console: local.ports.s3Console }, functionsImage: images.refs.functions },
    opts,
  );
  const s3Credentials = { accessKeyId: storage.accessKeyId, secretAccessKey: storage.secretAccessKey };
  const platformEnv = {
    ...jobEnv({ kafkaBootstrap: kafka.bootstrapInternal, s3Endpoint: storage.endpointInternal, bucketNames: storage.bucketNames, sparkMaster: masterUrl(SPARK_MASTER_ALIAS) }),
    [ENV.awsAccessKeyId]: storage.accessKeyId,
  };
  const platformSecretEnv = { [ENV.awsSecretAccessKey]: storage.secretAccessKey };

  const ready = [kafka.ready, storage.ready];
  const spark = new DockerSpark(
    `${prefix}-spark`,
    { image: images.refs.spark, settings: s.spark, placement, uiPort: local.ports.sparkUi, env: platformEnv, secretEnv: platformSecretEnv, dependsOn: ready },
    opts,
  );
  const wiring: FunctionWiring = { kafkaBootstrap: kafka.bootstrapInternal, s3Endpoint: storage.endpointInternal, s3Region: "us-east-1", rawBucket: storage.bucketNames.raw };
  // The DAGs' tasks run our images on the same engine and network; Snowflake's load is skipped, visibly, without Snowflake.
  const dagEnv = dagVariables({
    runner: dockerDagRunner({
      functionsImage: images.refs.functions,
      sparkImage: images.refs.spark,
      network: network.name,
      sparkMaster: masterUrl(SPARK_MASTER_ALIAS),
      batchEnv: batchProducerEnv(s.functions, wiring),
      sparkEnv: platformEnv,
      dockerUrl: dockerApiUrl(),
    }),
    bucketNames: storage.bucketNames,
    sinkGroup: SINK_GROUP_ID,
    batchSymbols: s.functions.batchSymbols,
    realtimeSymbols: s.functions.symbols,
    snowflakeLanding: s.snowflake ? snowflakeLanding([]) : undefined,
  });
  const dagConnections = connectionEnv({
    kafka: { conn_type: "kafka", extra: { "bootstrap.servers": kafka.bootstrapInternal } },
    s3: { conn_type: "aws", login: storage.accessKeyId, password: storage.secretAccessKey, extra: { endpoint_url: storage.endpointInternal, region_name: wiring.s3Region } },
    ...(s.snowflake ? { snowflake: snowflakeConnection(s.snowflake, snowflakeNames(s.snowflake.database, s.namePrefix, s.stack), secrets.snowflakeLoaderPrivateKey!) } : {}),
  });
  const airflow = new DockerAirflow(
    `${prefix}-airflow`,
    {
      image: images.refs.airflow,
      postgresImage: images.refs.postgres,
      settings: s.airflow,
      placement,
      uiPort: local.ports.airflowUi,
      env: { ...platformEnv, ...dagEnv },
      secretEnv: { ...platformSecretEnv, ...dagConnections },
      dependsOn: ready,
      dockerApi: { image: s.images.dockerApiProxy, socketPath: engineSocketPath(local.dockerHost), socketGid: local.dockerSocketGid },
    },
    opts,
  );
  const functions = new DockerFunctions(
    `${prefix}-functions`,
    {
      image: images.refs.functions,
      settings: s.functions,
      placement,
      wiring,
      s3Credentials,
      quoteApiKey: secrets.quoteApiKey,
      metricsPort: local.ports.metrics,
      dashboardPort: local.ports.dashboard,
      dependsOn: ready,
    },
    opts,
  );

  // Without an S3 bucket to load from, a local stack gets the tables and roles but no stage or pipe.
  const warehouse = s.snowflake
    ? new SnowflakeWarehouse(
        `${prefix}-snowflake`,
        { settings: s.snowflake, names: snowflakeNames(s.snowflake.database, s.namePrefix, s.stack), tables: Object.values(LOADED_TABLES), loaderPrivateKey: secrets.snowflakeLoaderPrivateKey! },
        { providers: [snowflakeProvider(`${prefix}-snowflake`, s.snowflake, secrets.snowflakePrivateKey!)] },
      )
    : undefined;

  return {
    target: s.target,
    kafka: { bootstrapInternal: kafka.bootstrapInternal, bootstrapHost: kafka.bootstrapHost, topics: Object.values(TOPICS) },
    spark: { masterUrl: spark.masterUrl, uiUrl: spark.uiUrl },
    airflow: { uiUrl: airflow.uiUrl, adminUser: airflow.adminUser, adminPassword: airflow.adminPassword },
    objectStore: {
      endpoint: storage.endpointInternal,
      endpointHost: storage.endpointHost,
      buckets: Object.fromEntries(ZONES.map((z) => [z, storage.bucketNames[z]])) as PlatformOutputs["objectStore"]["buckets"],
      accessKeyId: storage.accessKeyId,
      secretAccessKey: storage.secretAccessKey,
    },
    dashboard: { url: functions.dashboardUrl },
    snowflake: warehouse ? { database: warehouse.database, pipes: warehouse.pipes } : undefined,
    images: images.refs,
  };
}
