import {
  CreateBucketCommand,
  DeleteBucketPolicyCommand,
  GetBucketPolicyCommand,
  HeadBucketCommand,
  PutBucketVersioningCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { INIT_ENV } from "../../contract";
import { EnvError, EnvReader, createLogger, createS3, readS3Settings, retry, type Logger } from "../lib";

export const COMPONENT = "ensure-buckets";
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export interface BucketPlan {
  buckets: string[];
  versioning: boolean;
}

/** Reads the job's environment: the buckets as a JSON list, and whether to version them. */
export function readBucketPlan(env: EnvReader): BucketPlan {
  const text = env.required(INIT_ENV.buckets);
  let buckets: unknown = [];
  try {
    buckets = text ? JSON.parse(text) : [];
  } catch {
    env.problem(`\`${INIT_ENV.buckets}\` must be a JSON list of bucket names (got "${text}")`);
  }
  if (!Array.isArray(buckets) || buckets.length === 0 || !buckets.every((b) => typeof b === "string" && BUCKET_NAME.test(b))) {
    env.problem(`\`${INIT_ENV.buckets}\` must list valid bucket names: 3 to 63 lower-case letters, digits, dots and dashes (got ${text ? `"${text}"` : "nothing"})`);
    buckets = [];
  }
  return { buckets: buckets as string[], versioning: env.bool(INIT_ENV.versioning, false) };
}

function errorName(err: unknown): string {
  return (err as { name?: string; Code?: string }).name ?? (err as { Code?: string }).Code ?? "";
}

/** A bucket policy that lets anyone in is removed: buckets of the platform are private. */
export function grantsPublicAccess(policy: string): boolean {
  const doc = JSON.parse(policy) as { Statement?: { Effect?: string; Principal?: unknown }[] };
  return (doc.Statement ?? []).some((s) => {
    if (s.Effect !== "Allow") return false;
    const p = s.Principal;
    if (p === "*") return true;
    const aws = (p as { AWS?: unknown } | undefined)?.AWS;
    return aws === "*" || (Array.isArray(aws) && aws.includes("*"));
  });
}

/**
 * Creates the missing buckets, turns versioning on when asked, and removes any policy that opens a
 * bucket to the public. Idempotent: run it on every deployment.
 */
export async function ensureBuckets(s3: S3Client, plan: BucketPlan, log: Logger): Promise<void> {
  for (const bucket of plan.buckets) {
    try {
      await s3.send(new HeadBucketCommand({ Bucket: bucket }));
      log.info("bucket exists", { bucket });
    } catch (err) {
      if (!["NotFound", "NoSuchBucket"].includes(errorName(err)) && (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== 404) throw err;
      try {
        await s3.send(new CreateBucketCommand({ Bucket: bucket }));
        log.info("bucket created", { bucket });
      } catch (createErr) {
        if (errorName(createErr) !== "BucketAlreadyOwnedByYou") throw createErr;
      }
    }
    if (plan.versioning) {
      await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }));
      log.info("versioning enabled", { bucket });
    }
    try {
      const { Policy } = await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }));
      if (Policy && grantsPublicAccess(Policy)) {
        await s3.send(new DeleteBucketPolicyCommand({ Bucket: bucket }));
        log.warn("removed a public bucket policy", { bucket });
      }
    } catch (err) {
      // No policy means private (S3 says NoSuchBucketPolicy, some servers NoSuchPolicy or a bare 404);
      // servers without policy support have nothing to remove.
      const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (!["NoSuchBucketPolicy", "NoSuchPolicy", "NotImplemented"].includes(errorName(err)) && status !== 404) throw err;
    }
  }
}

export async function main(vars: Readonly<Record<string, string | undefined>> = process.env): Promise<number> {
  const log = createLogger(COMPONENT);
  const env = new EnvReader(vars);
  const plan = readBucketPlan(env);
  const s3Settings = readS3Settings(env);
  try {
    env.done();
  } catch (err) {
    if (!(err instanceof EnvError)) throw err;
    log.error("invalid configuration", { problems: err.problems });
    return 2;
  }
  const s3 = createS3(s3Settings);
  try {
    // The server may still be starting when the job runs.
    await retry(() => ensureBuckets(s3, plan, log), {
      attempts: 30,
      baseMs: 500,
      maxMs: 5_000,
      onRetry: (err, attempt, delayMs) => log.warn("object store not ready, retrying", { attempt, delayMs, err }),
    });
    return 0;
  } catch (err) {
    log.error("could not prepare the buckets", { err, buckets: plan.buckets });
    return 1;
  } finally {
    s3.destroy();
  }
}
