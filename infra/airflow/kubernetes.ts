import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PORTS, STOP_GRACE_SECONDS } from "../../contract";
import { EGRESS_LABELS, KAFKA_CLIENT_LABEL, restrictedContainerSecurity, restrictedPodSecurity, tcp, type WorkloadRole } from "../kubernetes";
import { generateAirflowCredentials } from "./credentials";
import { CONNECTIONS_FILE, CONNECTIONS_MOUNT } from "./dags";
import { AIRFLOW_GID, AIRFLOW_UID, METADATA_DB_ENV, METADATA_DB_USER, POSTGRES_READY_COMMAND, POSTGRES_UID, airflowChartSecretData, airflowConfigValues, metadataConnection, type AirflowSecrets } from "./spec";
import { airflowVersionOf, type AirflowSettings } from "./settings";

export const AIRFLOW_CHART_REPO = "https://airflow.apache.org";

export interface AirflowChartInputs {
  settings: AirflowSettings;
  /** Our Airflow image, split as the chart wants it. */
  repository: pulumi.Input<string>;
  tag: string;
  /** The Airflow release the image runs, e.g. 3.3.2. */
  airflowVersion: string;
  /** Our Secrets the chart mounts or reads; `admin` holds the admin's password (key `password`). */
  secretNames: { metadata: string; fernet: string; apiKey: string; jwt: string; admin: string };
  env: { name: string; value: pulumi.Input<string> }[];
  /** IAM role of the pods that run tasks (reads the processed zone for quality checks); trusts `<release>-worker`. */
  taskRoleArn?: pulumi.Input<string>;
  /** Secret files every Airflow pod mounts (the DAGs' connections file, Kafka's CA and the Airflow user's password). */
  files?: { volumes: k8s.types.input.core.v1.Volume[]; mounts: k8s.types.input.core.v1.VolumeMount[] };
}

/**
 * FAB's settings for the API server, mounted by the chart: left to itself, FAB would write a
 * default file into AIRFLOW_HOME, which is read-only here.
 */
export const API_SERVER_CONFIG = ["from flask_appbuilder.const import AUTH_DB", "", "AUTH_TYPE = AUTH_DB", "WTF_CSRF_ENABLED = True", ""].join("\n");

