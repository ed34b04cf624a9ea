import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { airflowVersionOf } from "../../infra/airflow/settings";
import { DEFAULT_IMAGES } from "../../infra/config/images";
import { debianMirror, imageExists, type DockerEngine } from "./docker";
import { repoRoot } from "./files";
import { venvPython } from "./python";

const run = promisify(execFile);
const CACHE = path.join(repoRoot(), ".cache");
const LOCK = path.join(repoRoot(), "python", "requirements.lock");
/** The official image's user: uid 50000 in group 0, its home and its AIRFLOW_HOME. */
export const AIRFLOW_UID = 50000;
export const AIRFLOW_USER_HOME = "/home/airflow";
export const AIRFLOW_HOME = "/opt/airflow";
/** Packages of the lock that only the tests use (Spark runs in the Spark image, the tools on the host): the largest wheels, left out of the wheelhouse. */
const TEST_ONLY = new Set(["pyspark", "py4j", "duckdb", "mypy", "ruff"]);
const WHEELHOUSE_IN_IMAGE = "/wheelhouse";
const VENV = `${AIRFLOW_USER_HOME}/.local`;
/** The Python of Debian bookworm, and its packages a virtualenv needs (debootstrap does not resolve virtual packages). */
const BOOKWORM_PYTHON = "3.11";
const PYTHON_PACKAGES = ["python3", "python3-venv", "python3.11-venv", "python3-distutils", "python3-lib2to3", "python3-pip-whl", "python3-setuptools-whl"];

/** python/requirements.lock without the TEST_ONLY packages (each entry: its pin line, its hashes and its comments). */
export function wheelhouseLock(lock = readFileSync(LOCK, "utf8")): string {
  let keep = true;
  return lock
    .split("\n")
    .filter((line) => {
      const pin = /^([A-Za-z0-9][A-Za-z0-9._-]*)==/.exec(line);
      if (pin) keep = !TEST_ONLY.has(pin[1]!.toLowerCase());
      return keep;
    })
    .join("\n");
}

/**
 * The wheels of wheelhouseLock(), fetched by the test environment's pip (`--no-deps
 * --require-hashes`, so exactly the locked files) into .cache/airflow-wheelhouse/<hash of the lock>.
 * Every locked package publishes a wheel for CPython 3.11 on x86_64 Linux: no sdist is built.
 */
export async function airflowWheelhouse(lock: string): Promise<string> {
  const fingerprint = createHash("sha256").update(lock).digest("hex").slice(0, 12);
  const root = path.join(CACHE, "airflow-wheelhouse");
  const dir = path.join(root, fingerprint);
  for (const old of existsSync(root) ? readdirSync(root) : []) if (old !== fingerprint) rmSync(path.join(root, old), { recursive: true, force: true });
  if (existsSync(path.join(dir, ".complete"))) return dir;
  mkdirSync(dir, { recursive: true });
  const requirements = path.join(root, `${fingerprint}.txt`);
  writeFileSync(requirements, lock);
  await run(venvPython(), ["-m", "pip", "download", "--quiet", "--no-deps", "--require-hashes", "-r", requirements, "-d", dir], { maxBuffer: 64 * 1024 * 1024, timeout: 900_000 });
  rmSync(requirements);
  const sdists = readdirSync(dir).filter((f) => !f.endsWith(".whl"));
  if (sdists.length) throw new Error(`the Airflow wheelhouse needs wheels only; the lock has sdists: ${sdists.join(", ")}`);
  writeFileSync(path.join(dir, ".complete"), "");
  return dir;
}

