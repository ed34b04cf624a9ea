import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import { DEFAULT_IMAGES } from "../../infra/config/images";
import { debianMirror, imageExists, type DockerEngine } from "./docker";
import { repoRoot } from "./files";
import { venvPython } from "./python";

const run = promisify(execFile);
const CACHE = path.join(repoRoot(), ".cache", "docker");
const JAVA_HOME = "/usr/lib/jvm/java-17-openjdk-amd64";

/** Jar file names of functions/spark/jars.txt (`artifact-version.jar`). */
export function lockedJarNames(): string[] {
  return readFileSync(path.join(repoRoot(), "functions", "spark", "jars.txt"), "utf8")
    .split("\n")
    .filter((l) => l.trim() && !l.startsWith("#"))
    .map((l) => {
      const [, artifact, version] = l.split(" ")[0]!.split(":");
      return `${artifact}-${version}.jar`;
    });
}

/** The pyspark package of the test virtualenv (scripts/setup-python.sh), with its own jars/. */
/** Spark as the pinned pyspark wheel installs it (its bin/, jars/ and python/), in the test environment. */
export async function pysparkDir(): Promise<string> {
  const { stdout } = await run(venvPython(), ["-c", "import os, pyspark; print(os.path.dirname(pyspark.__file__))"]);
  return stdout.trim();
}

/**
 * A local stand-in for the pinned apache/spark base image, which cannot be pulled here: Debian
 * bookworm (debootstrap, minbase) with python3, this host's Java 17 at /opt/java/openjdk (where the
 * official image keeps its JDK), and Spark at /opt/spark from the pyspark wheel of the same release
 * (its bin/, jars/ and python/lib/, without the connectors that the test environment added), run as
 * the `spark` user 185. Cached in the engine by a tag that changes with any of them.
 */
export async function sparkBaseImage(e: DockerEngine): Promise<string> {
  const release = /:(\d+\.\d+\.\d+)-/.exec(DEFAULT_IMAGES.spark)![1]!;
  const pyspark = await pysparkDir();
  const connectors = new Set(lockedJarNames());
  const sparkJars = readdirSync(path.join(pyspark, "jars")).filter((j) => !connectors.has(j)).sort();
  const javaRelease = readFileSync(path.join(JAVA_HOME, "release"), "utf8");
  const fingerprint = createHash("sha256").update(sparkJars.join("\n")).update(javaRelease).update(readFileSync(__filename)).digest("hex").slice(0, 12);
  const tag = `mdp-test/spark-base:${release}-${fingerprint}`;
  if (await imageExists(e.docker, tag)) return tag;

  const work = path.join(CACHE, "spark-base");
  const rootfs = path.join(work, "rootfs");
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  await run("debootstrap", ["--variant=minbase", "--include=ca-certificates,python3,libstdc++6,procps", "bookworm", rootfs, debianMirror()], { maxBuffer: 64 * 1024 * 1024, timeout: 900_000 });
  const sh = (script: string) => run("sh", ["-ec", script], { cwd: work, maxBuffer: 16 * 1024 * 1024 });
  await sh(`
    mkdir -p rootfs/opt/java/openjdk rootfs/opt/spark/jars rootfs/opt/spark/work-dir
    tar -C ${JAVA_HOME} -chf - --exclude=lib/src.zip bin conf lib release | tar -C rootfs/opt/java/openjdk -xf -
    cp -r "${pyspark}/bin" "${pyspark}/sbin" "${pyspark}/python" rootfs/opt/spark/
    echo 'spark:x:185:185::/opt/spark:/bin/bash' >> rootfs/etc/passwd
    echo 'spark:x:185:' >> rootfs/etc/group
    chown -R 185:185 rootfs/opt/spark/work-dir
  `);
  for (const jar of sparkJars) {
    await run("cp", ["-r", path.join(pyspark, "jars", jar), path.join(rootfs, "opt", "spark", "jars", jar)]);
  }
  await run("tar", ["-C", rootfs, "-cf", path.join(work, "rootfs.tar"), "."], { maxBuffer: 1024 * 1024 });
  await e.docker(
    [
      "import",
      "--change", "ENV JAVA_HOME=/opt/java/openjdk",
      "--change", "ENV SPARK_HOME=/opt/spark",
      "--change", "ENV PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      "--change", "WORKDIR /opt/spark/work-dir",
      "--change", "USER 185",
      path.join(work, "rootfs.tar"),
      tag,
    ],
    { timeoutMs: 900_000 },
  );
  rmSync(work, { recursive: true, force: true });
  return tag;
}

/**
 * The local Maven repository of the tests (.cache/m2, where scripts/fetch-spark-jars.sh resolved
 * the connector jars) served read-only on 127.0.0.1, as the Dockerfile's MAVEN_REPOSITORY.
 */
export async function serveMavenCache(): Promise<{ url: string; close: () => Promise<void> }> {
  const root = path.join(repoRoot(), ".cache", "m2");
  const server: Server = createServer((req, res) => {
    const file = path.join(root, path.normalize(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname)));
    if (!file.startsWith(root + path.sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-length": statSync(file).size });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