/** Requests and limits of each Airflow component the chart runs. */
export const AIRFLOW_RESOURCES = {
  apiServer: { requests: { cpu: "250m", memory: "1Gi" }, limits: { cpu: "1", memory: "2Gi" } },
  scheduler: { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "2", memory: "2Gi" } },
  dagProcessor: { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } },
  triggerer: { requests: { cpu: "100m", memory: "512Mi" }, limits: { cpu: "500m", memory: "1Gi" } },
  workers: { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "2", memory: "2Gi" } },
  migrateDatabaseJob: { requests: { cpu: "100m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } },
  createUserJob: { requests: { cpu: "100m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } },
} as const;

/** Our script that makes the admin user exist, in our Airflow image (functions/airflow/ensure_admin.py). */
export const ENSURE_ADMIN_SCRIPT = "/opt/market-data/airflow/ensure_admin.py";
const ADMIN_SECRET_MOUNT = "/run/secrets/airflow-admin";

/**
 * Pods that call the Kubernetes API: the scheduler and the workers launch pods (KubernetesExecutor,
 * tasks as pods), the triggerer watches them, the API server reads their logs. The others get no
 * token at all.
 */
const KUBE_API_COMPONENTS = ["apiServer", "scheduler", "triggerer", "workers"] as const;
/** Pods that run tasks, which reach S3, STS and Snowflake over HTTPS. */
const TASK_COMPONENTS = ["scheduler", "workers"] as const;
/** The triggerer runs the wait for the sink, which asks Kafka for the sink group's offsets. */
const KAFKA_COMPONENTS = ["triggerer"] as const;

/** A component's values: its resources, its labels (what it may reach), and whether it gets an API token. */
function componentValues(component: keyof typeof AIRFLOW_RESOURCES): Record<string, unknown> {
  const kubeApi = (KUBE_API_COMPONENTS as readonly string[]).includes(component);
  const tasks = (TASK_COMPONENTS as readonly string[]).includes(component);
  const kafka = (KAFKA_COMPONENTS as readonly string[]).includes(component);
  return {
    resources: AIRFLOW_RESOURCES[component],
    ...(component === "migrateDatabaseJob" || component === "createUserJob" ? {} : { labels: { ...(kubeApi ? EGRESS_LABELS.kubeApi : {}), ...(tasks ? EGRESS_LABELS.https : {}), ...(kafka ? KAFKA_CLIENT_LABEL : {}) } }),
    serviceAccount: { automountServiceAccountToken: kubeApi },
  };
}

/**
 * Values of the official chart: our own secrets and Postgres, migrations and the admin user as
 * plain Jobs (Pulumi waits for the release, so Helm hooks would never run: the chart documents
 * `useHelmHooks: false` for this case). Every pod meets Pod Security's `restricted` standard with a
 * read-only root (scratch on /tmp, logs on the chart's own volume), bounded resources, and an
 * API token only where the API is called.
 */
export function airflowChartValues(i: AirflowChartInputs): Record<string, unknown> {
  const workers = componentValues("workers");
  const workerAccount = { ...(workers.serviceAccount as object), ...(i.taskRoleArn ? { annotations: { "eks.amazonaws.com/role-arn": i.taskRoleArn } } : {}) };
  return {
    airflowVersion: i.airflowVersion,
    defaultAirflowRepository: i.repository,
    defaultAirflowTag: i.tag,
    images: { airflow: { repository: i.repository, tag: i.tag, pullPolicy: "IfNotPresent" } },
    executor: i.settings.executor,
    redis: { enabled: i.settings.executor === "CeleryExecutor" },
    postgresql: { enabled: false },
    data: { metadataSecretName: i.secretNames.metadata },
    fernetKeySecretName: i.secretNames.fernet,
    apiSecretKeySecretName: i.secretNames.apiKey,
    jwtSecretName: i.secretNames.jwt,
    migrateDatabaseJob: { enabled: true, useHelmHooks: false, ...componentValues("migrateDatabaseJob") },
    // The chart's job would run `airflow users create --password <password>`, the password in the
    // job's spec; ours reads it from the mounted Secret, and follows it when it is rotated.
    createUserJob: {
      enabled: true,
      useHelmHooks: false,
      ...componentValues("createUserJob"),
      // Empty, or the chart's default password ("admin") would show in its install notes.
      defaultUser: { enabled: true, username: i.settings.adminUser, role: "Admin", password: "" },
      args: ["python", ENSURE_ADMIN_SCRIPT],
      env: [
        { name: "AIRFLOW_ADMIN_USERNAME", value: i.settings.adminUser },
        { name: "AIRFLOW_ADMIN_PASSWORD_FILE", value: `${ADMIN_SECRET_MOUNT}/password` },
      ],
      extraVolumes: [{ name: "admin-password", secret: { secretName: i.secretNames.admin, items: [{ key: "password", path: "password" }], defaultMode: 0o440 } }],
      extraVolumeMounts: [{ name: "admin-password", mountPath: ADMIN_SECRET_MOUNT, readOnly: true }],
    },
    dagProcessor: { enabled: true, ...componentValues("dagProcessor") },
    scheduler: componentValues("scheduler"),
    triggerer: componentValues("triggerer"),
    apiServer: {
      ...componentValues("apiServer"),
      apiServerConfig: API_SERVER_CONFIG,
      // Task pods call the API server's execution API; nothing else may reach it (port-forward needs no rule).
      networkPolicy: { ingress: { from: [{ podSelector: { matchLabels: AIRFLOW_POD_SELECTOR } }], ports: [{ port: PORTS.airflowApi }] } },
    },
    // Its metrics are not collected; it would be one more pod with nothing to do.
    statsd: { enabled: false },
    config: airflowConfigValues(),
    env: [...i.env, { name: "PYTHONDONTWRITEBYTECODE", value: "1" }],
    uid: AIRFLOW_UID,
    gid: AIRFLOW_GID,
    // The image's entrypoint requires group 0, which `restricted` allows.
    securityContexts: { pod: restrictedPodSecurity(AIRFLOW_UID, AIRFLOW_GID), containers: restrictedContainerSecurity() },
    volumes: [{ name: "tmp", emptyDir: {} }, ...(i.files?.volumes ?? [])],
    volumeMounts: [{ name: "tmp", mountPath: "/tmp" }, ...(i.files?.mounts ?? [])],
    networkPolicies: { enabled: true },
    // Tasks run in worker pods (the KubernetesExecutor's too), under the worker's service account.
    workers: { ...workers, serviceAccount: workerAccount, securityContexts: { pod: restrictedPodSecurity(AIRFLOW_UID, AIRFLOW_GID), container: restrictedContainerSecurity() } },
  };
}

/**
 * What Airflow's pods reach beyond the namespace's baseline: their database and the API server's
 * execution API (the chart's own policies cover ingress only).
 */
export function airflowEgressPolicySpec(postgresLabels: Record<string, string>): k8s.types.input.networking.v1.NetworkPolicySpec {
  return {
    podSelector: { matchLabels: AIRFLOW_POD_SELECTOR },
    policyTypes: ["Egress"],
    egress: [
      { to: [{ podSelector: { matchLabels: postgresLabels } }], ports: [tcp(PORTS.postgres)] },
      { to: [{ podSelector: { matchLabels: { ...AIRFLOW_POD_SELECTOR, component: "api-server" } } }], ports: [tcp(PORTS.airflowApi)] },
    ],
  };
}

/** Labels of the metadata database's pod: the platform's, and what the policies select it by. */
export function postgresLabels(labels: Record<string, string>): Record<string, string> {
  return { ...labels, "app.kubernetes.io/name": "postgres", "app.kubernetes.io/component": "airflow-metadata" };
}

export function postgresServiceSpec(podLabels: Record<string, string>): k8s.types.input.core.v1.ServiceSpec {
  return { selector: podLabels, ports: [{ name: "postgres", port: PORTS.postgres, targetPort: PORTS.postgres }] };
}

export interface PostgresStatefulSetArgs {
  /** Labels of its pod, from {@link postgresLabels}. */
  labels: Record<string, string>;
  image: pulumi.Input<string>;
  serviceName: pulumi.Input<string>;
  serviceAccountName: pulumi.Input<string>;
  /** Secret holding the database password (key `password`). */
  passwordSecret: pulumi.Input<string>;
  storageClass: string;
}

/**
 * Airflow's metadata database: one Postgres pod under the restricted profile, its password a file
 * from its Secret (no variable holds it), its cluster on a 20 GiB volume, probed with `pg_isready`.
 */
export function postgresStatefulSetSpec(a: PostgresStatefulSetArgs): k8s.types.input.apps.v1.StatefulSetSpec {
  return {
    serviceName: a.serviceName,
    replicas: 1,
    selector: { matchLabels: a.labels },
    template: {
      metadata: { labels: a.labels },
      spec: {
        serviceAccountName: a.serviceAccountName,
        automountServiceAccountToken: false,
        securityContext: restrictedPodSecurity(POSTGRES_UID),
        terminationGracePeriodSeconds: STOP_GRACE_SECONDS,
        containers: [
          {
            name: "postgres",
            image: a.image,
            env: [
              ...Object.entries(METADATA_DB_ENV).map(([name, value]) => ({ name, value })),
              // The image reads the password from the file, so that no variable holds it.
              { name: "POSTGRES_PASSWORD_FILE", value: "/run/secrets/postgres/password" },
              // The volume's root holds lost+found; the cluster lives one level down.
              { name: "PGDATA", value: "/var/lib/postgresql/data/pgdata" },
            ],
            ports: [{ containerPort: PORTS.postgres, name: "postgres" }],
            readinessProbe: { exec: { command: [...POSTGRES_READY_COMMAND] }, periodSeconds: 10 },
            livenessProbe: { exec: { command: ["pg_isready", "-h", "127.0.0.1", "-U", METADATA_DB_USER] }, periodSeconds: 30, failureThreshold: 6 },
            resources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } },
            securityContext: restrictedContainerSecurity(),
            volumeMounts: [
              { name: "data", mountPath: "/var/lib/postgresql/data" },
              { name: "run", mountPath: "/var/run/postgresql" },
              { name: "tmp", mountPath: "/tmp" },
              { name: "password", mountPath: "/run/secrets/postgres", readOnly: true },
            ],
          },
        ],
        volumes: [
          { name: "run", emptyDir: {} },
          { name: "tmp", emptyDir: {} },
          { name: "password", secret: { secretName: a.passwordSecret, items: [{ key: "password", path: "password" }], defaultMode: 0o440 } },
        ],
      },
    },
    volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], storageClassName: a.storageClass, resources: { requests: { storage: "20Gi" } } } }],
  };
}

