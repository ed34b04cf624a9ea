import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { parseDataObjectKey, type DataObject } from "../../contract";

export interface LandedRecord {
  object: DataObject;
  key: string;
  record: Record<string, unknown>;
}

export async function createBucket(s3: S3Client, bucket: string): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
}

export async function listKeys(s3: S3Client, bucket: string, prefix?: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

/** Every record in the sink's data objects of a bucket (its journal and anything else is skipped). */
export async function readLanded(s3: S3Client, bucket: string): Promise<LandedRecord[]> {
  const landed: LandedRecord[] = [];
  for (const key of await listKeys(s3, bucket)) {
    const object = parseDataObjectKey(key);
    if (!object) continue;
    const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const body = await res.Body!.transformToString();
    for (const line of body.split("\n").filter(Boolean)) landed.push({ object, key, record: JSON.parse(line) as Record<string, unknown> });
  }
  return landed;
}

/** Ids that landed other than exactly once, to make a failed exactly-once check readable. */
export function exactlyOnceViolations(expected: Iterable<string>, landedIds: string[]): { missing: string[]; duplicated: string[]; unexpected: string[] } {
  const counts = new Map<string, number>();
  for (const id of landedIds) counts.set(id, (counts.get(id) ?? 0) + 1);
  const wanted = new Set(expected);
  return {
    missing: [...wanted].filter((id) => !counts.has(id)),
    duplicated: [...counts].filter(([, n]) => n > 1).map(([id]) => id),
    unexpected: [...counts.keys()].filter((id) => !wanted.has(id)),
  };
}
