import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { volumeOwnerSpec } from "../infra/storage/docker";
import { OBJECT_STORE_SERVERS } from "../infra/storage/servers";
import { dockerEngine, dockerRunArgs, nodeBaseImage, type DockerEngine } from "./harness/docker";
import { repoRoot } from "./harness/files";

/**
 * What the Docker engine does that the local stack depends on and the mock engine cannot show: how
 * it spells capabilities, and what happens to a volume's owner at its first mount. Run on the real
 * engine, with the exact user, capabilities and mounts the program's specs declare.
 */
describe("the Docker engine's behaviour the local stack relies on", function () {
  let engine: DockerEngine;
  let base: string;
  /** An image that ships its data folder owned by root, as server images do. */
  let serverImage: string;
  const created: { containers: string[]; volumes: string[] } = { containers: [], volumes: [] };
  const dataPath = OBJECT_STORE_SERVERS.minio.dataPath;
  const unique = (prefix: string) => `${prefix}-${randomBytes(3).toString("hex")}`;

  before(async function () {
    engine = await dockerEngine();
    base = await nodeBaseImage(engine);
    const context = path.join(repoRoot(), ".cache", "docker", unique("server-image"));
    mkdirSync(context, { recursive: true });
    writeFileSync(path.join(context, "Dockerfile"), `ARG BASE_IMAGE\nFROM \${BASE_IMAGE}\nRUN mkdir -p ${dataPath} && chown 0:0 ${dataPath} && chmod 0755 ${dataPath}\n`);
    serverImage = "mdp-test/root-owned-data:itest";
    await engine.docker(["build", "--network", "host", "--build-arg", `BASE_IMAGE=${base}`, "-t", serverImage, context], { timeoutMs: 300_000 });
  });

  after(async () => {
    for (const name of created.containers) await engine.docker(["rm", "--force", name]).catch(() => undefined);
    for (const name of created.volumes) await engine.docker(["volume", "rm", "--force", name]).catch(() => undefined);
  });

  async function volume(): Promise<string> {
    const name = unique("itest-data");
    created.volumes.push(name);
    await engine.docker(["volume", "create", name]);
    return name;
  }

  /** Runs a container to its end and gives its exit code and output. */
  async function runToEnd(args: string[]): Promise<{ exitCode: number; logs: string }> {
    const name = args[args.indexOf("--name") + 1]!;
    created.containers.push(name);
    await engine.docker(["run", "--network", "host", ...args]).catch(() => undefined);
    const exitCode = Number((await engine.docker(["inspect", "--format", "{{.State.ExitCode}}", name])).trim());
    return { exitCode, logs: await engine.docker(["logs", name], { withStderr: true }) };
  }

  /** The object store as its spec mounts the volume (no copy of the image's folder), writing as its user. */
  const serverWrites = (data: string, options: { noCopy: boolean }) =>
    runToEnd([
      "--name", unique("server"), "--user", "1000:1000", "--cap-drop", "ALL",
      "--mount", `type=volume,src=${data},dst=${dataPath}${options.noCopy ? ",volume-nocopy" : ""}`,
      "--entrypoint", "sh", serverImage, "-c", `mkdir -p ${dataPath}/mdp-dev-raw && chmod 0751 ${dataPath}/mdp-dev-raw && echo x > ${dataPath}/mdp-dev-raw/object`,
    ]);

  it("reports a capability the volume-owner job adds exactly as the job spells it", async () => {
    const spec = volumeOwnerSpec(base, await volume(), dataPath);
    const name = unique("caps");
    created.containers.push(name);
    await engine.docker(["create", ...dockerRunArgs(spec, { name })]);
    const reported = JSON.parse(await engine.docker(["inspect", "--format", "{{json .HostConfig.CapAdd}} {{json .HostConfig.CapDrop}}", name]).then((s) => `[${s.trim().replace(" ", ",")}]`)) as [string[], string[]];
    assert.deepEqual(reported, [spec.capabilities, ["ALL"]], "what the engine reports is what the provider reads back on refresh");
    const plain = unique("caps-plain");
    created.containers.push(plain);
    await engine.docker(["create", "--name", plain, "--cap-drop", "ALL", "--cap-add", "CHOWN", base, "true"]);
    assert.equal((await engine.docker(["inspect", "--format", "{{json .HostConfig.CapAdd}}", plain])).trim(), '["CAP_CHOWN"]', "the engine rewrites CHOWN as CAP_CHOWN");
  });

  it("hands an empty volume to the server's user so that it can write, even when the server's image ships its data folder owned by root", async () => {
    const data = await volume();
    const owner = await runToEnd(dockerRunArgs(volumeOwnerSpec(base, data, dataPath), { name: unique("owner") }));
    assert.equal(owner.exitCode, 0, owner.logs);
    const server = await serverWrites(data, { noCopy: true });
    assert.equal(server.exitCode, 0, server.logs);
    const owners = await runToEnd(["--name", unique("stat"), "--user", "1000:1000", "-v", `${data}:/v`, base, "stat", "-c", "%u:%g %a %n", "/v", "/v/mdp-dev-raw"]);
    assert.match(owners.logs, /^1000:1000 755 \/v\n1000:1000 751 \/v\/mdp-dev-raw\n$/);
  });

  it("runs again on a volume the server has filled (folders it alone can read) and succeeds, changing nothing", async () => {
    const data = await volume();
    assert.equal((await runToEnd(dockerRunArgs(volumeOwnerSpec(base, data, dataPath), { name: unique("owner") }))).exitCode, 0);
    assert.equal((await serverWrites(data, { noCopy: true })).exitCode, 0);
    const again = await runToEnd(dockerRunArgs(volumeOwnerSpec(base, data, dataPath), { name: unique("owner-again") }));
    assert.equal(again.exitCode, 0, again.logs);
    // The recursive chown it replaces failed here: with CAP_CHOWN alone, root cannot list a 0751 folder of another user.
    const recursive = { ...volumeOwnerSpec(base, data, dataPath), command: ["-R", "1000:1000", dataPath] };
    const failed = await runToEnd(dockerRunArgs(recursive, { name: unique("owner-recursive") }));
    assert.notEqual(failed.exitCode, 0);
    assert.match(failed.logs, /Permission denied/);
  });

  it("would undo the hand-over at the server's first mount without no-copy: the image folder's owner is copied onto the empty volume", async () => {
    const data = await volume();
    assert.equal((await runToEnd(dockerRunArgs(volumeOwnerSpec(base, data, dataPath), { name: unique("owner") }))).exitCode, 0);
    const server = await serverWrites(data, { noCopy: false });
    assert.notEqual(server.exitCode, 0, "the server cannot write: why the object store mounts its volume with noCopy");
    assert.match(server.logs, /Permission denied/);
  });
});