/** Only Airflow's pods reach the metadata database, and only on its port. */
export function postgresIngressPolicySpec(postgresPodLabels: Record<string, string>): k8s.types.input.networking.v1.NetworkPolicySpec {
  return {
    podSelector: { matchLabels: postgresPodLabels },
    policyTypes: ["Ingress"],
    ingress: [{ from: [{ podSelector: { matchLabels: AIRFLOW_POD_SELECTOR } }], ports: [{ protocol: "TCP", port: PORTS.postgres }] }],
  };
}

/** Names of the Secrets the chart reads, by what they hold. */
export function airflowSecretNames(name: string): AirflowChartInputs["secretNames"] & { connections: string } {
  return { metadata: `${name}-metadata`, fernet: `${name}-fernet`, apiKey: `${name}-api-key`, jwt: `${name}-jwt`, admin: `${name}-admin`, connections: `${name}-connections` };
}

/**
 * What each of the chart's Secrets holds, by the role its name ends with: the shared credentials
 * (`AIRFLOW_SECRETS`), the admin's password, and the DAGs' connections when they have some.
 */
export function airflowSecretData(
  secrets: AirflowSecrets,
  adminPassword: pulumi.Input<string>,
  dagConnections?: pulumi.Input<string>,
): Record<string, Record<string, pulumi.Input<string>>> {
  return {
    ...airflowChartSecretData(secrets),
    admin: { password: adminPassword },
    ...(dagConnections === undefined ? {} : { connections: { [CONNECTIONS_FILE]: dagConnections } }),
  };
}

