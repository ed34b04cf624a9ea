import assert from "node:assert/strict";
import { FUNCTION_COMMANDS, TOPICS } from "../../contract";
import { FunctionProcess, createBucket, ensureTopic, kafkaClient, s3Client, sinkEnvironment, testServers } from "../../test/harness";
import { pythonTestEnv, runPython } from "../../test/harness/python";

/**
 * The DAGs' own tests (pytest, functions/airflow/dags/market_data/test_*.py) in a real Airflow:
 * `dag.test()` of each DAG against this run's Kafka broker and S3 server, with the sink running
 * (as in the functions image) into a raw bucket of its own, Spark in local mode and fakesnow.
 */
describe("airflow DAGs (pytest)", function () {
  let sink: FunctionProcess | undefined;

  after(async () => {
    await sink?.kill();
  });

  it("pass their tests against the harness's Kafka and S3 servers, with a running sink", async () => {
    const servers = await testServers();
    const suffix = Date.now().toString(36);
    const raw = `af-sink-raw-${suffix}`;
    const group = `af-sink-${suffix}`;
    await createBucket(s3Client(servers.s3), raw);
    const kafka = kafkaClient(servers.kafka, "dags-itest");
    await ensureTopic(kafka, TOPICS.batch, 3);
    await ensureTopic(kafka, TOPICS.realtime, 3);
    sink = await FunctionProcess.start("dags-sink", FUNCTION_COMMANDS.sink, sinkEnvironment(servers, raw, group));
    const env = { ...pythonTestEnv(servers), DAG_TEST_RAW_BUCKET: raw, DAG_TEST_SINK_GROUP: group };
    const code = await runPython(["-m", "pytest", "functions/airflow", "-q", "--durations=5"], env);
    assert.equal(code, 0, `pytest failed; its report is above (the sink's log: ${sink.logFile})`);
  });
});
