import type { RecordedResource } from "./mocks";

/** Type tokens of the resources the stack tests look at. */
export const TYPES = {
  container: "docker:index/container:Container",
  network: "docker:index/network:Network",
  image: "docker:index/image:Image",
  randomPassword: "random:index/randomPassword:RandomPassword",
  randomId: "random:index/randomId:RandomId",
  deployment: "kubernetes:apps/v1:Deployment",
  service: "kubernetes:core/v1:Service",
  statefulSet: "kubernetes:apps/v1:StatefulSet",
  cronJob: "kubernetes:batch/v1:CronJob",
  serviceAccount: "kubernetes:core/v1:ServiceAccount",
  secret: "kubernetes:core/v1:Secret",
  networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  helmRelease: "kubernetes:helm.sh/v3:Release",
  helmChart: "kubernetes:helm.sh/v4:Chart",
  kafka: "kubernetes:kafka.strimzi.io/v1:Kafka",
  kafkaNodePool: "kubernetes:kafka.strimzi.io/v1:KafkaNodePool",
  kafkaTopic: "kubernetes:kafka.strimzi.io/v1:KafkaTopic",
  kafkaUser: "kubernetes:kafka.strimzi.io/v1:KafkaUser",
  bucket: "aws:s3/bucket:Bucket",
  iamRole: "aws:iam/role:Role",
  iamRolePolicy: "aws:iam/rolePolicy:RolePolicy",
  ecrRepository: "aws:ecr/repository:Repository",
} as const;

/**
 * Resource inputs as tests read them: deep paths into provider-shaped data, where a wrong path
 * fails the assertion that reads it.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

/** `KEY=VALUE` list of a docker container (secrets unwrapped) as a map. */
export function containerEnv(container: RecordedResource): Record<string, string> {
  const list = (container.plain.envs ?? []) as string[];
  return Object.fromEntries(
    list.map((entry) => {
      const at = entry.indexOf("=");
      return [entry.slice(0, at), entry.slice(at + 1)];
    }),
  );
}

/** Containers by their role (hostname and network alias). */
export function containersByRole(resources: RecordedResource[]): Map<string, RecordedResource> {
  return new Map(resources.filter((r) => r.type === TYPES.container).map((r) => [r.plain.hostname as string, r]));
}

export interface PodSpecShape {
  serviceAccountName?: string;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  containers: ContainerShape[];
  initContainers?: ContainerShape[];
  volumes?: { name: string; secret?: { secretName: string } }[];
}

export interface EnvVarShape {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string }; fieldRef?: { fieldPath: string } };
}

export interface ContainerShape {
  name: string;
  image: string;
  env?: EnvVarShape[];
  securityContext?: { allowPrivilegeEscalation?: boolean; runAsNonRoot?: boolean; runAsUser?: number };
  livenessProbe?: unknown;
  readinessProbe?: unknown;
}

/** The pod template's spec of a Deployment, StatefulSet or CronJob. */
export function podSpecOf(workload: RecordedResource): PodSpecShape {
  const spec = workload.plain.spec as Json;
  const template = workload.type === TYPES.cronJob ? spec.jobTemplate.spec.template : spec.template;
  return template.spec as PodSpecShape;
}

/** A Kubernetes container's env by name. */
export function podEnv(container: ContainerShape): Record<string, EnvVarShape> {
  return Object.fromEntries((container.env ?? []).map((e) => [e.name, e]));
}

export function metadataOf(resource: RecordedResource): { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> } {
  return resource.plain.metadata as ReturnType<typeof metadataOf>;
}

/** Whether every label of the selector is on the pod; an empty selector selects every pod. */
export function selects(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  return Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v);
}

/** The namespace's baseline policies (default deny, DNS, egress by label) belong to this component. */
const NAMESPACE_POLICIES = "market-data:kubernetes:NamespacePolicies";

/** The NetworkPolicies of a workload's own that select its pods: all but the namespace's baseline. */
export function workloadPolicies(resources: RecordedResource[], podLabels: Record<string, string>): RecordedResource[] {
  return resources.filter(
    (r) => r.type === TYPES.networkPolicy && r.parent?.type !== NAMESPACE_POLICIES && selects((r.plain.spec as Json).podSelector?.matchLabels, podLabels),
  );
}
