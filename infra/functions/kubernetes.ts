import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ENV, FUNCTION_COMMANDS, PORTS, STOP_GRACE_SECONDS, type FunctionCommand } from "../../contract";
import type { FunctionsSettings } from "./settings";
import { EGRESS_LABELS, KAFKA_CLIENT_FILES, KAFKA_CLIENT_LABEL, envVars, kafkaClientFiles, restrictedContainerSecurity, restrictedPodSecurity, workloadRoleAnnotations, type WorkloadRole } from "../kubernetes";
import { DASHBOARD, dashboardEnv, dashboardNetworkPolicySpec, dashboardPodLabels, dashboardPodSpec, kubernetesDashboardTargets, metricsServiceName } from "./dashboard";
import { FUNCTION_POD_UID, realtimeProducerEnv, sinkEnv, type FunctionEnv, type FunctionWiring } from "./spec";

type EnvVar = k8s.types.input.core.v1.EnvVar;
type PodSpec = k8s.types.input.core.v1.PodSpec;
type Volume = k8s.types.input.core.v1.Volume;
type VolumeMount = k8s.types.input.core.v1.VolumeMount;

const QUOTE_API_MOUNT = "/etc/quote-api";

export interface KafkaClientSecrets {
  /** Secret with the cluster CA certificate (`ca.crt`). */
  caSecret: pulumi.Input<string>;
  /** Secret of each function's Kafka user (key `password`), by function. */
  users: Partial<Record<FunctionCommand, pulumi.Input<string>>>;
}

/** Files a pod gets from Secrets, and the variables that name them. */
export interface SecretFiles {
  env: EnvVar[];
  volumes: Volume[];
  mounts: VolumeMount[];
}

/**
 * A function's Kafka settings: its user's SCRAM credentials over TLS, Node's trust in the cluster
 * CA. The password is a file from the user's Secret, never a variable (`env` listings, crash dumps).
 */
export function kafkaSecurity(fn: FunctionCommand, secrets: KafkaClientSecrets): SecretFiles {
  const userSecret = secrets.users[fn];
  if (userSecret === undefined) throw new Error(`no Kafka user was declared for the function ${fn}`);
  return {
    env: [
      { name: ENV.kafkaSsl, value: "true" },
      { name: "NODE_EXTRA_CA_CERTS", value: KAFKA_CLIENT_FILES.ca },
      { name: ENV.kafkaSaslMechanism, value: "scram-sha-512" },
      { name: ENV.kafkaUsername, value: fn },
      { name: `${ENV.kafkaPassword}_FILE`, value: KAFKA_CLIENT_FILES.password },
    ],
    ...kafkaClientFiles(userSecret, secrets.caSecret),
  };
}

/** The live quote source's API key, as a file from its Secret (key `apiKey`). */
export function quoteApiKeyFile(secretName: pulumi.Input<string>): SecretFiles {
  return {
    env: [{ name: `${ENV.quoteApiKey}_FILE`, value: `${QUOTE_API_MOUNT}/apiKey` }],
    volumes: [{ name: "quote-api", secret: { secretName, items: [{ key: "apiKey", path: "apiKey" }], defaultMode: 0o440 } }],
    mounts: [{ name: "quote-api", mountPath: QUOTE_API_MOUNT, readOnly: true }],
  };
}

export interface FunctionPodArgs {
  image: pulumi.Input<string>;
  command: FunctionCommand;
  env: FunctionEnv;
  secrets: KafkaClientSecrets;
  serviceAccountName: pulumi.Input<string>;
  /** Other credentials as files (e.g. the live quote API key). */
  secretFiles?: SecretFiles;
  restartPolicy?: "Always" | "OnFailure" | "Never";
}

/**
 * The pod of one function: non-root, read-only root, no service-account token (no function calls
 * the Kubernetes API; IRSA mounts its own token), credentials as files, probes on its /healthz and
 * /readyz, bounded resources.
 */
