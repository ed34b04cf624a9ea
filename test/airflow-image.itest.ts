import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { ENSURE_ADMIN_SCRIPT } from "../infra/airflow";
import { IMAGE_BUILDS } from "../infra/images/builds";
import { JOBS_DIR } from "../infra/spark";
import { AIRFLOW_HOME, AIRFLOW_UID, airflowBaseImage } from "./harness/airflow-image";
import { buildImage, dockerEngine, type DockerEngine } from "./harness/docker";
import { repoRoot } from "./harness/files";

const IMAGE = "mdp-test/airflow:itest";

/** What Airflow's DAG processor finds in the image's DAG folder (the `dags-folder` bundle, on sys.path as there): its import errors and DAG ids, as JSON. */
const DAGBAG = `
import json
from pathlib import Path
from airflow import settings
from airflow.dag_processing.dagbag import BundleDagBag
folder = Path(settings.DAGS_FOLDER)
bag = BundleDagBag(dag_folder=folder, bundle_path=folder, bundle_name="dags-folder")
print(json.dumps({"dags_folder": str(folder), "import_errors": bag.import_errors, "dag_ids": sorted(bag.dag_ids)}))
`;

/** The Airflow image as users build it (functions/airflow/Dockerfile), on a stand-in for its pinned base. */
describe("airflow image", function () {
  let engine: DockerEngine;

  before(async function () {
    engine = await dockerEngine();
    const base = await airflowBaseImage(engine);
    await buildImage(engine, { ...IMAGE_BUILDS.airflow, baseImage: base, tag: IMAGE });
  });

  const inImage = async (entrypoint: string, ...args: string[]) => (await engine.docker(["run", "--rm", "--network", "none", "--entrypoint", entrypoint, IMAGE, ...args], { timeoutMs: 300_000 })).trim();

  it("runs as the airflow user 50000 in group 0", async () => {
    assert.equal(await inImage("id"), `uid=${AIRFLOW_UID}(airflow) gid=0(root) groups=0(root)`);
  });

  it("imports the DAGs from its DAG folder in its own Airflow, offline, with no error: exactly market_data_daily and market_data_hourly", async () => {
    const lines = (await inImage("python", "-c", DAGBAG)).split("\n");
    const bag = JSON.parse(lines[lines.length - 1]!) as { dags_folder: string; import_errors: Record<string, string>; dag_ids: string[] };
    assert.equal(bag.dags_folder, `${AIRFLOW_HOME}/dags`, "the folder the Dockerfile copies the DAGs to");
    assert.deepEqual(bag.import_errors, {});
    assert.deepEqual(bag.dag_ids, ["market_data_daily", "market_data_hourly"]);
  });

  it("installs exactly the versions of its constraints (functions/airflow/constraints.txt, the tests' lock)", async () => {
    const name = (n: string) => n.toLowerCase().replace(/[-_.]+/g, "-");
    const pins = (text: string) => new Map(text.split("\n").filter((l) => /^[A-Za-z0-9][^ ]*==/.test(l)).map((l) => l.split("==") as [string, string]).map(([n, v]) => [name(n), v.trim()]));
    const constraints = pins(readFileSync(path.join(repoRoot(), "functions", "airflow", "constraints.txt"), "utf8"));
    const installed = pins(await inImage("python", "-m", "pip", "freeze", "--all"));
    assert.equal(installed.get("apache-airflow"), constraints.get("apache-airflow"));
    const differing = [...installed].filter(([n, v]) => constraints.has(n) && constraints.get(n) !== v);
    assert.deepEqual(differing, [], "installed versions that differ from the constraints");
    const unconstrained = [...installed.keys()].filter((n) => !constraints.has(n) && !["pip", "setuptools", "wheel"].includes(n));
    assert.deepEqual(unconstrained, [], "installed packages the constraints do not pin");
  });

  it("carries the admin script where the chart runs it, and the Spark jobs where the DAGs submit them", async () => {
    assert.equal(await inImage("ls", ENSURE_ADMIN_SCRIPT), ENSURE_ADMIN_SCRIPT);
    const jobs = (await inImage("ls", JOBS_DIR)).split("\n");
    for (const file of ["contract.json", "daily_metrics.py", "tick_windows.py", "window_publisher.py"]) assert.ok(jobs.includes(file), `${file} in ${jobs.join(", ")}`);
  });

  it("leaves out the tests of the jobs and of the DAGs (functions/.dockerignore)", async () => {
    const copied = (await inImage("find", JOBS_DIR, `${AIRFLOW_HOME}/dags`, "-name", "test_*.py", "-o", "-name", "conftest.py", "-o", "-name", "testing.py")).split("\n").filter(Boolean);
    assert.deepEqual(copied, []);
  });
});
