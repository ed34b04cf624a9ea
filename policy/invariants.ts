import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { checkImagePinned } from "../infra/config/images";
import { EGRESS_LABELS } from "../infra/kubernetes/network";
import { SPARK_LABEL } from "../infra/spark/spec";

/**
 * The platform's invariants as policies, so that `pulumi preview --policy-pack policy` refuses a
 * change that breaks them, whoever wrote it. Pure functions over resource properties; the tests run
 * them on the program's own resources under the mock engine.
 */

type Props = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const T = {
  bucket: "aws:s3/bucket:Bucket",
  publicAccessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  encryption: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  versioning: "aws:s3/bucketVersioning:BucketVersioning",
  logging: "aws:s3/bucketLogging:BucketLogging",
  ecr: "aws:ecr/repository:Repository",
  kafka: "kubernetes:kafka.strimzi.io/v1:Kafka",
  topic: "kubernetes:kafka.strimzi.io/v1:KafkaTopic",
  container: "docker:index/container:Container",
  namespace: "kubernetes:core/v1:Namespace",
  networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  helmRelease: "kubernetes:helm.sh/v3:Release",
  workloads: ["kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet", "kubernetes:batch/v1:CronJob", "kubernetes:batch/v1:Job"],
} as const;

const ROOT = new Set(["", "0", "root", "0:0", "root:root"]);

/** The bucket of S3 server access logs: S3 cannot deliver logs to one encrypted with KMS. */
const isAccessLogBucket = (bucket: PolicyResource) => bucket.props.tags?.purpose === "access-logs";

export const s3BucketsPrivateEncryptedVersioned: StackValidationPolicy = {
  name: "s3-buckets-private-encrypted-versioned",
  description: "Every S3 bucket blocks public access, is encrypted (with KMS, but for the access-log bucket, which S3 only delivers to with SSE-S3) and keeps versions.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    const childrenOf = (bucket: PolicyResource, type: string) => args.resources.filter((r) => r.type === type && r.parent?.urn === bucket.urn);
    for (const bucket of args.resources.filter((r) => r.type === T.bucket)) {
      const pab = childrenOf(bucket, T.publicAccessBlock)[0]?.props;
      if (!pab || !["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"].every((k) => pab[k] === true)) {
        report(`bucket ${bucket.name} must block every kind of public access`, bucket.urn);
      }
      const sse = childrenOf(bucket, T.encryption)[0]?.props;
      const algorithm = sse?.rules?.[0]?.applyServerSideEncryptionByDefault?.sseAlgorithm;
      const allowed = isAccessLogBucket(bucket) ? ["AES256"] : ["aws:kms", "aws:kms:dsse"];
      if (!allowed.includes(algorithm)) report(`bucket ${bucket.name} must be encrypted with ${allowed.join(" or ")} (got ${algorithm ?? "none"})`, bucket.urn);
      const status = childrenOf(bucket, T.versioning)[0]?.props?.versioningConfiguration?.status;
      if (status !== "Enabled") report(`bucket ${bucket.name} must keep versions (got ${status ?? "no versioning"})`, bucket.urn);
    }
  },
};

export const s3AccessLogged: StackValidationPolicy = {
  name: "s3-access-logged",
  description: "Every data bucket writes S3 server access logs to the stack's access-log bucket.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    const buckets = args.resources.filter((r) => r.type === T.bucket);
    const logBuckets = buckets.filter(isAccessLogBucket);
    for (const bucket of buckets.filter((b) => !isAccessLogBucket(b))) {
      const logging = args.resources.find((r) => r.type === T.logging && r.parent?.urn === bucket.urn)?.props;
      // The target is the log bucket's id, which the engine knows only once it exists.
      const target = logging?.targetBucket;
      const known = logBuckets.map((b) => b.props.bucket ?? b.props.id).filter((v) => typeof v === "string");
      if (!logging) report(`bucket ${bucket.name} must write server access logs to the access-log bucket`, bucket.urn);
      else if (typeof target === "string" && known.length > 0 && !known.includes(target)) report(`bucket ${bucket.name} logs to ${target}, not to the access-log bucket`, bucket.urn);
    }
  },
};

export const ecrImmutableScanned: ResourceValidationPolicy = {
  name: "ecr-immutable-scanned",
  description: "Image repositories have immutable tags and scan on push.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (args.type !== T.ecr) return;
    if (args.props.imageTagMutability !== "IMMUTABLE") report(`repository ${args.name} must have immutable tags`);
    if (args.props.imageScanningConfiguration?.scanOnPush !== true) report(`repository ${args.name} must scan images on push`);
  },
};

