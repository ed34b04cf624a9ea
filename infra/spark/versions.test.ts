import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { DEFAULT_IMAGES } from "../config";

const ROOT = path.join(__dirname, "..", "..");
const read = (file: string) => readFileSync(path.join(ROOT, file), "utf8");

/** The Spark release of the image tag, the tests' pyspark and the connector jars is one and the same. */
describe("spark versions", () => {
  const imageRelease = /^apache\/spark:(\d+\.\d+\.\d+)-scala2\.13-/.exec(DEFAULT_IMAGES.spark)?.[1];
  const locked = (artifact: string) => new RegExp(`^[^:\\s]+:${artifact.replace(/[.]/g, "\\.")}:(\\S+) [0-9a-f]{64}$`, "m").exec(read("functions/spark/jars.txt"))?.[1];

  it("pins images.spark to a Spark release built for Scala 2.13", () => {
    assert.ok(imageRelease, DEFAULT_IMAGES.spark);
  });

  it("tests with the pyspark of that release", () => {
    assert.equal(/^pyspark==(\S+)$/m.exec(read("python/requirements.in"))?.[1], imageRelease);
    assert.equal(/^pyspark==(\S+) /m.exec(read("python/requirements.lock"))?.[1], imageRelease);
  });

  it("installs the Kafka connector of that release into the image", () => {
    assert.equal(locked("spark-sql-kafka-0-10_2.13"), imageRelease);
    assert.equal(locked("spark-token-provider-kafka-0-10_2.13"), imageRelease);
    assert.equal(/<spark\.version>(.+)<\/spark\.version>/.exec(read("functions/spark/pom.xml"))?.[1], imageRelease);
  });

  it("builds on that image by default, and installs S3A of the Hadoop release the pom names", () => {
    assert.equal(/^ARG BASE_IMAGE=(\S+)$/m.exec(read("functions/spark/Dockerfile"))?.[1], DEFAULT_IMAGES.spark);
    assert.equal(locked("hadoop-aws"), /<hadoop\.version>(.+)<\/hadoop\.version>/.exec(read("functions/spark/pom.xml"))?.[1]);
  });
});
