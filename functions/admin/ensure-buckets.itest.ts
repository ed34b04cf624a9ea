import { randomBytes } from "node:crypto";
import { HeadBucketCommand } from "@aws-sdk/client-s3";
import { s3Client, testServers } from "../../test/harness";
import { silentLogger } from "../lib";
import { ensureBuckets } from "./ensure-buckets";

describe("ensure-buckets against a real S3 server", () => {
  it("creates missing buckets, leaves existing ones, and can run again", async () => {
    const { s3 } = await testServers();
    const client = s3Client(s3);
    const buckets = [`eb-${randomBytes(3).toString("hex")}-raw`, `eb-${randomBytes(3).toString("hex")}-processed`];
    await ensureBuckets(client, { buckets, versioning: false }, silentLogger);
    await ensureBuckets(client, { buckets, versioning: false }, silentLogger);
    for (const bucket of buckets) await client.send(new HeadBucketCommand({ Bucket: bucket }));
  });
});
