import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ENV, LOADED_TABLES, FUNCTION_COMMANDS, TOPICS, ZONES } from "../contract";
import { AIRFLOW_WORKER_SERVICE_ACCOUNT, KubernetesAirflow, connectionsFile, connectionsFileEnv, dagVariables } from "../infra/airflow";
import type { PlatformSettings, StackSecrets } from "../infra/config";
import { KubernetesFunctions, SINK_GROUP_ID, batchProducerEnv, functionKafkaUsers, portForwardCommand } from "../infra/functions";
import { CLIENT_LISTENER_PORT, StrimziKafka, kafkaVersionOf, type KafkaUserSpec } from "../infra/kafka";
import { NamespacePolicies, RESTRICTED_POD_SECURITY, envVars, platformLabels, restrictedContainerSecurity, serviceAccountRole, type WorkloadRole } from "../infra/kubernetes";
import { SnowflakeWarehouse, snowflakeNames, snowflakeProvider } from "../infra/snowflake";
import { EcrImages } from "../infra/images";
import { KubernetesSpark, SPARK_KAFKA_USER, SPARK_SERVICE_ACCOUNT, jobEnv } from "../infra/spark";
import { S3Zones, zonePolicyStatements, type ZoneUser } from "../infra/storage";
import { whenPresent } from "../infra/outputs";
import { AIRFLOW_KAFKA_USER, airflowKafkaFiles, kubernetesDagRunner, snowflakeConnection, snowflakeLanding } from "./dags";
import { PROGRAM_DIR, REPO_ROOT, type PlatformOutputs } from "./outputs";

