import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ZONES, type Zone } from "../../contract";
import type { StorageSettings } from "../config";

export interface S3ZonesArgs {
  settings: StorageSettings;
  tags: Record<string, string>;
}

/** Lifecycle rules of a zone: pure, so that tests read them without the engine. */
export function lifecycleRules(zone: Zone, s: StorageSettings): aws.types.input.s3.BucketLifecycleConfigurationRule[] {
  const rules: aws.types.input.s3.BucketLifecycleConfigurationRule[] = [
    { id: "abort-incomplete-uploads", status: "Enabled", filter: {}, abortIncompleteMultipartUpload: { daysAfterInitiation: 7 } },
  ];
  if (s.noncurrentVersionExpirationDays > 0) {
    rules.push({ id: "expire-old-versions", status: "Enabled", filter: {}, noncurrentVersionExpiration: { noncurrentDays: s.noncurrentVersionExpirationDays } });
  }
  if (zone === "raw" && s.rawInfrequentAccessDays > 0) {
    rules.push({ id: "raw-to-infrequent-access", status: "Enabled", filter: {}, transitions: [{ days: s.rawInfrequentAccessDays, storageClass: "STANDARD_IA" }] });
  }
  if (zone === "checkpoints") {
    // Streaming checkpoints are rewritten continually; old versions only cost money.
    rules.push({ id: "expire-old-checkpoints", status: "Enabled", filter: {}, noncurrentVersionExpiration: { noncurrentDays: 1 } });
  }
  return rules;
}

/** Refuses every request that does not use TLS. */
export function tlsOnlyPolicy(bucketArn: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ],
  });
}

/**
 * One private S3 bucket per zone: public access blocked, owner-enforced ACLs, KMS encryption,
 * versioning, TLS only, and lifecycle rules.
 */
export class S3Zones extends pulumi.ComponentResource {
  readonly buckets: Record<Zone, aws.s3.Bucket>;
  readonly names: Record<Zone, pulumi.Output<string>>;
  readonly arns: Record<Zone, pulumi.Output<string>>;

  constructor(name: string, args: S3ZonesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("market-data:storage:S3Zones", name, {}, opts);
    const s = args.settings;
    const buckets = {} as Record<Zone, aws.s3.Bucket>;
    for (const zone of ZONES) {
      const child = (suffix: string) => `${name}-${zone}-${suffix}`;
      const bucket = new aws.s3.Bucket(`${name}-${zone}`, { bucketPrefix: `${s.bucketPrefix}-${zone}-`, forceDestroy: s.forceDestroy, tags: { ...args.tags, zone } }, { parent: this });
      const publicAccess = new aws.s3.BucketPublicAccessBlock(
        child("public-access"),
        { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
        { parent: bucket },
      );
      new aws.s3.BucketOwnershipControls(child("ownership"), { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, { parent: bucket });
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
      new aws.s3.BucketPolicy(child("tls-only"), { bucket: bucket.id, policy: bucket.arn.apply(tlsOnlyPolicy) }, { parent: bucket, dependsOn: [publicAccess] });
      buckets[zone] = bucket;
    }
    this.buckets = buckets;
    this.names = Object.fromEntries(ZONES.map((z) => [z, buckets[z].bucket])) as Record<Zone, pulumi.Output<string>>;
    this.arns = Object.fromEntries(ZONES.map((z) => [z, buckets[z].arn])) as Record<Zone, pulumi.Output<string>>;
    this.registerOutputs({ names: this.names, arns: this.arns });
  }
}
