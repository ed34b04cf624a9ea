import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CONSUMER_GROUPS, ENV, FUNCTION_COMMANDS, PORTS } from "../../contract";
import type { FunctionsSettings } from "./settings";
import type { ContainerSpec } from "../docker";
import { CLIENT_LISTENER_PORT } from "../kafka/kubernetes";
import { KAFKA_CLIENT_LABEL } from "../kubernetes";
import { DASHBOARD_GROUP_ID, FUNCTION_HEALTHCHECK, FUNCTION_UID, type FunctionEnv, type FunctionWiring } from "./spec";

/**
 * The live dashboard: a function of the same image that reads the realtime topic with its own
 * group and the other functions' /metrics, and serves a page on {@link PORTS.dashboard}.
 */
export const DASHBOARD = FUNCTION_COMMANDS.dashboard;

/** Pods allowed to open the dashboard's page through its Service (an authenticating proxy, say). */
export const DASHBOARD_CLIENT_LABEL = { "market-data.platform/dashboard-client": "true" } as const;

type NetworkPolicySpec = k8s.types.input.networking.v1.NetworkPolicySpec;
type PodSpec = k8s.types.input.core.v1.PodSpec;

/** A function's metrics endpoint as the dashboard's `DASHBOARD_TARGETS` names it. */
export interface DashboardTarget {
  name: string;
  url: pulumi.Input<string>;
}

export function dashboardEnv(f: FunctionsSettings, w: FunctionWiring, targets: readonly DashboardTarget[]): FunctionEnv {
  return {
    [ENV.kafkaBrokers]: w.kafkaBootstrap,
    [ENV.kafkaClientId]: DASHBOARD,
    [CONSUMER_GROUPS.dashboard.env]: DASHBOARD_GROUP_ID,
    [ENV.symbols]: f.symbols.join(","),
    [ENV.dashboardPort]: String(PORTS.dashboard),
    [ENV.dashboardTargets]: pulumi.all(targets.map((t) => pulumi.interpolate`${t.name}=${t.url}`)).apply((entries) => entries.join(",")),
    [ENV.metricsPort]: String(PORTS.functionsMetrics),
  };
}

/** On Docker every function container is reachable by its role; sink `i` is `sink-i`. */
export function dockerDashboardTargets(sinkReplicas: number): DashboardTarget[] {
  const at = (host: string) => `http://${host}:${PORTS.functionsMetrics}`;
  return [
    { name: FUNCTION_COMMANDS.realtimeProducer, url: at("realtime-producer") },
    ...Array.from({ length: sinkReplicas }, (_, i) => ({ name: FUNCTION_COMMANDS.sink, url: at(`sink-${i + 1}`) })),
  ];
}

/** The dashboard's container on the local target: its page published on the bind address. */
export function dashboardContainerSpec(a: { image: pulumi.Input<string>; env: FunctionEnv; hostPort: number }): ContainerSpec {
  return {
    role: DASHBOARD,
    image: a.image,
    user: `${FUNCTION_UID}:${FUNCTION_UID}`,
    command: [DASHBOARD],
    env: a.env,
    ports: [{ internal: PORTS.dashboard, external: a.hostPort }],
    healthcheck: { test: FUNCTION_HEALTHCHECK, intervalSeconds: 10, retries: 6, startPeriodSeconds: 10 },
  };
}

/** Headless Services in front of each watched function's pods, one DNS name for all its replicas. */
export function metricsServiceName(fn: string): string {
  return `${fn}-metrics`;
}

/** On Kubernetes the dashboard resolves each function's headless Service and reads every pod behind it. */
export function kubernetesDashboardTargets(namespace: pulumi.Input<string>, functions: readonly string[]): DashboardTarget[] {
  return functions.map((fn) => ({ name: fn, url: pulumi.interpolate`dns+http://${metricsServiceName(fn)}.${namespace}.svc:${PORTS.functionsMetrics}` }));
}

/** The dashboard's pod labels: its own component, so that the functions' ingress policy does not cover it. */
export function dashboardPodLabels(labels: Record<string, string>): Record<string, string> {
  return { ...labels, "app.kubernetes.io/name": DASHBOARD, "app.kubernetes.io/component": DASHBOARD, ...KAFKA_CLIENT_LABEL };
}

/**
 * The function pod, plus the page's port, no service-account token (it calls no API), and limits
 * sized for a window of candles and a few dozen browsers.
 */
export function dashboardPodSpec(functionPod: PodSpec): PodSpec {
  const [container, ...others] = functionPod.containers as k8s.types.input.core.v1.Container[];
  if (!container || others.length > 0) throw new Error("the dashboard pod has exactly one container");
  return {
    ...functionPod,
    automountServiceAccountToken: false,
    containers: [
      {
        ...container,
        ports: [{ name: "http", containerPort: PORTS.dashboard }, ...((container.ports as k8s.types.input.core.v1.ContainerPort[] | undefined) ?? [])],
        resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
      },
    ],
  };
}

/**
 * In: the page only from pods labelled {@link DASHBOARD_CLIENT_LABEL} (`kubectl port-forward`
 * needs no rule), metrics from the monitoring namespace. Out: DNS, the Kafka brokers, and the
 * functions' metrics port, nothing else.
 */
export function dashboardNetworkPolicySpec(a: { podLabels: Record<string, string>; kafkaCluster: pulumi.Input<string>; metricsNamespace: string }): NetworkPolicySpec {
  return {
    podSelector: { matchLabels: a.podLabels },
    policyTypes: ["Ingress", "Egress"],
    ingress: [
      { from: [{ podSelector: { matchLabels: { ...DASHBOARD_CLIENT_LABEL } } }], ports: [{ protocol: "TCP", port: PORTS.dashboard }] },
      { from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": a.metricsNamespace } } }], ports: [{ protocol: "TCP", port: PORTS.functionsMetrics }] },
    ],
    egress: [
      {
        to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
        ports: [
          { protocol: "UDP", port: 53 },
          { protocol: "TCP", port: 53 },
        ],
      },
      { to: [{ podSelector: { matchLabels: { "strimzi.io/cluster": a.kafkaCluster, "strimzi.io/kind": "Kafka" } } }], ports: [{ protocol: "TCP", port: CLIENT_LISTENER_PORT }] },
      { to: [{ podSelector: { matchLabels: { "app.kubernetes.io/component": "function" } } }], ports: [{ protocol: "TCP", port: PORTS.functionsMetrics }] },
    ],
  };
}

/** The command that opens the dashboard of a cluster on the local machine. */
export function portForwardCommand(namespace: string): string {
  return `kubectl -n ${namespace} port-forward svc/${DASHBOARD} ${PORTS.dashboard}:${PORTS.dashboard}`;
}
