import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { DAILY_METRICS_SCHEMA, DATASET_ZONES, STAGING_EXPIRATION_DAYS, STAGING_PREFIX, ZONES, type Zone } from "../../contract";
import type { StorageSettings } from "./settings";
import { whenPresent } from "../outputs";

export interface S3ZonesArgs {
  settings: StorageSettings;
  tags: Record<string, string>;
}

type LifecycleRule = aws.types.input.s3.BucketLifecycleConfigurationRule;

const ABORT_INCOMPLETE_UPLOADS: LifecycleRule = { id: "abort-incomplete-uploads", status: "Enabled", filter: {}, abortIncompleteMultipartUpload: { daysAfterInitiation: 7 } };

/** Lifecycle rules of a zone: pure, so that tests read them without the engine. */
export function lifecycleRules(zone: Zone, s: StorageSettings): LifecycleRule[] {
  const rules: LifecycleRule[] = [ABORT_INCOMPLETE_UPLOADS];
  if (zone === "checkpoints") {
    // Streaming checkpoints are rewritten continually; old versions only cost money. One rule, so
    // that no second noncurrent-version expiry overlaps it.
    rules.push({ id: "expire-old-checkpoints", status: "Enabled", filter: {}, noncurrentVersionExpiration: { noncurrentDays: 1 } });
  } else if (s.noncurrentVersionExpirationDays > 0) {
    rules.push({ id: "expire-old-versions", status: "Enabled", filter: {}, noncurrentVersionExpiration: { noncurrentDays: s.noncurrentVersionExpirationDays } });
  }
  if (zone === DATASET_ZONES[DAILY_METRICS_SCHEMA.dataset]) {
    // What a killed batch job left in its staging folder; published data is never below it.
    rules.push({ id: "expire-abandoned-staging", status: "Enabled", filter: { prefix: STAGING_PREFIX }, expiration: { days: STAGING_EXPIRATION_DAYS } });
  }
  if (zone === "raw" && s.rawInfrequentAccessDays > 0) {
    rules.push({ id: "raw-to-infrequent-access", status: "Enabled", filter: {}, transitions: [{ days: s.rawInfrequentAccessDays, storageClass: "STANDARD_IA" }] });
  }
  return rules;
}

/** The access-log bucket keeps logs `accessLogExpirationDays`, and old versions a day. */
export function accessLogLifecycleRules(s: StorageSettings): LifecycleRule[] {
  return [
    ABORT_INCOMPLETE_UPLOADS,
    { id: "expire-access-logs", status: "Enabled", filter: {}, expiration: { days: s.accessLogExpirationDays }, noncurrentVersionExpiration: { noncurrentDays: 1 } },
  ];
}

/** Prefix of a zone's server access logs in the log bucket. */
export function accessLogPrefix(zone: Zone): string {
  return `${zone}/`;
}

function denyInsecureTransport(bucketArn: string) {
  return {
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [bucketArn, `${bucketArn}/*`],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
}

/** Refuses every request that does not use TLS. */
export function tlsOnlyPolicy(bucketArn: string): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: [denyInsecureTransport(bucketArn)] });
}

/**
 * The access-log bucket's policy: TLS only, and S3's logging service may write logs there, only
 * for this account's buckets of this stack (the zones' names start with `bucketPrefix`).
 */
export function accessLogBucketPolicy(logBucketArn: string, accountId: string, bucketPrefix: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      denyInsecureTransport(logBucketArn),
      {
        Sid: "S3ServerAccessLogs",
        Effect: "Allow",
        Principal: { Service: "logging.s3.amazonaws.com" },
        Action: "s3:PutObject",
        Resource: `${logBucketArn}/*`,
        Condition: { StringEquals: { "aws:SourceAccount": accountId }, ArnLike: { "aws:SourceArn": `arn:aws:s3:::${bucketPrefix}-*` } },
      },
    ],
  });
}