/** The platform on AWS (S3, ECR, IAM), a Kubernetes cluster (Kafka, Spark, Airflow, functions) and Snowflake. */
export function cloudPlatform(s: PlatformSettings, secrets: StackSecrets, cloud: NonNullable<PlatformSettings["cloud"]>): PlatformOutputs {
  const prefix = `${s.namePrefix}-${s.stack}`;
  const tags = { "market-data.platform/project": s.project, "market-data.platform/stack": s.stack, "managed-by": "pulumi" };
  const awsProvider = new aws.Provider(`${prefix}-aws`, { region: cloud.region as aws.Region, defaultTags: { tags } });
  const k8sProvider = new k8s.Provider(`${prefix}-k8s`, { kubeconfig: secrets.kubeconfig!, namespace: cloud.namespace });
  const withAws: pulumi.ComponentResourceOptions = { providers: [awsProvider] };
  const labels = platformLabels("market-data-platform", s.stack);
  const namespace = new k8s.core.v1.Namespace(
    `${prefix}-namespace`,
    {
      metadata: {
        name: cloud.namespace,
        labels: { ...labels, ...RESTRICTED_POD_SECURITY },
      },
    },
    { provider: k8sProvider },
  );
  const ns = namespace.metadata.name;
  const inCluster: pulumi.ComponentResourceOptions = { providers: [k8sProvider, awsProvider], dependsOn: [namespace] };

  const zones = new S3Zones(`${prefix}-storage`, { settings: s.storage, tags }, withAws);
  const images = new EcrImages(
    `${prefix}-images`,
    { root: REPO_ROOT, workDir: PROGRAM_DIR, network: s.build.network, prefix, baseImages: { functions: s.images.node, spark: s.images.spark, airflow: s.images.airflow, postgres: s.images.postgres } },
    withAws,
  );
  const bucketArns = pulumi.all(zones.arns);
  /** The bucket role of one workload, trusted by the service account its component creates. */
  const roleFor = (user: ZoneUser, serviceAccount: string): WorkloadRole => ({
    serviceAccount,
    arn: serviceAccountRole(
      `${prefix}-${user}-role`,
      { oidcProviderArn: cloud.oidcProviderArn, namespace: cloud.namespace, serviceAccount, statements: whenPresent(bucketArns, (arns) => zonePolicyStatements(user, arns)), tags },
      { provider: awsProvider },
    ).arn,
  });

  const users: KafkaUserSpec[] = [
    ...functionKafkaUsers(),
    SPARK_KAFKA_USER,
    // The daily DAG's wait reads the sink group's committed offsets of the batch topic.
    { name: AIRFLOW_KAFKA_USER, write: [], read: [TOPICS.batch], group: SINK_GROUP_ID },
  ];
  const kafka = new StrimziKafka(
    `${prefix}-kafka`,
    { namespace: ns, settings: s.kafka, version: kafkaVersionOf(s.images.kafka), chartVersion: cloud.strimziChartVersion, storageClass: cloud.storageClass, users, labels },
    inCluster,
  );
  new NamespacePolicies(
    `${prefix}-network`,
    { namespace: ns, labels, kafkaCluster: kafka.clusterName, kafkaClientPort: CLIENT_LISTENER_PORT, kubernetesApiCidrs: cloud.kubernetesApiCidrs },
    inCluster,
  );
  const sparkJobEnv = { ...jobEnv({ kafkaBootstrap: kafka.bootstrapInternal, bucketNames: zones.bucketNames }), [ENV.s3Region]: cloud.region };

  const spark = new KubernetesSpark(
    `${prefix}-spark`,
    {
      image: images.refs.spark,
      namespace: ns,
      settings: s.spark,
      role: roleFor("spark", SPARK_SERVICE_ACCOUNT),
      env: envVars(sparkJobEnv),
      kafkaUser: { name: SPARK_KAFKA_USER.name, secret: kafka.userSecrets[SPARK_KAFKA_USER.name]! },
      kafkaCaSecret: kafka.caSecretName,
      labels,
    },
    { ...inCluster, dependsOn: [namespace, kafka.ready] },
  );

  const names = s.snowflake ? snowflakeNames(s.snowflake.database, s.namePrefix, s.stack) : undefined;
  const batchEnv = batchProducerEnv(s.functions, { kafkaBootstrap: kafka.bootstrapInternal, s3Region: cloud.region, rawBucket: zones.bucketNames.raw });
  const kafkaSecrets = { caSecret: kafka.caSecretName, users: kafka.userSecrets };
  const dagRunner = kubernetesDagRunner({
    namespace: ns,
    labels,
    functionsImage: images.refs.functions,
    sparkImage: images.refs.spark,
    functions: s.functions,
    batchEnv,
    kafkaSecrets,
    sparkMaster: spark.masterUrl,
    sparkEnv: envVars(sparkJobEnv),
    sparkServiceAccount: spark.serviceAccountName,
    sparkConfSecret: spark.confSecretName,
  });
  const dagEnv = dagVariables({
    runner: { ...dagRunner, sidecar_security_context: restrictedContainerSecurity() },
    bucketNames: zones.bucketNames,
    sinkGroup: SINK_GROUP_ID,
    batchSymbols: s.functions.batchSymbols,
    realtimeSymbols: s.functions.symbols,
    snowflakeLanding: s.snowflake ? snowflakeLanding(["daily_metrics"]) : undefined,
  });
  const kafkaFiles = airflowKafkaFiles(kafka.userSecrets[AIRFLOW_KAFKA_USER]!, kafka.caSecretName);
  const dagConnections = connectionsFile({
    kafka: { conn_type: "kafka", extra: { "bootstrap.servers": kafka.bootstrapInternal, ...kafkaFiles.extra } },
    // The worker's service account has the task role (IRSA): no key in the connection.
    s3: { conn_type: "aws", extra: { region_name: cloud.region } },
    ...(s.snowflake && names ? { snowflake: snowflakeConnection(s.snowflake, names, secrets.snowflakeLoaderPrivateKey!) } : {}),
  });
  const airflow = new KubernetesAirflow(
    `${prefix}-airflow`,
    {
      namespace: ns,
      settings: s.airflow,
      chartVersion: cloud.airflowChartVersion,
      image: { repository: images.repositories.airflow.repositoryUrl, tag: images.tags.airflow, baseImage: s.images.airflow },
      postgresImage: images.refs.postgres,
      storageClass: cloud.storageClass,
      env: envVars({ ...sparkJobEnv, [ENV.sparkMasterUrl]: spark.masterUrl, ...dagEnv, ...connectionsFileEnv() }),
      taskRole: roleFor("airflow", AIRFLOW_WORKER_SERVICE_ACCOUNT),
      labels,
      dagConnections,
      files: kafkaFiles,
    },
    // The chart pulls the image by tag, which carries no dependency on the push.
    { ...inCluster, dependsOn: [namespace, images] },
  );

  const functions = new KubernetesFunctions(
    `${prefix}-functions`,
    {
      image: images.refs.functions,
      namespace: ns,
      settings: s.functions,
      wiring: { kafkaBootstrap: kafka.bootstrapInternal, s3Region: cloud.region, rawBucket: zones.bucketNames.raw },
      kafkaSecrets: { caSecret: kafka.caSecretName, users: kafka.userSecrets },
      kafkaClusterName: kafka.clusterName,
      sinkRole: roleFor("sink", FUNCTION_COMMANDS.sink),
      quoteApiKey: secrets.quoteApiKey,
      labels,
      dependsOn: [kafka.ready],
    },
    inCluster,
  );

  let warehouse: SnowflakeWarehouse | undefined;
  if (s.snowflake) {
    const sf = s.snowflake;
    const sfProvider = snowflakeProvider(`${prefix}-snowflake`, sf, secrets.snowflakePrivateKey!);
    const identity = aws.getCallerIdentityOutput({}, { provider: awsProvider });
    warehouse = new SnowflakeWarehouse(
      `${prefix}-snowflake`,
      {
        settings: sf,
        names: names!,
        tables: Object.values(LOADED_TABLES),
        loaderPrivateKey: secrets.snowflakeLoaderPrivateKey!,
        landing: { bucket: zones.buckets.processed, accountId: identity.accountId, roleName: `${prefix}-snowflake-s3`, pipedTables: [LOADED_TABLES.daily_metrics], tags },
      },
      { providers: [sfProvider, awsProvider] },
    );
  }

  return {
    target: s.target,
    kafka: { bootstrapInternal: kafka.bootstrapInternal, topics: Object.values(TOPICS) },
    spark: { masterUrl: spark.masterUrl, uiUrl: spark.uiUrl },
    airflow: { uiUrl: airflow.uiUrl, adminUser: airflow.adminUser, adminPassword: airflow.adminPassword },
    objectStore: {
      endpoint: pulumi.output(`https://s3.${cloud.region}.amazonaws.com`),
      buckets: Object.fromEntries(ZONES.map((z) => [z, zones.bucketNames[z]])) as PlatformOutputs["objectStore"]["buckets"],
    },
    dashboard: { url: functions.dashboardUrl, portForward: portForwardCommand(cloud.namespace) },
    snowflake: warehouse ? { database: warehouse.database, pipes: warehouse.pipes, storageIntegration: warehouse.integration } : undefined,
    images: images.refs,
  };
}
