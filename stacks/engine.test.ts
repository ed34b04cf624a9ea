import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as yaml from "js-yaml";
import { STOP_GRACE_SECONDS } from "../contract";
import { TYPES, containersByRole, podSpecOf, type Json } from "../infra/testing/inspect";
import { REPO_ROOT, runFailingProgram, runProgram, type RecordedResource, type RunOptions } from "../infra/testing/mocks";
import { PROGRAM_DIR } from "./outputs";
import { definePlatform } from "./platform";
import { TEST_LOADER_KEY } from "../infra/testing/keys";

/**
 * What the real Pulumi engine does that a plain mock run does not: previews with unknown outputs,
 * updates that leave resources out, relative paths resolved from the program's folder, the Docker
 * engine's own spelling of capabilities, and jobs whose failure must stop their dependants.
 */
const PROD_SECRETS = { kubeconfig: "apiVersion: v1\nkind: Config", snowflakePrivateKey: "-----BEGIN PRIVATE KEY-----\nkey\n-----END PRIVATE KEY-----", snowflakeLoaderPrivateKey: TEST_LOADER_KEY };
const STACKS: RunOptions[] = [{ stack: "dev" }, { stack: "prod", secrets: PROD_SECRETS }];

/** Capabilities the Linux kernel knows, as `HostConfig.CapAdd` spells them (capabilities(7)). */
const LINUX_CAPABILITIES = new Set(
  "AUDIT_CONTROL AUDIT_READ AUDIT_WRITE BLOCK_SUSPEND BPF CHECKPOINT_RESTORE CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID IPC_LOCK IPC_OWNER KILL LEASE LINUX_IMMUTABLE MAC_ADMIN MAC_OVERRIDE MKNOD NET_ADMIN NET_BIND_SERVICE NET_BROADCAST NET_RAW PERFMON SETFCAP SETGID SETPCAP SETUID SYSLOG SYS_ADMIN SYS_BOOT SYS_CHROOT SYS_MODULE SYS_NICE SYS_PACCT SYS_PTRACE SYS_RAWIO SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG WAKE_ALARM"
    .split(" ")
    .map((c) => `CAP_${c}`),
);

const names = (resources: RecordedResource[]) => resources.map((r) => `${r.type} ${r.name}`).sort();