type SecretFileMounts = { volumes: k8s.types.input.core.v1.Volume[]; mounts: k8s.types.input.core.v1.VolumeMount[] };

/** Files every Airflow pod mounts: the DAGs' connections file from its Secret, when there is one, and the files it names. */
export function airflowSecretFiles(connectionsSecret: string | undefined, files?: SecretFileMounts): SecretFileMounts {
  const connectionFiles: SecretFileMounts = connectionsSecret
    ? {
        volumes: [{ name: "dag-connections", secret: { secretName: connectionsSecret, defaultMode: 0o440 } }],
        mounts: [{ name: "dag-connections", mountPath: CONNECTIONS_MOUNT, readOnly: true }],
      }
    : { volumes: [], mounts: [] };
  return { volumes: [...connectionFiles.volumes, ...(files?.volumes ?? [])], mounts: [...connectionFiles.mounts, ...(files?.mounts ?? [])] };
}

export interface KubernetesAirflowArgs {
  namespace: pulumi.Input<string>;
  settings: AirflowSettings;
  chartVersion: string;
  image: { repository: pulumi.Input<string>; tag: string; baseImage: string };
  /** Postgres image of the metadata database, by digest. */
  postgresImage: pulumi.Input<string>;
  storageClass: string;
  env: { name: string; value: pulumi.Input<string> }[];
  /** The IAM role the pods that run tasks take; its service account must be the chart's worker account, {@link AIRFLOW_WORKER_SERVICE_ACCOUNT}. */
  taskRole?: WorkloadRole;
  labels: Record<string, string>;
  /** The DAGs' connections (JSON, a secret), mounted as a file; Airflow reads them from there. */
  dagConnections?: pulumi.Input<string>;
  /** Secret files the connections name (Kafka's CA, the Airflow Kafka user's password). */
  files?: { volumes: k8s.types.input.core.v1.Volume[]; mounts: k8s.types.input.core.v1.VolumeMount[] };
}

const RELEASE = "airflow";
/** The chart's service account of the pods that run tasks. */
export const AIRFLOW_WORKER_SERVICE_ACCOUNT = `${RELEASE}-worker`;
/** Labels the chart puts on every Airflow pod. */
export const AIRFLOW_POD_SELECTOR = { tier: "airflow", release: RELEASE };

/** What {@link KubernetesAirflow} refuses: a task role that trusts another account than the chart's worker account. */
export function kubernetesAirflowProblems(args: Pick<KubernetesAirflowArgs, "taskRole">): string[] {
  const account = args.taskRole?.serviceAccount;
  return account === undefined || account === AIRFLOW_WORKER_SERVICE_ACCOUNT
    ? []
    : [`\`taskRole.serviceAccount\` must be ${AIRFLOW_WORKER_SERVICE_ACCOUNT}, the chart's account of the pods that run tasks (got "${account}")`];
}

/**
 * Airflow 3 on Kubernetes through the official Helm chart, with its own Postgres (a StatefulSet
 * reachable only from Airflow pods) and every secret generated and held by Pulumi.
 */
