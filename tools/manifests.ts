/**
 * Kubernetes manifests from the offline plan: each Kubernetes resource a stack declares, as the
 * object the provider sends to the API server (apiVersion, kind, metadata, spec; custom resources
 * such as Strimzi's included), for scanners that read manifests. Secrets stay masked as in the plan.
 */
import type { PlannedResource } from "./plan";

export interface Manifest {
  /** The plan's resource it renders. */
  type: string;
  name: string;
  /** A file name for it, unique within one stack: `<kind>.<namespace>.<name>.yaml`. */
  file: string;
  object: Record<string, unknown>;
}

/** A Kubernetes resource that has no manifest of its own here, and why. */
export interface NotRendered {
  type: string;
  name: string;
  reason: string;
}

const PROVIDER_TYPE = "pulumi:providers:kubernetes";

/** Kinds without a namespace; everything else gets the provider's default when it names none. */
const CLUSTER_SCOPED = new Set([
  "APIService",
  "ClusterRole",
  "ClusterRoleBinding",
  "CustomResourceDefinition",
  "MutatingWebhookConfiguration",
  "Namespace",
  "PersistentVolume",
  "PriorityClass",
  "StorageClass",
  "ValidatingAdmissionPolicy",
  "ValidatingAdmissionPolicyBinding",
  "ValidatingWebhookConfiguration",
]);

/** `kubernetes:apps/v1:Deployment` → `apps/v1`; the core group is spelled `v1`. */
function apiVersionOf(type: string): string | undefined {
  const match = /^kubernetes:([^:]+):[^:]+$/.exec(type);
  if (!match) return undefined;
  return match[1]!.startsWith("core/") ? match[1]!.slice("core/".length) : match[1];
}

/** Why a Kubernetes type of the SDK renders no manifest of its own, if it does not. */
function notAManifest(r: PlannedResource): string | undefined {
  if (r.type.startsWith("kubernetes:helm.sh/")) {
    const chart = typeof r.inputs.chart === "string" ? r.inputs.chart : "?";
    return `Helm chart ${chart} ${typeof r.inputs.version === "string" ? r.inputs.version : ""}`.trimEnd() + ": its templates come from the chart's repository, which cannot be downloaded here";
  }
  if (/^kubernetes:(yaml|kustomize)/.test(r.type)) return "reads its manifests from files or URLs at deployment time";
  if (typeof r.inputs.apiVersion !== "string" || typeof r.inputs.kind !== "string") return "has no apiVersion and kind among its inputs";
  return undefined;
}

/**
 * The default namespace the provider gives a namespaced object that names none: the one of the
 * stack's Kubernetes provider (`default` when it sets none). With several providers that disagree
 * the object's provider cannot be told from the plan, so such an object is an error.
 */
function defaultNamespace(resources: PlannedResource[]): (r: PlannedResource) => string {
  const namespaces = [...new Set(resources.filter((r) => r.type === PROVIDER_TYPE).map((r) => (typeof r.inputs.namespace === "string" ? r.inputs.namespace : "default")))];
  return (r) => {
    if (namespaces.length <= 1) return namespaces[0] ?? "default";
    throw new Error(`${r.type} ${r.name} names no namespace, and the stack's Kubernetes providers default to different ones (${namespaces.join(", ")})`);
  };
}

/** The Kubernetes resources of one stack's plan, as manifests, and those that cannot be. */
export function kubernetesManifests(resources: PlannedResource[]): { manifests: Manifest[]; notRendered: NotRendered[] } {
  const namespaceOf = defaultNamespace(resources);
  const manifests: Manifest[] = [];
  const notRendered: NotRendered[] = [];
  for (const r of resources.filter((x) => x.type.startsWith("kubernetes:"))) {
    const reason = notAManifest(r);
    if (reason) {
      notRendered.push({ type: r.type, name: r.name, reason });
      continue;
    }
    const { apiVersion, kind } = r.inputs as { apiVersion: string; kind: string };
    if (apiVersionOf(r.type) !== apiVersion || !r.type.endsWith(`:${kind}`)) {
      throw new Error(`${r.type} ${r.name} declares apiVersion ${apiVersion} and kind ${kind}, which its type does not match`);
    }
    const given = (r.inputs.metadata ?? {}) as Record<string, unknown>;
    // The provider names an object after its resource (plus a random suffix) when it names none.
    const metadata: Record<string, unknown> = { ...given };
    if (typeof given.name !== "string") {
      metadata.name = r.name;
      metadata.annotations = { ...((given.annotations as Record<string, string> | undefined) ?? {}), "pulumi.com/autonamed": "true" };
    }
    if (!CLUSTER_SCOPED.has(kind) && typeof given.namespace !== "string") metadata.namespace = namespaceOf(r);
    const object = { apiVersion, kind, metadata, ...Object.fromEntries(Object.entries(r.inputs).filter(([k]) => !["apiVersion", "kind", "metadata"].includes(k))) };
    const namespace = typeof metadata.namespace === "string" ? metadata.namespace : "_cluster";
    manifests.push({ type: r.type, name: r.name, file: `${kind}.${namespace}.${metadata.name as string}.yaml`.toLowerCase(), object });
  }
  const files = new Map<string, Manifest>();
  for (const m of manifests) {
    const clash = files.get(m.file);
    if (clash) throw new Error(`${m.type} ${m.name} and ${clash.type} ${clash.name} are the same Kubernetes object (${m.file})`);
    files.set(m.file, m);
  }
  return { manifests, notRendered };
}
