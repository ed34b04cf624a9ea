import assert from "node:assert/strict";
import { testServers } from "../../test/harness";
import { pythonTestEnv, runPython } from "../../test/harness/python";

/**
 * The Spark jobs' own tests (pytest, functions/spark/jobs/test_*.py) on pyspark in local mode,
 * against this run's Kafka broker and S3 server: one SparkSession for the whole suite.
 */
describe("spark jobs (pytest)", function () {
  it("pass their tests against the harness's Kafka and S3 servers", async () => {
    const code = await runPython(["-m", "pytest", "functions/spark/jobs", "-q", "--durations=5"], pythonTestEnv(await testServers()));
    assert.equal(code, 0, "pytest failed; its report is above");
  });
});
