import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { checkImagePinned } from "../infra/config/images";

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
    const oneShot = args.props.attach === true;
    const dropsAll = (args.props.capabilities?.drops ?? []).includes("ALL");
    if (ROOT.has(String(args.props.user ?? "")) && !(oneShot && dropsAll)) report(`container ${args.name} must run as a non-root user (got "${args.props.user ?? ""}")`);
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

export const INVARIANTS: (ResourceValidationPolicy | StackValidationPolicy)[] = [
  s3BucketsPrivateEncryptedVersioned,
  s3AccessLogged,
  ecrImmutableScanned,
  kafkaDurability,
  kafkaTopicDurability,
  podsNonRoot,
  containersNonRoot,
  imagesPinned,
  portsOnLoopback,
];