function asNumber(value: unknown): number {
  return typeof value === "number" ? value : Number(value);
}

export const kafkaDurability: ResourceValidationPolicy = {
  name: "kafka-durability",
  description: "A Kafka cluster replicates 3 ways, needs 2 in-sync replicas, never elects an unclean leader, and only speaks TLS with authentication.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (args.type !== T.kafka) return;
    const config: Props = args.props.spec?.kafka?.config ?? {};
    if (!(asNumber(config["default.replication.factor"]) >= 3)) report(`${args.name}: default.replication.factor must be 3 or more (got ${config["default.replication.factor"]})`);
    if (!(asNumber(config["min.insync.replicas"]) >= 2)) report(`${args.name}: min.insync.replicas must be 2 or more (got ${config["min.insync.replicas"]})`);
    if (String(config["unclean.leader.election.enable"]) !== "false") report(`${args.name}: unclean.leader.election.enable must be false`);
    for (const l of (args.props.spec?.kafka?.listeners ?? []) as Props[]) {
      if (l.tls !== true || !l.authentication) report(`${args.name}: listener ${l.name} must use TLS and authentication`);
    }
  },
};

export const kafkaTopicDurability: ResourceValidationPolicy = {
  name: "kafka-topic-durability",
  description: "A topic on Kubernetes has 3 replicas and min.insync.replicas 2.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (args.type !== T.topic) return;
    if (!(asNumber(args.props.spec?.replicas) >= 3)) report(`topic ${args.name} must have 3 replicas or more (got ${args.props.spec?.replicas})`);
    if (!(asNumber(args.props.spec?.config?.["min.insync.replicas"]) >= 2)) report(`topic ${args.name} must need 2 in-sync replicas or more`);
  },
};

function podSpec(type: string, props: Props): Props | undefined {
  return type === "kubernetes:batch/v1:CronJob" ? props.spec?.jobTemplate?.spec?.template?.spec : props.spec?.template?.spec;
}

export const podsNonRoot: ResourceValidationPolicy = {
  name: "pods-non-root",
  description: "Pods run as a non-root user, and their containers cannot escalate privileges.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (!(T.workloads as readonly string[]).includes(args.type)) return;
    const pod = podSpec(args.type, args.props);
    if (pod?.securityContext?.runAsNonRoot !== true) report(`${args.name} must set runAsNonRoot on its pods`);
    for (const c of [...(pod?.containers ?? []), ...(pod?.initContainers ?? [])] as Props[]) {
      if (c.securityContext?.allowPrivilegeEscalation !== false) report(`${args.name}/${c.name} must forbid privilege escalation`);
      if (c.securityContext?.runAsUser === 0) report(`${args.name}/${c.name} must not run as root`);
    }
  },
};

export const containersNonRoot: ResourceValidationPolicy = {
  name: "containers-non-root",
  description: "Long-running local containers run as a non-root user; a one-shot job may run as root only with every capability dropped but the ones it names.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (args.type !== T.container) return;
    // Attached: the update waits for it to exit (a job), so it cannot stay running as root.
    const blocksUpdate = args.props.attach === true;
    const dropsAll = (args.props.capabilities?.drops ?? []).includes("ALL");
    if (ROOT.has(String(args.props.user ?? "")) && !(blocksUpdate && dropsAll)) report(`container ${args.name} must run as a non-root user (got "${args.props.user ?? ""}")`);
    if (!dropsAll) report(`container ${args.name} must drop all capabilities`);
  },
};

export const imagesPinned: ResourceValidationPolicy = {
  name: "images-pinned",
  description: "Every image is pinned to a release tag or a digest.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    const images: string[] = [];
    if (args.type === T.container) images.push(args.props.image);
    if ((T.workloads as readonly string[]).includes(args.type)) {
      const pod = podSpec(args.type, args.props);
      for (const c of [...(pod?.containers ?? []), ...(pod?.initContainers ?? [])] as Props[]) images.push(c.image);
    }
    for (const image of images) {
      // Unknown until the image is built (a preview): checked on update.
      if (typeof image !== "string") continue;
      const check = checkImagePinned(image);
      if (!check.pinned) report(`${args.name} runs "${image}", which ${check.reason}`);
    }
  },
};