/** Public access blocked and ACLs off (the bucket owner owns every object). */
function privateBucket(name: string, bucket: aws.s3.Bucket): aws.s3.BucketPublicAccessBlock {
  const publicAccess = new aws.s3.BucketPublicAccessBlock(
    `${name}-public-access`,
    { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
    { parent: bucket },
  );
  new aws.s3.BucketOwnershipControls(`${name}-ownership`, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, { parent: bucket });
  return publicAccess;
}

/**
 * The bucket every zone writes its S3 server access logs to. Encrypted with S3's own keys (SSE-S3):
 * S3's logging service cannot deliver logs to a bucket whose default encryption is SSE-KMS.
 */
function accessLogBucket(name: string, args: S3ZonesArgs, parent: pulumi.Resource): aws.s3.Bucket {
  const s = args.settings;
  const child = (suffix: string) => `${name}-${suffix}`;
  const bucket = new aws.s3.Bucket(name, { bucketPrefix: `${s.bucketPrefix}-logs-`, forceDestroy: s.forceDestroy, tags: { ...args.tags, purpose: "access-logs" } }, { parent });
  const publicAccess = privateBucket(name, bucket);
  new aws.s3.BucketServerSideEncryptionConfiguration(child("encryption"), { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] }, { parent: bucket });
  const versioning = new aws.s3.BucketVersioning(child("versioning"), { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, { parent: bucket });
  new aws.s3.BucketLifecycleConfiguration(child("lifecycle"), { bucket: bucket.id, rules: accessLogLifecycleRules(s) }, { parent: bucket, dependsOn: [versioning] });
  const account = aws.getCallerIdentityOutput({}, { parent });
  new aws.s3.BucketPolicy(
    child("policy"),
    { bucket: bucket.id, policy: whenPresent(pulumi.all([bucket.arn, account.accountId]), ([arn, accountId]) => accessLogBucketPolicy(arn, accountId, s.bucketPrefix)) },
    { parent: bucket, dependsOn: [publicAccess] },
  );
  return bucket;
}

/**
 * One private S3 bucket per zone: public access blocked, owner-enforced ACLs, KMS encryption,
 * versioning, TLS only, lifecycle rules, and server access logs in a log bucket of their own.
 */
export class S3Zones extends pulumi.ComponentResource {
  readonly buckets: Record<Zone, aws.s3.Bucket>;
  readonly bucketNames: Record<Zone, pulumi.Output<string>>;
  readonly arns: Record<Zone, pulumi.Output<string>>;
  readonly accessLogs: aws.s3.Bucket;

  constructor(name: string, args: S3ZonesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("market-data:storage:S3Zones", name, {}, opts);
    const s = args.settings;
    const logs = accessLogBucket(`${name}-access-logs`, args, this);
    const buckets = {} as Record<Zone, aws.s3.Bucket>;
    for (const zone of ZONES) {
      const child = (suffix: string) => `${name}-${zone}-${suffix}`;
      const bucket = new aws.s3.Bucket(`${name}-${zone}`, { bucketPrefix: `${s.bucketPrefix}-${zone}-`, forceDestroy: s.forceDestroy, tags: { ...args.tags, zone } }, { parent: this });
      const publicAccess = privateBucket(`${name}-${zone}`, bucket);
      new aws.s3.BucketServerSideEncryptionConfiguration(
        child("encryption"),
        { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" }, bucketKeyEnabled: true }] },
        { parent: bucket },
      );
      const versioning = new aws.s3.BucketVersioning(
        child("versioning"),
        { bucket: bucket.id, versioningConfiguration: { status: s.versioning ? "Enabled" : "Suspended" } },
        { parent: bucket },
      );
      new aws.s3.BucketLifecycleConfiguration(child("lifecycle"), { bucket: bucket.id, rules: lifecycleRules(zone, s) }, { parent: bucket, dependsOn: [versioning] });
      new aws.s3.BucketPolicy(child("tls-only"), { bucket: bucket.id, policy: whenPresent(bucket.arn, tlsOnlyPolicy) }, { parent: bucket, dependsOn: [publicAccess] });
      new aws.s3.BucketLogging(child("access-logging"), { bucket: bucket.id, targetBucket: logs.id, targetPrefix: accessLogPrefix(zone) }, { parent: bucket });
      buckets[zone] = bucket;
    }
    this.buckets = buckets;
    this.accessLogs = logs;
    this.bucketNames = Object.fromEntries(ZONES.map((z) => [z, buckets[z].bucket])) as Record<Zone, pulumi.Output<string>>;
    this.arns = Object.fromEntries(ZONES.map((z) => [z, buckets[z].arn])) as Record<Zone, pulumi.Output<string>>;
    this.registerOutputs({ bucketNames: this.bucketNames, arns: this.arns });
  }
}
