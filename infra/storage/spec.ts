import { ZONES, type Zone } from "../../contract";

/** Bucket name of each zone: `<prefix>-<zone>`. */
export function bucketNames(prefix: string): Record<Zone, string> {
  return Object.fromEntries(ZONES.map((zone) => [zone, `${prefix}-${zone}`])) as Record<Zone, string>;
}

/** What each workload may do in each zone; IAM policies and docs are generated from this table. */
export const ZONE_ACCESS = {
  sink: { raw: "readwrite" },
  spark: { raw: "read", processed: "readwrite", realtime: "readwrite", checkpoints: "readwrite" },
  snowflake: { processed: "read" },
  airflow: { raw: "read", processed: "read" },
} as const satisfies Record<string, Partial<Record<Zone, "read" | "readwrite">>>;

export type ZoneUser = keyof typeof ZONE_ACCESS;

export interface S3Statement {
  Sid: string;
  Effect: "Allow";
  Action: string[];
  Resource: string[];
}

/** Least-privilege S3 statements for a workload, given the bucket ARN of each zone it uses. */
export function zonePolicyStatements(user: ZoneUser, bucketArns: Partial<Record<Zone, string>>): S3Statement[] {
  const grants = ZONE_ACCESS[user] as Partial<Record<Zone, "read" | "readwrite">>;
  return Object.entries(grants).flatMap(([zone, access]) => {
    const arn = bucketArns[zone as Zone];
    if (!arn) throw new Error(`${user} needs the ${zone} bucket, which was not given`);
    const objectActions = access === "readwrite" ? ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"] : ["s3:GetObject"];
    return [
      { Sid: `${zone}List`, Effect: "Allow" as const, Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: [arn] },
      { Sid: `${zone}Objects`, Effect: "Allow" as const, Action: objectActions, Resource: [`${arn}/*`] },
    ];
  });
}