/**
 * A local stand-in for the pinned apache/airflow base image, which cannot be pulled here, with what
 * functions/airflow/Dockerfile relies on in it: the `airflow` user 50000 in group 0 (home
 * /home/airflow), Debian bookworm's Python 3.11 as a virtualenv that user owns, first on PATH (so
 * that its `pip install` works), AIRFLOW_VERSION and AIRFLOW_HOME. No index is reachable from the
 * build: pip installs from a wheelhouse of the locked packages inside the image (PIP_NO_INDEX,
 * PIP_FIND_LINKS). Airflow itself is not preinstalled, as it is in the real image: the Dockerfile's
 * pinned `pip install` must bring it. Cached in the engine by a tag that changes with the lock or
 * this file; the stand-ins of other tags are removed.
 */
export async function airflowBaseImage(e: DockerEngine): Promise<string> {
  const release = airflowVersionOf(DEFAULT_IMAGES.airflow);
  const python = /-python(\d+\.\d+)/.exec(DEFAULT_IMAGES.airflow)![1]!;
  const lock = wheelhouseLock();
  const fingerprint = createHash("sha256").update(lock).update(readFileSync(__filename)).digest("hex").slice(0, 12);
  if (python !== BOOKWORM_PYTHON) throw new Error(`the Airflow stand-in has Debian bookworm's Python ${BOOKWORM_PYTHON}; \`images.airflow\` names Python ${python} (${DEFAULT_IMAGES.airflow})`);
  const tag = `mdp-test/airflow-base:${release}-python${python}-${fingerprint}`;
  if (await imageExists(e.docker, tag)) return tag;

  const wheelhouse = await airflowWheelhouse(lock);
  const work = path.join(CACHE, "docker", "airflow-base");
  const rootfs = path.join(work, "rootfs");
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  await run("debootstrap", ["--variant=minbase", `--include=${["ca-certificates", ...PYTHON_PACKAGES].join(",")}`, "bookworm", rootfs, debianMirror()], { maxBuffer: 64 * 1024 * 1024, timeout: 900_000 });
  const sh = (script: string) => run("sh", ["-ec", script], { cwd: work, maxBuffer: 16 * 1024 * 1024, timeout: 600_000 });
  await sh(`
    echo 'airflow:x:${AIRFLOW_UID}:0::${AIRFLOW_USER_HOME}:/bin/bash' >> rootfs/etc/passwd
    mkdir -p rootfs${AIRFLOW_USER_HOME} rootfs${AIRFLOW_HOME} rootfs${WHEELHOUSE_IN_IMAGE}
    chroot rootfs /usr/bin/python${python} -m venv ${VENV}
    cp "${wheelhouse}"/*.whl rootfs${WHEELHOUSE_IN_IMAGE}/
    chown -R ${AIRFLOW_UID}:0 rootfs${AIRFLOW_USER_HOME} rootfs${AIRFLOW_HOME}
  `);
  await run("tar", ["-C", rootfs, "-cf", path.join(work, "rootfs.tar"), "."], { maxBuffer: 1024 * 1024, timeout: 600_000 });
  await e.docker(
    [
      "import",
      "--change", `ENV PATH=${VENV}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
      "--change", `ENV AIRFLOW_VERSION=${release}`,
      "--change", `ENV AIRFLOW_HOME=${AIRFLOW_HOME}`,
      "--change", "ENV PIP_NO_INDEX=1",
      "--change", `ENV PIP_FIND_LINKS=${WHEELHOUSE_IN_IMAGE}`,
      "--change", `WORKDIR ${AIRFLOW_HOME}`,
      "--change", `USER ${AIRFLOW_UID}`,
      path.join(work, "rootfs.tar"),
      tag,
    ],
    { timeoutMs: 900_000 },
  );
  rmSync(work, { recursive: true, force: true });
  // A stand-in of an earlier lock or harness would stay in the kept data root (about 500 MB each).
  const repository = tag.slice(0, tag.lastIndexOf(":"));
  const stale = (await e.docker(["image", "ls", "--format", "{{.Repository}}:{{.Tag}}", repository])).split("\n").filter((t) => t && t !== tag);
  if (stale.length) await e.docker(["image", "rm", ...stale]).catch(() => undefined);
  return tag;
}
