import { ZONES, type Zone } from "../../contract";

/** Bucket name of each zone: `<prefix>-<zone>`. */
export function bucketNames(prefix: string): Record<Zone, string> {
  return Object.fromEntries(ZONES.map((zone) => [zone, `${prefix}-${zone}`])) as Record<Zone, string>;
}

/**
 * How a workload may use a zone: `read`; `append` (read and write objects, never delete one: the
 * sink only ever rewrites a key with the same bytes); `readwrite` (also delete, as Spark's partition
 * overwrite and checkpoint clean-up do).
 */
export type ZoneAccess = "read" | "append" | "readwrite";

/** What each workload may do in each zone; IAM policies and docs are generated from this table. */
export const ZONE_ACCESS = {
  sink: { raw: "append" },
  spark: { raw: "read", processed: "readwrite", realtime: "readwrite", checkpoints: "readwrite" },
  snowflake: { processed: "read" },
  airflow: { raw: "read", processed: "read" },
} as const satisfies Record<string, Partial<Record<Zone, ZoneAccess>>>;

export type ZoneUser = keyof typeof ZONE_ACCESS;

const OBJECT_ACTIONS: Record<ZoneAccess, string[]> = {
  read: ["s3:GetObject"],
  append: ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"],
  readwrite: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
};

export interface S3Statement {
  Sid: string;
  Effect: "Allow";
  Action: string[];
  Resource: string[];
}

/** Least-privilege S3 statements for a workload, given the bucket ARN of each zone it uses. */
export function zonePolicyStatements(user: ZoneUser, bucketArns: Partial<Record<Zone, string>>): S3Statement[] {
  const grants = ZONE_ACCESS[user] as Partial<Record<Zone, ZoneAccess>>;
  return Object.entries(grants).flatMap(([zone, access]) => {
    const arn = bucketArns[zone as Zone];
    if (!arn) throw new Error(`${user} needs the ${zone} bucket, which was not given`);
    const objectActions = OBJECT_ACTIONS[access];
    return [
      { Sid: `${zone}List`, Effect: "Allow" as const, Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: [arn] },
      { Sid: `${zone}Objects`, Effect: "Allow" as const, Action: objectActions, Resource: [`${arn}/*`] },
    ];
  });
}