export function functionPodSpec(a: FunctionPodArgs): PodSpec {
  const longRunning = (a.restartPolicy ?? "Always") === "Always";
  const kafka = kafkaSecurity(a.command, a.secrets);
  const files = [kafka, ...(a.secretFiles ? [a.secretFiles] : [])];
  return {
    serviceAccountName: a.serviceAccountName,
    automountServiceAccountToken: false,
    securityContext: restrictedPodSecurity(FUNCTION_POD_UID),
    restartPolicy: a.restartPolicy ?? "Always",
    terminationGracePeriodSeconds: STOP_GRACE_SECONDS,
    containers: [
      {
        name: a.command,
        image: a.image,
        args: [a.command],
        env: [...envVars(a.env), ...files.flatMap((f) => f.env)],
        ports: [{ name: "metrics", containerPort: PORTS.functionsMetrics }],
        ...(longRunning
          ? {
              livenessProbe: { httpGet: { path: "/healthz", port: PORTS.functionsMetrics }, periodSeconds: 10, failureThreshold: 6 },
              readinessProbe: { httpGet: { path: "/readyz", port: PORTS.functionsMetrics }, periodSeconds: 5 },
            }
          : {}),
        resources: functionResources(a.command),
        securityContext: restrictedContainerSecurity(),
        volumeMounts: files.flatMap((f) => f.mounts),
      },
    ],
    volumes: files.flatMap((f) => f.volumes),
  };
}

/**
 * A function's requests and limits. The sink may use two cores: it validates fetched messages and
 * writes objects on two more threads beside the Kafka client's decoding (SINK_VALIDATION_THREAD,
 * functions/sink).
 */
export function functionResources(command: FunctionCommand): { requests: Record<string, string>; limits: Record<string, string> } {
  const cpu = command === FUNCTION_COMMANDS.sink ? "2" : "1";
  return { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu, memory: "512Mi" } };
}

/** What each function reaches outside the cluster over HTTPS: the sink S3, the producers their quote sources. */
export function functionEgress(fn: FunctionCommand, settings: FunctionsSettings): Record<string, string> {
  const https = fn === FUNCTION_COMMANDS.sink || (fn === FUNCTION_COMMANDS.batchProducer && settings.batchSource === "yahoo") || (fn === FUNCTION_COMMANDS.realtimeProducer && settings.quoteSource === "live");
  return https ? { ...EGRESS_LABELS.https } : {};
}

/** Labels of a function's objects; its pods also carry {@link functionEgress}'s. */
export function functionLabels(labels: Record<string, string>, fn: string): Record<string, string> {
  return { ...labels, "app.kubernetes.io/name": fn, "app.kubernetes.io/component": "function", ...KAFKA_CLIENT_LABEL };
}

export interface FunctionDeploymentArgs {
  command: FunctionCommand | typeof DASHBOARD;
  replicas: number;
  /** Labels the Deployment selects its pods by. */
  labels: Record<string, string>;
  /** Labels of its pods: `labels` and what they may reach. */
  podLabels: Record<string, string>;
  pod: PodSpec;
}

/**
 * A long-running function. A second realtime producer would emit every tick twice, and a second
 * dashboard would get half the partitions: those two are replaced, never doubled, even during a
 * rollout. The sink's instances roll one at a time.
 */