export const namespaceRestricted: ResourceValidationPolicy = {
  name: "namespace-pod-security-restricted",
  description: "A namespace enforces Pod Security's restricted standard.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (args.type !== T.namespace) return;
    const level = args.props.metadata?.labels?.["pod-security.kubernetes.io/enforce"];
    if (level !== "restricted") report(`namespace ${args.props.metadata?.name ?? args.name} must enforce Pod Security "restricted" (got ${level ?? "nothing"})`);
  },
};

const policiesOf = (resources: PolicyResource[]) => resources.filter((r) => r.type === T.networkPolicy);
const isDefaultDeny = (spec: Props | undefined) =>
  spec !== undefined &&
  Object.keys(spec.podSelector ?? {}).every((k) => Object.keys(spec.podSelector[k] ?? {}).length === 0) &&
  ["Ingress", "Egress"].every((t) => (spec.policyTypes ?? []).includes(t)) &&
  (spec.ingress ?? []).length === 0 &&
  (spec.egress ?? []).length === 0;

export const namespaceDefaultDeny: StackValidationPolicy = {
  name: "namespace-default-deny",
  description: "Every namespace the stack makes denies all ingress and egress that no policy allows.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    for (const ns of args.resources.filter((r) => r.type === T.namespace)) {
      const name = ns.props.metadata?.name;
      const denies = policiesOf(args.resources).some((p) => (p.props.metadata?.namespace === undefined || p.props.metadata?.namespace === name) && isDefaultDeny(p.props.spec));
      if (!denies) report(`namespace ${name} must have a default-deny NetworkPolicy (ingress and egress)`, ns.urn);
    }
  },
};

function podTemplate(type: string, props: Props): Props | undefined {
  return type === "kubernetes:batch/v1:CronJob" ? props.spec?.jobTemplate?.spec?.template : props.spec?.template;
}

const matches = (selector: Props | undefined, labels: Props | undefined) => Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v);

export const sparkProtected: StackValidationPolicy = {
  name: "spark-authenticated-and-isolated",
  description: "Spark's pods authenticate and encrypt with the cluster's secret conf, and a NetworkPolicy of their own admits only Spark's pods.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    const policies = policiesOf(args.resources).filter((p) => Object.keys(p.props.spec?.podSelector?.matchLabels ?? {}).length > 0);
    for (const w of args.resources.filter((r) => (T.workloads as readonly string[]).includes(r.type))) {
      const template = podTemplate(w.type, w.props);
      if (!matches(SPARK_LABEL, template?.metadata?.labels)) continue;
      // Policies written for Spark (selecting on its label), not the namespace's egress baselines that also select its pods.
      const own = policies.filter((p) => matches(SPARK_LABEL, p.props.spec.podSelector.matchLabels) && matches(p.props.spec.podSelector.matchLabels, template?.metadata?.labels));
      const ingressPeers = own.flatMap((p) => (p.props.spec.ingress ?? []) as Props[]).flatMap((rule) => (rule.from ?? []) as Props[]);
      if (own.length === 0) report(`${w.name} runs Spark with no NetworkPolicy of its own`, w.urn);
      else if (ingressPeers.some((peer) => !matches(SPARK_LABEL, peer.podSelector?.matchLabels) || peer.namespaceSelector || peer.ipBlock)) report(`${w.name}'s Spark ports admit more than Spark's own pods`, w.urn);
      const containers = (template?.spec?.containers ?? []) as Props[];
      const confDir = containers.every((c) => ((c.env ?? []) as Props[]).some((e) => e.name === "SPARK_CONF_DIR"));
      const confSecret = ((template?.spec?.volumes ?? []) as Props[]).some((v) => v.secret?.secretName !== undefined && (containers[0]?.volumeMounts ?? []).some((m: Props) => m.name === v.name && ((containers[0]?.env ?? []) as Props[]).some((e) => e.name === "SPARK_CONF_DIR" && e.value === m.mountPath)));
      if (!confDir || !confSecret) report(`${w.name} runs Spark without the cluster's authentication conf (SPARK_CONF_DIR on a mounted Secret)`, w.urn);
    }
  },
};

export const noServiceAccountToken: ResourceValidationPolicy = {
  name: "no-service-account-token",
  description: "A pod mounts no service-account token unless it is labelled as one that calls the Kubernetes API.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (!(T.workloads as readonly string[]).includes(args.type)) return;
    const template = podTemplate(args.type, args.props);
    if (matches(EGRESS_LABELS.kubeApi, template?.metadata?.labels)) return;
    if (template?.spec?.automountServiceAccountToken !== false) report(`${args.name} must set automountServiceAccountToken: false (it calls no Kubernetes API)`);
  },
};

