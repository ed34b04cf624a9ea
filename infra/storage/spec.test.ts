import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { STAGING_PREFIX, ZONES, type Zone } from "../../contract";
import type { StorageSettings } from "./settings";
import { accessLogBucketPolicy, accessLogLifecycleRules, lifecycleRules, tlsOnlyPolicy } from "./aws";
import { ZONE_ACCESS, bucketNames, zonePolicyStatements, type ZoneUser } from "./spec";

const ARNS = Object.fromEntries(ZONES.map((z) => [z, `arn:aws:s3:::mdp-${z}`])) as Record<Zone, string>;
const PROD: StorageSettings = { server: "minio", bucketPrefix: "mdp-prod", versioning: true, rawInfrequentAccessDays: 30, noncurrentVersionExpirationDays: 30, forceDestroy: false, accessLogExpirationDays: 365 };

/** Every (action, resource) pair the statements allow. */
function grants(user: ZoneUser): string[] {
  return zonePolicyStatements(user, ARNS).flatMap((s) => s.Action.flatMap((a) => s.Resource.map((r) => `${a} ${r}`)));
}

describe("storage spec", () => {
  describe("bucketNames", () => {
    it("names one bucket per zone after the prefix", () => {
      assert.deepEqual(bucketNames("mdp-dev"), { raw: "mdp-dev-raw", processed: "mdp-dev-processed", realtime: "mdp-dev-realtime", checkpoints: "mdp-dev-checkpoints" });
    });
  });

  describe("zonePolicyStatements", () => {
    it("lets the sink write the raw zone, never delete from it, and touch nothing else", () => {
      assert.deepEqual(grants("sink").sort(), [
        "s3:AbortMultipartUpload arn:aws:s3:::mdp-raw/*",
        "s3:GetBucketLocation arn:aws:s3:::mdp-raw",
        "s3:GetObject arn:aws:s3:::mdp-raw/*",
        "s3:ListBucket arn:aws:s3:::mdp-raw",
        "s3:PutObject arn:aws:s3:::mdp-raw/*",
      ]);
    });

    it("lets Snowflake only read the processed zone", () => {
      assert.deepEqual(grants("snowflake").sort(), ["s3:GetBucketLocation arn:aws:s3:::mdp-processed", "s3:GetObject arn:aws:s3:::mdp-processed/*", "s3:ListBucket arn:aws:s3:::mdp-processed"]);
    });

    it("lets Spark read raw and write the zones it produces", () => {
      const spark = grants("spark");
      assert.ok(!spark.includes("s3:PutObject arn:aws:s3:::mdp-raw/*"), "Spark never rewrites raw data");
      for (const zone of ["processed", "realtime", "checkpoints"]) assert.ok(spark.includes(`s3:PutObject arn:aws:s3:::mdp-${zone}/*`), zone);
    });

    it("never grants a wildcard action or resource, nor anything beyond the zones in the table", () => {
      for (const user of Object.keys(ZONE_ACCESS) as ZoneUser[]) {
        for (const s of zonePolicyStatements(user, ARNS)) {
          assert.equal(s.Effect, "Allow");
          for (const action of s.Action) assert.ok(!action.includes("*"), `${user}: ${action}`);
          for (const resource of s.Resource) {
            const zone = ZONES.find((z) => resource === ARNS[z] || resource === `${ARNS[z]}/*`);
            assert.ok(zone && zone in ZONE_ACCESS[user], `${user} reaches ${resource}`);
          }
        }
      }
    });

    it("refuses to build a policy without a bucket the workload needs", () => {
      assert.throws(() => zonePolicyStatements("sink", { processed: ARNS.processed }), /sink needs the raw bucket/);
    });
  });

  describe("lifecycleRules", () => {
    it("aborts stale multipart uploads in every zone", () => {
      for (const zone of ZONES) assert.ok(lifecycleRules(zone, PROD).some((r) => r.id === "abort-incomplete-uploads"), zone);
    });

    it("moves raw data to infrequent access and expires old versions", () => {
      const rules = lifecycleRules("raw", PROD);
      assert.deepEqual(
        rules.map((r) => r.id),
        ["abort-incomplete-uploads", "expire-old-versions", "raw-to-infrequent-access"],
      );
      assert.deepEqual(rules.find((r) => r.id === "raw-to-infrequent-access")!.transitions, [{ days: 30, storageClass: "STANDARD_IA" }]);
      assert.deepEqual(rules.find((r) => r.id === "expire-old-versions")!.noncurrentVersionExpiration, { noncurrentDays: 30 });
    });

    it("leaves out the rules whose setting is 0", () => {
      assert.deepEqual(
        lifecycleRules("raw", { ...PROD, rawInfrequentAccessDays: 0, noncurrentVersionExpirationDays: 0 }).map((r) => r.id),
        ["abort-incomplete-uploads"],
      );
      assert.ok(!lifecycleRules("processed", PROD).some((r) => r.id === "raw-to-infrequent-access"));
    });

    it("expires what a killed batch job left in the processed zone's staging folder, and nothing else", () => {
      const rules = lifecycleRules("processed", PROD);
      const staging = rules.find((r) => r.id === "expire-abandoned-staging");
      assert.deepEqual(staging?.filter, { prefix: "_staging/" });
      assert.deepEqual(staging?.expiration, { days: 2 });
      assert.equal(rules.filter((r) => r.noncurrentVersionExpiration !== undefined).length, 1, "no second noncurrent-version rule");
      for (const zone of ZONES.filter((z) => z !== "processed")) assert.ok(!lifecycleRules(zone, PROD).some((r) => r.id === "expire-abandoned-staging"), zone);
      const job = readFileSync(path.join(__dirname, "..", "..", "functions", "spark", "jobs", "daily_metrics.py"), "utf8");
      assert.match(job, new RegExp(`^STAGING = "${STAGING_PREFIX.replace(/\/$/, "")}"$`, "m"), "the job stages where the rule expires");
    });

    it("drops old checkpoint versions after a day, with no second rule overlapping that one", () => {
      const rules = lifecycleRules("checkpoints", PROD);
      assert.deepEqual(rules.find((r) => r.id === "expire-old-checkpoints")!.noncurrentVersionExpiration, { noncurrentDays: 1 });
      assert.equal(rules.filter((r) => r.noncurrentVersionExpiration !== undefined).length, 1);
    });

    it("keeps access logs for the configured days", () => {
      const [abort, expire] = accessLogLifecycleRules({ ...PROD, accessLogExpirationDays: 90 });
      assert.equal(abort!.id, "abort-incomplete-uploads");
      assert.deepEqual(expire!.expiration, { days: 90 });
    });
  });

  describe("accessLogBucketPolicy", () => {
    it("denies requests without TLS, and lets only S3's logging service of this account write logs of this stack's buckets", () => {
      const [deny, logs] = JSON.parse(accessLogBucketPolicy("arn:aws:s3:::mdp-prod-logs-1", "123456789012", "mdp-prod")).Statement;
      assert.equal(deny.Sid, "DenyInsecureTransport");
      assert.deepEqual(logs, {
        Sid: "S3ServerAccessLogs",
        Effect: "Allow",
        Principal: { Service: "logging.s3.amazonaws.com" },
        Action: "s3:PutObject",
        Resource: "arn:aws:s3:::mdp-prod-logs-1/*",
        Condition: { StringEquals: { "aws:SourceAccount": "123456789012" }, ArnLike: { "aws:SourceArn": "arn:aws:s3:::mdp-prod-*" } },
      });
    });
  });

  describe("tlsOnlyPolicy", () => {
    it("denies every request to the bucket and its objects without TLS", () => {
      const policy = JSON.parse(tlsOnlyPolicy("arn:aws:s3:::b"));
      assert.deepEqual(policy.Statement, [
        { Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: ["arn:aws:s3:::b", "arn:aws:s3:::b/*"], Condition: { Bool: { "aws:SecureTransport": "false" } } },
      ]);
    });
  });
});