describe("the program under the engine's real behaviour", function () {
  this.timeout(60_000);

  for (const options of STACKS) {
    describe(`${options.stack} stack`, () => {
      it("previews a stack that does not exist yet (every id and computed output unknown) without a crash, declaring the same resources", async () => {
        const update = await runProgram(definePlatform, options);
        const preview = await runProgram(definePlatform, { ...options, preview: true });
        assert.deepEqual(names(preview.resources), names(update.resources));
      });

      it("runs an update that leaves resources out (`pulumi up --target`), whose outputs arrive undefined, without a crash", async () => {
        for (const leaveOut of [() => true, (type: string) => type.startsWith("random:"), (type: string) => type.startsWith("aws:s3/") || type.startsWith("docker:index/container")]) {
          const run = await runProgram(definePlatform, { ...options, leaveOut });
          assert.ok(run.resources.length > 30, `${run.resources.length} resources`);
        }
      });

      it("hands the Docker provider build paths that resolve from the program's working directory (the folder of `main`)", async () => {
        const main = (yaml.load(fs.readFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), "utf8")) as { main: string }).main;
        const workDir = path.resolve(REPO_ROOT, path.dirname(main));
        assert.equal(PROGRAM_DIR, workDir, "the program resolves its paths from where Pulumi runs it");
        const images = (await runProgram(definePlatform, options)).resources.filter((r) => r.type === TYPES.image);
        assert.equal(images.length, 4);
        for (const image of images) {
          const build = image.plain.build as { context: string; dockerfile: string };
          for (const p of [build.context, build.dockerfile]) assert.ok(!path.isAbsolute(p), `${image.name}: ${p} must be relative, the same in every checkout`);
          const context = path.resolve(workDir, build.context);
          const dockerfile = path.resolve(workDir, build.dockerfile);
          assert.ok(fs.statSync(context).isDirectory(), `${image.name}: the context ${build.context} resolves to ${path.relative(REPO_ROOT, context)}`);
          assert.ok(fs.statSync(dockerfile).isFile(), `${image.name}: the Dockerfile ${build.dockerfile} resolves to ${path.relative(REPO_ROOT, dockerfile)}`);
          assert.ok(!path.relative(REPO_ROOT, context).startsWith(".."), `${image.name} builds from inside the repository`);
        }
      });
    });
  }

  describe("dev stack's containers", () => {
    let containers: Map<string, RecordedResource>;
    before(async () => {
      containers = containersByRole((await runProgram(definePlatform, { stack: "dev" })).resources);
    });

    it("spells every capability as the Docker engine reports it, so that a refresh finds no difference", () => {
      for (const c of containers.values()) {
        const { adds, drops } = c.plain.capabilities as { adds: string[]; drops: string[] };
        assert.deepEqual(drops, ["ALL"], c.name);
        for (const cap of adds) assert.ok(LINUX_CAPABILITIES.has(cap), `${c.name} adds "${cap}", which the engine reports as CAP_<NAME>`);
      }
    });

    it("gives every service time to stop after SIGTERM (the sink's shutdown grace and a margin), on stop, replacement and destroy", () => {
      for (const c of containers.values()) {
        if (c.plain.attach === true) continue;
        assert.equal(c.plain.destroyGraceSeconds, STOP_GRACE_SECONDS, c.name);
        assert.equal(c.plain.stopTimeout, STOP_GRACE_SECONDS, c.name);
      }
      assert.ok(STOP_GRACE_SECONDS * 1000 > 30_000);
    });
  });

  it("gives every pod of ours on the prod cluster the same grace period", async () => {
    const { resources } = await runProgram(definePlatform, { stack: "prod", secrets: PROD_SECRETS });
    const workloads = resources.filter((r) => [TYPES.deployment, TYPES.statefulSet, TYPES.cronJob].includes(r.type as never));
    assert.ok(workloads.length >= 5);
    for (const w of workloads) assert.equal((podSpecOf(w) as Json).terminationGracePeriodSeconds, STOP_GRACE_SECONDS, w.name);
  });

  it("builds the images on the network that `build.network` names, and on the engine's default without it", async () => {
    const images = (config?: Record<string, string>) => runProgram(definePlatform, { stack: "dev", config }).then((r) => r.resources.filter((x) => x.type === TYPES.image));
    for (const image of await images()) assert.equal((image.plain.build as Json).network, undefined);
    for (const image of await images({ "market-data-platform:build": JSON.stringify({ network: "host" }) })) assert.equal((image.plain.build as Json).network, "host");
  });

  describe("a job that fails", () => {
    const cases = [
      { job: "kafka-topics", log: "topic stock-market-realtime has 4 partitions; Kafka cannot shrink it to 3", blocked: ["realtime-producer", "sink-1", "batch-producer"] },
      { job: "objectstore-volume-owner", log: "chown: changing ownership of '/data': Operation not permitted", blocked: ["objectstore", "objectstore-buckets", "sink-1", "realtime-producer"] },
      { job: "objectstore-buckets", log: "AccessDenied", blocked: ["sink-1", "realtime-producer", "batch-producer"] },
      { job: "airflow-init", log: "could not connect to server", blocked: ["airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer"] },
    ];
    for (const c of cases) {
      it(`(${c.job}) fails the update with its exit code and the end of its log, and starts nothing that needs it`, async () => {
        const { error, resources } = await runFailingProgram(definePlatform, { stack: "dev", jobExits: { [c.job]: { exitCode: 3, logs: `starting\n${c.log}\n` } } });
        assert.ok(pulumi.ResourceError.isInstance(error), `${error.name}: the CLI shows it under the job's resource`);
        assert.equal((error as pulumi.ResourceError).hideStack, true, "the job's message, not a stack trace or the resource object");
        assert.match(error.message, /failed with exit code 3; the end of its log:\nstarting\n/);
        assert.ok(error.message.includes(c.log), error.message);
        const started = [...containersByRole(resources).keys()];
        assert.ok(started.includes(c.job), "the job itself ran");
        for (const role of c.blocked) assert.ok(!started.includes(role), `${role} must not start after ${c.job} failed`);
      });
    }

    it("(the backfill) fails the update with the producer's own message", async () => {
      const log = '{"level":"error","component":"batch-producer","msg":"yahoo cannot be reached; the remaining symbols are not tried"}';
      const { error } = await runFailingProgram(definePlatform, { stack: "dev", jobExits: { "batch-producer": { exitCode: 1, logs: log } } });
      assert.match(error.message, /^the batch backfill failed with exit code 1/);
      assert.ok(error.message.includes(log));
    });
  });
});
