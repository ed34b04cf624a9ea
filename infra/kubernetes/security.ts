import type * as k8s from "@pulumi/kubernetes";

type PodSecurityContext = k8s.types.input.core.v1.PodSecurityContext;
type SecurityContext = k8s.types.input.core.v1.SecurityContext;

/** The "restricted" Pod Security Standard for a pod: a fixed non-root user, seccomp on. */
export function restrictedPodSecurity(uid: number, gid = uid): PodSecurityContext {
  return { runAsNonRoot: true, runAsUser: uid, runAsGroup: gid, fsGroup: gid, seccompProfile: { type: "RuntimeDefault" } };
}

/** The same for a container: no privilege escalation, no capabilities, read-only root by default. */
export function restrictedContainerSecurity(options: { writableRoot?: boolean } = {}): SecurityContext {
  return { allowPrivilegeEscalation: false, readOnlyRootFilesystem: !options.writableRoot, capabilities: { drop: ["ALL"] }, runAsNonRoot: true };
}

/** The namespace enforces Pod Security's `restricted` standard, and warns and audits by it. */
export const RESTRICTED_POD_SECURITY = {
  "pod-security.kubernetes.io/enforce": "restricted",
  "pod-security.kubernetes.io/warn": "restricted",
  "pod-security.kubernetes.io/audit": "restricted",
} as const;

/** Labels every object of the platform carries (the Kubernetes recommended set). */
export function platformLabels(component: string, stack: string): Record<string, string> {
  return {
    "app.kubernetes.io/name": component,
    "app.kubernetes.io/part-of": "market-data-platform",
    "app.kubernetes.io/managed-by": "pulumi",
    "market-data.platform/stack": stack,
  };
}

/** Label a pod needs to reach Kafka's client listener (see the Kafka listener's network policy peers). */
export const KAFKA_CLIENT_LABEL = { "market-data.platform/kafka-client": "true" } as const;