export class KubernetesAirflow extends pulumi.ComponentResource {
  readonly uiUrl: pulumi.Output<string>;
  readonly adminUser: pulumi.Output<string>;
  readonly adminPassword: pulumi.Output<string>;

  constructor(name: string, args: KubernetesAirflowArgs, opts?: pulumi.ComponentResourceOptions) {
    super("market-data:airflow:KubernetesAirflow", name, {}, opts);
    const problems = kubernetesAirflowProblems(args);
    if (problems.length > 0) throw new pulumi.ResourceError(problems.join("; "), this);
    const child = { parent: this };
    const credentials = generateAirflowCredentials(name, this);
    const { dbPassword, adminPassword } = credentials;
    const pgLabels = postgresLabels(args.labels);
    const secret = (role: string, data: Record<string, pulumi.Input<string>>) =>
      new k8s.core.v1.Secret(`${name}-${role}`, { metadata: { name: `${name}-${role}`, namespace: args.namespace, labels: args.labels }, type: "Opaque", stringData: data }, child);

    const pgSecret = secret("postgres", { password: dbPassword });
    // Its own account, without a token: Postgres calls no Kubernetes API.
    const pgAccount = new k8s.core.v1.ServiceAccount(
      `${name}-postgres`,
      { metadata: { name: `${name}-postgres`, namespace: args.namespace, labels: pgLabels }, automountServiceAccountToken: false },
      child,
    );
    const pgService = new k8s.core.v1.Service(`${name}-postgres`, { metadata: { name: `${name}-postgres`, namespace: args.namespace, labels: pgLabels }, spec: postgresServiceSpec(pgLabels) }, child);
    const pgHost = pulumi.interpolate`${pgService.metadata.name}.${pgService.metadata.namespace}.svc`;
    const postgres = new k8s.apps.v1.StatefulSet(
      `${name}-postgres`,
      {
        metadata: { name: `${name}-postgres`, namespace: args.namespace, labels: pgLabels },
        spec: postgresStatefulSetSpec({
          labels: pgLabels,
          image: args.postgresImage,
          serviceName: pgService.metadata.name,
          serviceAccountName: pgAccount.metadata.name,
          passwordSecret: pgSecret.metadata.name,
          storageClass: args.storageClass,
        }),
      },
      child,
    );
    new k8s.networking.v1.NetworkPolicy(
      `${name}-postgres-from-airflow`,
      { metadata: { name: `${name}-postgres-from-airflow`, namespace: args.namespace, labels: args.labels }, spec: postgresIngressPolicySpec(pgLabels) },
      child,
    );
    new k8s.networking.v1.NetworkPolicy(
      `${name}-egress`,
      { metadata: { name: `${name}-egress`, namespace: args.namespace, labels: args.labels }, spec: airflowEgressPolicySpec(pgLabels) },
      child,
    );

    const { connections, ...secretNames } = airflowSecretNames(name);
    const shared: AirflowSecrets = {
      // The chart reads a plain postgresql:// URL (it adds the driver itself).
      connection: metadataConnection(dbPassword, pgHost, "postgresql"),
      fernetKey: credentials.fernetKey,
      jwtSecret: credentials.jwtSecret,
      apiSecretKey: credentials.apiSecretKey,
    };
    const secrets = Object.entries(airflowSecretData(shared, adminPassword, args.dagConnections)).map(([role, data]) => secret(role, data));
    const files = airflowSecretFiles(args.dagConnections === undefined ? undefined : connections, args.files);
    const release = new k8s.helm.v3.Release(
      `${name}-release`,
      {
        name: RELEASE,
        chart: "airflow",
        version: args.chartVersion,
        repositoryOpts: { repo: AIRFLOW_CHART_REPO },
        namespace: args.namespace,
        timeout: 1200,
        values: airflowChartValues({
          settings: args.settings,
          repository: args.image.repository,
          tag: args.image.tag,
          airflowVersion: airflowVersionOf(args.image.baseImage),
          secretNames,
          env: args.env,
          taskRoleArn: args.taskRole?.arn,
          files,
        }),
      },
      { parent: this, dependsOn: [postgres, ...secrets] },
    );
    this.uiUrl = pulumi.interpolate`http://${release.status.name}-api-server.${release.status.namespace}.svc:${PORTS.airflowApi}`;
    this.adminUser = pulumi.output(args.settings.adminUser);
    this.adminPassword = adminPassword;
    this.registerOutputs({ uiUrl: this.uiUrl, adminUser: this.adminUser });
  }
}
