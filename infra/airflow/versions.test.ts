import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { DEFAULT_IMAGES } from "../config";
import { airflowVersionOf } from "./settings";

const ROOT = path.join(__dirname, "..", "..");
const read = (file: string) => readFileSync(path.join(ROOT, file), "utf8");

/** The Airflow image ships the Airflow release and the Python minor version its DAGs are tested on. */
describe("airflow versions", () => {
  const imagePython = /-python(\d+\.\d+)(?:@|$)/.exec(DEFAULT_IMAGES.airflow)?.[1];

  it("pins images.airflow to a tag naming its Python", () => {
    assert.ok(imagePython, DEFAULT_IMAGES.airflow);
  });

  it("has the Python the tests' lock is resolved for (scripts/lock-python.sh)", () => {
    assert.equal(/--python-version (\d+\.\d+)/.exec(read("scripts/lock-python.sh"))?.[1], imagePython);
  });

  it("has the Airflow release the tests run", () => {
    assert.equal(/^apache-airflow==(\S+)$/m.exec(read("python/requirements.in"))?.[1], airflowVersionOf(DEFAULT_IMAGES.airflow));
    assert.equal(/^apache-airflow==(\S+) /m.exec(read("python/requirements.lock"))?.[1], airflowVersionOf(DEFAULT_IMAGES.airflow));
  });

  it("installs against constraints equal to the tests' lock (functions/airflow/constraints.txt, written by scripts/lock-python.sh)", () => {
    const pins = (text: string) => text.split("\n").filter((l) => /^[A-Za-z0-9][^ ]*==/.test(l)).map((l) => l.split(" ")[0]!);
    const constraints = pins(read("functions/airflow/constraints.txt"));
    assert.ok(constraints.length > 100, `${constraints.length} pins`);
    assert.deepEqual(constraints, pins(read("python/requirements.lock")));
    assert.match(read("functions/airflow/Dockerfile"), /pip install [^\n]*-c \/constraints\.txt/);
  });

  it("builds on that image by default", () => {
    assert.equal(/^ARG BASE_IMAGE=(\S+)$/m.exec(read("functions/airflow/Dockerfile"))?.[1], DEFAULT_IMAGES.airflow);
  });
});
