import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { sparkSecurityConf } from "../infra/spark";
import { createRunDir, tailOfFile } from "./harness/files";
import { freePorts, removeOnExit, ServerProcess } from "./harness/process";
import { venvPython } from "./harness/python";
import { pysparkDir } from "./harness/spark-image";
import { startAndWait } from "./harness/wait";

/** A driver that registers with the master, holds on for `seconds`, and stops. */
const DRIVER = `
import sys, time
from pyspark import SparkConf, SparkContext
master, name, conf_file, seconds = sys.argv[1:5]
conf = SparkConf().setMaster(master).setAppName(name)
conf.set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1").set("spark.ui.enabled", "false")
for line in open(conf_file):
    if line.strip():
        key, value = line.strip().split(" ", 1)
        conf.set(key, value)
sc = SparkContext(conf=conf)
time.sleep(float(seconds))
sc.stop()
`;

const readFileOr = (file: string) => (existsSync(file) ? readFileSync(file, "utf8") : "");

interface MasterState {
  activeapps: { name: string }[];
}

/**
 * The cluster conf the program puts in the Spark pods' Secret (`sparkSecurityConf`), on a real
 * standalone master of the pinned release: a driver with the secret registers, one without it or
 * with another secret never does.
 */
describe("Spark's authentication conf on a real master", function () {
  this.timeout(600_000);
  const dir = createRunDir("spark-auth");
  removeOnExit(dir);
  const secret = randomBytes(24).toString("hex");
  const files = {
    cluster: path.join(dir, "cluster.conf"),
    other: path.join(dir, "other-secret.conf"),
    none: path.join(dir, "no-auth.conf"),
  };
  let master: ServerProcess;
  let url: string;
  let ui: string;
  const log = path.join(dir, "master.log");

  before(async () => {
    writeFileSync(files.cluster, sparkSecurityConf(secret));
    writeFileSync(files.other, sparkSecurityConf(randomBytes(24).toString("hex")));
    writeFileSync(files.none, "spark.authenticate false\n");
    const [port, webui] = await freePorts(2);
    url = `spark://127.0.0.1:${port}`;
    ui = `http://127.0.0.1:${webui}/json/`;
    const home = await pysparkDir();
    master = new ServerProcess({
      name: "spark-master",
      command: path.join(home, "bin", "spark-class"),
      args: ["org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", String(port), "--webui-port", String(webui), "--properties-file", files.cluster],
      cwd: dir,
      outputFile: log,
      env: { ...process.env, SPARK_HOME: home, SPARK_LOCAL_IP: "127.0.0.1", SPARK_LOG_DIR: dir, SPARK_NO_DAEMONIZE: "1" },
    });
    await startAndWait(master, async () => void (await state()), { name: "spark-master", timeoutMs: 120_000, diagnostics: () => tailOfFile(log) });
  });

  after(async () => master?.stop(10_000));

  async function state(): Promise<MasterState> {
    const response = await fetch(ui);
    if (!response.ok) throw new Error(`${ui}: HTTP ${response.status}`);
    return (await response.json()) as MasterState;
  }

  /**
   * Starts a driver with `confFile` and waits until the master lists it, or until the driver says
   * the master turned it away (Spark logs "Failed to connect to master" and retries).
   */
  async function attempt(name: string, confFile: string): Promise<{ registered: boolean; log: string }> {
    const output = path.join(dir, `${name}.log`);
    const driver = new ServerProcess({ name, command: venvPython(), args: ["-c", DRIVER, url, name, confFile, "300"], cwd: dir, outputFile: output, env: { ...process.env, SPARK_LOCAL_IP: "127.0.0.1" } });
    driver.spawn();
    try {
      const started = Date.now();
      for (;;) {
        if ((await state()).activeapps.some((app) => app.name === name)) return { registered: true, log: readFileOr(output) };
        const log = readFileOr(output);
        if (log.includes("Failed to connect to master")) return { registered: false, log };
        if (!driver.isRunning) throw new Error(`driver ${name} exited before it reached the master:\n${tailOfFile(output)}`);
        if (Date.now() - started > 240_000) throw new Error(`driver ${name} neither registered nor was refused within 240 s:\n${tailOfFile(output)}`);
        await sleep(500);
      }
    } finally {
      await driver.stop(10_000);
    }
  }

  it("registers a driver that holds the cluster's secret", async () => {
    const driver = await attempt("with-secret", files.cluster);
    assert.ok(driver.registered, `not registered; driver log:\n${driver.log.slice(-4000)}`);
  });

  it("refuses a driver without authentication, and one with another secret", async () => {
    for (const [name, conf] of [["without-auth", files.none], ["other-secret", files.other]] as const) {
      const driver = await attempt(name, conf);
      assert.equal(driver.registered, false, `${name} registered`);
      assert.equal((await state()).activeapps.length, 0, "no application but the one that left");
    }
  });
});