export const secretsAsFiles: ResourceValidationPolicy = {
  name: "secrets-as-files",
  description: "Credentials reach a container as files from a Secret, never as environment variables.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (!(T.workloads as readonly string[]).includes(args.type)) return;
    const pod = podSpec(args.type, args.props);
    for (const c of [...(pod?.containers ?? []), ...(pod?.initContainers ?? [])] as Props[]) {
      for (const e of (c.env ?? []) as Props[]) if (e.valueFrom?.secretKeyRef) report(`${args.name}/${c.name} reads the Secret ${e.valueFrom.secretKeyRef.name} into the variable ${e.name}; mount it as a file`);
      for (const from of (c.envFrom ?? []) as Props[]) if (from.secretRef) report(`${args.name}/${c.name} loads the Secret ${from.secretRef.name} into its env; mount it as a file`);
    }
  },
};

export const airflowAdminFromFile: ResourceValidationPolicy = {
  name: "airflow-admin-password-from-a-file",
  description: "The Airflow chart's create-user job reads the admin's password from a mounted Secret, never from the chart's values or a command line.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (args.type !== T.helmRelease || args.props.chart !== "airflow") return;
    const job = (args.props.values?.createUserJob ?? {}) as Props;
    if (job.defaultUser?.enabled === false) return;
    if (job.defaultUser?.password) report(`${args.name}: createUserJob.defaultUser.password puts the admin's password in the chart's values; mount it from a Secret`);
    const argv = (job.args ?? []) as string[];
    if (argv.length === 0) report(`${args.name}: the chart's own create-user job runs "airflow users create --password <password>"; set createUserJob.args to a command that reads it from a file`);
    else if (argv.some((a) => a === "-p" || a === "--password" || a.includes("defaultUser.password"))) report(`${args.name}: createUserJob.args pass the admin's password on the command line`);
  },
};

export const portsOnLoopback: ResourceValidationPolicy = {
  name: "local-ports-on-loopback",
  description: "Local containers publish ports on 127.0.0.1 unless asked otherwise.",
  enforcementLevel: "advisory",
  validateResource: (args, report) => {
    if (args.type !== T.container) return;
    for (const p of (args.props.ports ?? []) as Props[]) {
      if (p.ip !== "127.0.0.1") report(`container ${args.name} publishes port ${p.external} on ${p.ip ?? "every interface"}`);
    }
  },
};

export const engineSocketBehindProxy: ResourceValidationPolicy = {
  name: "engine-socket-behind-proxy",
  description:
    "Only a Docker API proxy mounts the engine's socket: it answers named clients only, refuses host bind mounts in what it creates, allows no HTTP method wholesale, and publishes no port.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (args.type !== T.container) return;
    const socket = ((args.props.volumes ?? []) as Props[]).find((v) => String(v.hostPath ?? "").endsWith(".sock"));
    if (!socket) return;
    const flags = ((args.props.command ?? []) as string[]).filter((a) => a.startsWith("-"));
    const value = (name: string) => flags.find((a) => a.startsWith(`-${name}=`))?.slice(name.length + 2);
    const from = value("allowfrom");
    if (!from || /(^|,)0\.0\.0\.0\/0($|,)/.test(from)) report(`container ${args.name} mounts ${socket.hostPath} but does not restrict its clients (-allowfrom)`);
    if (!value("allowbindmountfrom")) report(`container ${args.name} mounts ${socket.hostPath} but lets the containers it creates bind-mount any host path (-allowbindmountfrom)`);
    for (const f of flags.filter((a) => /^-allow[A-Z]+=\.\*$/.test(a))) report(`container ${args.name} mounts ${socket.hostPath} and allows every request of a method (${f})`);
    if (((args.props.ports ?? []) as Props[]).length > 0) report(`container ${args.name} mounts ${socket.hostPath} and publishes a port`);
  },
};

export const INVARIANTS: (ResourceValidationPolicy | StackValidationPolicy)[] = [
  s3BucketsPrivateEncryptedVersioned,
  s3AccessLogged,
  ecrImmutableScanned,
  kafkaDurability,
  kafkaTopicDurability,
  podsNonRoot,
  containersNonRoot,
  imagesPinned,
  namespaceRestricted,
  namespaceDefaultDeny,
  sparkProtected,
  noServiceAccountToken,
  secretsAsFiles,
  airflowAdminFromFile,
  portsOnLoopback,
  engineSocketBehindProxy,
];

