import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { isSecretOutput, unwrap } from "../testing/mocks";
import { STOP_GRACE_SECONDS } from "../../contract";
import { containerArgs, envList, jobFailure, type ContainerSpec, type LocalPlacement } from "./container";

const PLACEMENT: LocalPlacement = { network: "mdp-dev", bindAddress: "127.0.0.1", labels: { "market-data.platform/stack": "dev" } };
const SERVICE: ContainerSpec = {
  role: "sink-1",
  image: "mdp/functions:src-0123456789abcdef",
  command: ["sink"],
  env: { ZED: "z", ALPHA: "a", MIDDLE: pulumi.output("m") },
  user: "1000:1000",
  ports: [{ internal: 9464, external: 9465 }],
  healthcheck: { test: ["CMD", "true"], intervalSeconds: 10 },
};

describe("containerArgs", () => {
  it("sorts the env by name, so previews are stable", async () => {
    assert.deepEqual(await unwrap(pulumi.all(envList(SERVICE.env!))), ["ALPHA=a", "MIDDLE=m", "ZED=z"]);
    const args = containerArgs("mdp-dev-functions-sink-1", SERVICE, PLACEMENT);
    assert.deepEqual(await unwrap(args.envs!), ["ALPHA=a", "MIDDLE=m", "ZED=z"]);
    assert.equal(await isSecretOutput(pulumi.output(args.envs!)), false, "plain settings stay readable");
  });

  it("makes the whole env list a secret when any variable is a credential", async () => {
    const args = containerArgs("c", { ...SERVICE, secretEnv: { AWS_SECRET_ACCESS_KEY: "s3cr3t" } }, PLACEMENT);
    assert.ok(await isSecretOutput(pulumi.output(args.envs!)));
    assert.deepEqual(await unwrap(args.envs!), ["ALPHA=a", "MIDDLE=m", "ZED=z", "AWS_SECRET_ACCESS_KEY=s3cr3t"]);
  });

  it("names the container, its hostname and its network alias after the role", () => {
    const args = containerArgs("mdp-dev-functions-sink-1", SERVICE, PLACEMENT);
    assert.equal(args.name, "mdp-dev-functions-sink-1");
    assert.equal(args.hostname, "sink-1");
    assert.deepEqual(args.networksAdvanced, [{ name: "mdp-dev", aliases: ["sink-1"] }]);
    assert.deepEqual(args.labels, [{ label: "market-data.platform/stack", value: "dev" }]);
  });

  it("publishes ports on the bind address only", () => {
    assert.deepEqual(containerArgs("c", SERVICE, PLACEMENT).ports, [{ internal: 9464, external: 9465, ip: "127.0.0.1", protocol: "tcp" }]);
    assert.deepEqual((containerArgs("c", SERVICE, { ...PLACEMENT, bindAddress: "10.0.0.5" }).ports as { ip: string }[])[0]!.ip, "10.0.0.5");
    assert.deepEqual(containerArgs("c", { ...SERVICE, ports: undefined }, PLACEMENT).ports, []);
  });

  it("drops every capability, adds only those asked for, and forbids new privileges", () => {
    assert.deepEqual(containerArgs("c", SERVICE, PLACEMENT).capabilities, { drops: ["ALL"], adds: [] });
    assert.deepEqual(containerArgs("c", { ...SERVICE, capabilities: ["CAP_CHOWN"] }, PLACEMENT).capabilities, { drops: ["ALL"], adds: ["CAP_CHOWN"] });
    assert.deepEqual(containerArgs("c", SERVICE, PLACEMENT).securityOpts, ["no-new-privileges:true"]);
    assert.equal(containerArgs("c", SERVICE, PLACEMENT).user, "1000:1000");
  });

  it("keeps a long-running service up and waits for its health check", () => {
    const args = containerArgs("c", SERVICE, PLACEMENT);
    assert.equal(args.restart, "unless-stopped");
    assert.equal(args.mustRun, true);
    assert.equal(args.wait, true);
    assert.equal(args.attach, undefined);
    assert.deepEqual(args.healthcheck, { tests: ["CMD", "true"], interval: "10s", timeout: "5s", retries: 10, startPeriod: "10s" });
    assert.equal(containerArgs("c", { ...SERVICE, healthcheck: undefined }, PLACEMENT).wait, false, "nothing to wait for without a health check");
  });

  it("runs a job to completion during the update and keeps its logs", () => {
    const args = containerArgs("c", { ...SERVICE, lifecycle: "job", healthcheck: undefined }, PLACEMENT);
    assert.equal(args.attach, true);
    assert.equal(args.logs, true);
    assert.equal(args.restart, "no");
    assert.equal(args.mustRun, false);
    assert.equal(args.rm, false, "its exit code is read after it ends");
    assert.equal(args.wait, undefined);
  });

  it("gives a service time to stop cleanly on stop, replacement and destroy, at least the sink's shutdown grace", () => {
    const args = containerArgs("c", SERVICE, PLACEMENT);
    assert.equal(args.destroyGraceSeconds, STOP_GRACE_SECONDS);
    assert.equal(args.stopTimeout, STOP_GRACE_SECONDS);
    assert.ok(STOP_GRACE_SECONDS >= 30 + 10, `${STOP_GRACE_SECONDS} s leaves the sink's 30 s grace a margin`);
    assert.equal(containerArgs("c", { ...SERVICE, stopGraceSeconds: 90 }, PLACEMENT).destroyGraceSeconds, 90);
    assert.equal(containerArgs("c", { ...SERVICE, lifecycle: "job" }, PLACEMENT).destroyGraceSeconds, undefined, "a job has exited before it is removed");
  });

  it("mounts named volumes and caps the logs", () => {
    const args = containerArgs("c", { ...SERVICE, volumes: [{ volume: "data", path: "/data" }] }, PLACEMENT);
    assert.deepEqual(args.volumes, [{ volumeName: "data", containerPath: "/data", readOnly: false }]);
    assert.deepEqual(args.mounts, []);
    assert.deepEqual(args.logOpts, { "max-size": "10m", "max-file": "3" });
  });

  it("mounts a volume that must keep its owner without copying the image's folder into it", () => {
    const args = containerArgs("c", { ...SERVICE, volumes: [{ volume: "data", path: "/data", noCopy: true }] }, PLACEMENT);
    assert.deepEqual(args.volumes, []);
    assert.deepEqual(args.mounts, [{ type: "volume", source: "data", target: "/data", readOnly: false, volumeOptions: { noCopy: true } }]);
  });
});

describe("jobFailure", () => {
  it("names the job and its exit code, and quotes the end of its log", () => {
    const logs = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join("\n");
    const message = jobFailure("creating the topics", 1, `${logs}\n`);
    assert.match(message, /^creating the topics failed with exit code 1; the end of its log:\nline 11\n/);
    assert.ok(message.endsWith("line 30"), message);
    assert.ok(!message.includes("line 10\n"), "only the last 20 lines");
  });

  it("says so when the job logged nothing", () => {
    assert.equal(jobFailure("creating the buckets", 137, undefined), "creating the buckets failed with exit code 137 and logged nothing");
  });
});