export function functionDeploymentSpec(a: FunctionDeploymentArgs): k8s.types.input.apps.v1.DeploymentSpec {
  const single = a.command === FUNCTION_COMMANDS.realtimeProducer || a.command === DASHBOARD;
  return {
    replicas: a.replicas,
    strategy: single ? { type: "Recreate" } : { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
    selector: { matchLabels: a.labels },
    template: { metadata: { labels: a.podLabels }, spec: a.pod },
  };
}

/** Headless, listing not-ready pods too: the dashboard reads every replica and can say which is not ready. */
export function metricsServiceSpec(podLabels: Record<string, string>): k8s.types.input.core.v1.ServiceSpec {
  return { clusterIP: "None", publishNotReadyAddresses: true, selector: podLabels, ports: [{ name: "metrics", port: PORTS.functionsMetrics, targetPort: "metrics" }] };
}

/** Nothing calls the functions; only the monitoring namespace and the dashboard read their metrics. */
export function functionsIngressPolicySpec(metricsNamespace: string): k8s.types.input.networking.v1.NetworkPolicySpec {
  return {
    podSelector: { matchLabels: { "app.kubernetes.io/component": "function" } },
    policyTypes: ["Ingress"],
    ingress: [
      {
        from: [
          { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": metricsNamespace } } },
          { podSelector: { matchLabels: { "app.kubernetes.io/name": DASHBOARD, "app.kubernetes.io/component": DASHBOARD } } },
        ],
        ports: [{ protocol: "TCP", port: PORTS.functionsMetrics }],
      },
    ],
  };
}

export interface KubernetesFunctionsArgs {
  image: pulumi.Input<string>;
  namespace: pulumi.Input<string>;
  settings: FunctionsSettings;
  wiring: FunctionWiring;
  kafkaSecrets: KafkaClientSecrets;
  /** Name of the Strimzi cluster, whose broker pods the dashboard may reach. */
  kafkaClusterName: pulumi.Input<string>;
  /** The IAM role the sink runs as (write to the raw zone only); the component creates the service account its trust names. */
  sinkRole: WorkloadRole;
  /** The live quote source's API key (a secret), when the live source is on; the component keeps it in a Secret of its own. */
  quoteApiKey?: pulumi.Input<string>;
  /** Namespace allowed to scrape metrics. @default "monitoring" */
  metricsNamespace?: string;
  labels: Record<string, string>;
  dependsOn: pulumi.Resource[];
}

/**
 * Our functions on Kubernetes: the realtime producer (exactly one replica, so that no tick is sent
 * twice), the sink (N replicas of one consumer group) and the dashboard behind a ClusterIP
 * Service. The daily batch has no schedule here: the daily DAG's `ingest` task runs it (as a pod
 * under the batch producer's service account, made here), so that one producer publishes the bars.
 */
export class KubernetesFunctions extends pulumi.ComponentResource {
  readonly sinkServiceAccount: pulumi.Output<string>;
  /** The dashboard's Service inside the cluster; open it with `kubectl port-forward`. */
  readonly dashboardUrl: pulumi.Output<string>;

  constructor(name: string, args: KubernetesFunctionsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("market-data:functions:KubernetesFunctions", name, {}, opts);
    const child = { parent: this, dependsOn: args.dependsOn };
    const ns = args.namespace;
    const labelsOf = (fn: string) => functionLabels(args.labels, fn);
    const podLabelsOf = (fn: FunctionCommand) => ({ ...labelsOf(fn), ...functionEgress(fn, args.settings) });
    const account = (fn: string, role?: WorkloadRole) =>
      new k8s.core.v1.ServiceAccount(
        `${name}-${fn}`,
        { metadata: { name: role?.serviceAccount ?? fn, namespace: ns, labels: args.labels, annotations: role ? workloadRoleAnnotations(role) : undefined }, automountServiceAccountToken: false },
        { parent: this },
      );

    const producerAccount = account(FUNCTION_COMMANDS.realtimeProducer);
    // The daily DAG's batch producer pods run under it (stacks/dags.ts).
    account(FUNCTION_COMMANDS.batchProducer);
    const sinkAccount = account(FUNCTION_COMMANDS.sink, args.sinkRole);
    // The stack created it, as `<stack prefix>-quote-api`, before the component did: the alias keeps it.
    const quoteSecret = args.quoteApiKey
      ? new k8s.core.v1.Secret(
          `${name}-quote-api`,
          { metadata: { name: "quote-api", namespace: ns, labels: args.labels }, type: "Opaque", stringData: { apiKey: args.quoteApiKey } },
          { parent: this, aliases: name.endsWith("-functions") ? [{ name: `${name.slice(0, -"-functions".length)}-quote-api`, parent: pulumi.rootStackResource }] : [] },
        )
      : undefined;
    const quoteFiles = quoteSecret ? quoteApiKeyFile(quoteSecret.metadata.name) : undefined;

    const deployment = (fn: FunctionCommand, replicas: number, env: FunctionEnv, serviceAccount: k8s.core.v1.ServiceAccount, secretFiles?: SecretFiles) => {
      const labels = labelsOf(fn);
      const pod = functionPodSpec({ image: args.image, command: fn, env, secrets: args.kafkaSecrets, serviceAccountName: serviceAccount.metadata.name, secretFiles });
      return new k8s.apps.v1.Deployment(
        `${name}-${fn}`,
        { metadata: { name: fn, namespace: ns, labels }, spec: functionDeploymentSpec({ command: fn, replicas, labels, podLabels: podLabelsOf(fn), pod }) },
        child,
      );
    };
    deployment(FUNCTION_COMMANDS.realtimeProducer, 1, realtimeProducerEnv(args.settings, args.wiring), producerAccount, quoteFiles);
    deployment(FUNCTION_COMMANDS.sink, args.settings.sink.replicas, sinkEnv(args.settings, args.wiring), sinkAccount);
    // One replica: a second member of its group would get half the partitions, and half the symbols.
    const dashboardLabels = dashboardPodLabels(args.labels);
    const watched = [FUNCTION_COMMANDS.realtimeProducer, FUNCTION_COMMANDS.sink];
    const dashboardPod = functionPodSpec({
      image: args.image,
      command: DASHBOARD,
      env: dashboardEnv(args.settings, args.wiring, kubernetesDashboardTargets(ns, watched)),
      secrets: args.kafkaSecrets,
      serviceAccountName: account(DASHBOARD).metadata.name,
    });
    new k8s.apps.v1.Deployment(
      `${name}-${DASHBOARD}`,
      { metadata: { name: DASHBOARD, namespace: ns, labels: dashboardLabels }, spec: functionDeploymentSpec({ command: DASHBOARD, replicas: 1, labels: dashboardLabels, podLabels: dashboardLabels, pod: dashboardPodSpec(dashboardPod) }) },
      child,
    );
    const dashboardService = new k8s.core.v1.Service(
      `${name}-${DASHBOARD}`,
      { metadata: { name: DASHBOARD, namespace: ns, labels: dashboardLabels }, spec: { type: "ClusterIP", selector: dashboardLabels, ports: [{ name: "http", port: PORTS.dashboard, targetPort: "http" }] } },
      { parent: this },
    );
    for (const fn of watched) {
      new k8s.core.v1.Service(`${name}-${metricsServiceName(fn)}`, { metadata: { name: metricsServiceName(fn), namespace: ns, labels: args.labels }, spec: metricsServiceSpec(labelsOf(fn)) }, { parent: this });
    }
    new k8s.networking.v1.NetworkPolicy(
      `${name}-${DASHBOARD}`,
      {
        metadata: { name: `${name}-dashboard`, namespace: ns, labels: args.labels },
        spec: dashboardNetworkPolicySpec({ podLabels: dashboardLabels, kafkaCluster: args.kafkaClusterName, metricsNamespace: args.metricsNamespace ?? "monitoring" }),
      },
      { parent: this },
    );
    new k8s.networking.v1.NetworkPolicy(
      `${name}-ingress`,
      { metadata: { name: `${name}-functions-ingress`, namespace: ns, labels: args.labels }, spec: functionsIngressPolicySpec(args.metricsNamespace ?? "monitoring") },
      { parent: this },
    );
    this.sinkServiceAccount = sinkAccount.metadata.name;
    this.dashboardUrl = pulumi.interpolate`http://${dashboardService.metadata.name}.${ns}.svc:${PORTS.dashboard}`;
    this.registerOutputs({ sinkServiceAccount: this.sinkServiceAccount, dashboardUrl: this.dashboardUrl });
  }
}
