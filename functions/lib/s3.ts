import { S3Client } from "@aws-sdk/client-s3";
import { ENV } from "../../contract";
import type { EnvReader } from "./env";

export interface S3Settings {
  /** Custom endpoint of an S3-compatible server; unset on AWS. */
  endpoint?: string;
  region: string;
  forcePathStyle: boolean;
  /** Static credentials; when unset the AWS default chain applies (IRSA on Kubernetes). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export function readS3Settings(env: EnvReader): S3Settings {
  const endpoint = env.optional(ENV.s3Endpoint);
  if (endpoint !== undefined && !/^https?:\/\/[^\s/]+(:\d+)?\/?$/.test(endpoint)) {
    env.problem(`\`${ENV.s3Endpoint}\` must be an http(s) URL such as http://minio:9000 (got "${endpoint}")`);
  }
  const accessKeyId = env.optional(ENV.awsAccessKeyId);
  const secretAccessKey = env.optional(ENV.awsSecretAccessKey);
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    env.problem(`\`${ENV.awsAccessKeyId}\` and \`${ENV.awsSecretAccessKey}\` must be set together`);
  }
  return {
    endpoint,
    region: env.string(ENV.s3Region, "us-east-1"),
    forcePathStyle: env.bool(ENV.s3ForcePathStyle, endpoint !== undefined),
    credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined,
  };
}

export function createS3(settings: S3Settings): S3Client {
  return new S3Client({
    endpoint: settings.endpoint,
    region: settings.region,
    forcePathStyle: settings.forcePathStyle,
    credentials: settings.credentials,
    // Our own retry loop decides how long to keep trying; the SDK gives up after a few quick attempts.
    maxAttempts: 3,
    // S3-compatible servers do not all accept the SDK's newer default checksums; AWS needs none.
    ...(settings.endpoint ? { requestChecksumCalculation: "WHEN_REQUIRED" as const, responseChecksumValidation: "WHEN_REQUIRED" as const } : {}),
  });
}
