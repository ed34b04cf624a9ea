import assert from "node:assert/strict";
import { anonymise, parsePlanArgs, plan, planJson, planText, type PlannedResource } from "./plan";

describe("offline plan", function () {
  this.timeout(60_000);
  let dev: string;
  let prod: string;
  before(async () => {
    dev = await plan("dev");
    prod = await plan("prod");
  });

  it("lists every resource with its inputs, the same way every time", async () => {
    assert.equal(await plan("dev"), dev);
    assert.match(dev, /^docker:index\/container:Container {2}mdp-<stack>-kafka-kafka$/m);
    assert.match(prod, /^kubernetes:kafka\.strimzi\.io\/v1:Kafka {2}mdp-<stack>-kafka-cluster$/m);
    assert.match(dev, /"KAFKA_MIN_INSYNC_REPLICAS=1"/, "plain settings stay readable");
  });

  it("never shows a secret, only where one is", () => {
    for (const text of [dev, prod]) {
      assert.doesNotMatch(text, /generated-[\w-]+-password|placeholder-|BEGIN PRIVATE KEY/);
      assert.match(text, /\[secret\]/);
    }
    assert.match(dev, /"AWS_SECRET_ACCESS_KEY=\[secret\]"/, "a container's credentials are masked by name");
  });

  it("holds no path of the machine it ran on", () => {
    assert.doesNotMatch(dev + prod, new RegExp(process.cwd().replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
  });

  it("writes the stack as <stack> only where it is a part of a name, never inside a word", () => {
    assert.match(prod, /^kubernetes:apps\/v1:Deployment {2}mdp-<stack>-functions-realtime-producer$/m);
    assert.doesNotMatch(prod, /<stack>ucer/);
    assert.equal(anonymise("mdp-prod-kafka mdp-prod realtime-producer mdp-prod.svc x-prod2", "prod"), "mdp-<stack>-kafka mdp-<stack> realtime-producer mdp-<stack>.svc x-prod2");
  });

  describe("--json", () => {
    let json: { stack: string; resources: PlannedResource[] };
    let text: string;
    before(async () => {
      text = await planJson("prod");
      json = JSON.parse(text) as typeof json;
    });

    it("holds the same resources and masked inputs as the text, with the names the engine sees", () => {
      assert.equal(json.stack, "prod");
      assert.equal(planText(json.resources, "prod"), prod);
      const kafka = json.resources.find((r) => r.type === "kubernetes:kafka.strimzi.io/v1:Kafka");
      assert.equal(kafka?.name, "mdp-prod-kafka-cluster");
      assert.equal((kafka?.inputs.metadata as { name: string }).name, "mdp-prod-kafka");
    });

    it("is the same every time, sorted by type and name", async () => {
      assert.equal(await planJson("prod"), text);
      const keys = json.resources.map((r) => `${r.type}  ${r.name}`);
      assert.deepEqual(keys, [...keys].sort());
    });

    it("never shows a secret, only where one is, and no path of this machine", async () => {
      const both = text + (await planJson("dev"));
      assert.doesNotMatch(both, /generated-[\w-]+-password|placeholder-|BEGIN PRIVATE KEY/);
      assert.match(both, /"AWS_SECRET_ACCESS_KEY=\[secret\]"/);
      const secret = json.resources.find((r) => r.type === "kubernetes:core/v1:Secret");
      assert.equal(secret?.inputs.stringData, "[secret]");
      assert.doesNotMatch(both, new RegExp(process.cwd().replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
    });
  });

  it("refuses arguments it cannot honour, saying which", () => {
    const cases: [string[], RegExp][] = [
      [["dev", "--json", "--base", "main"], /`--json` prints one stack's plan/],
      [["dev", "prod", "--json"], /`--json` prints one stack's plan/],
      [["dev", "--jsn"], /unknown option `--jsn`/],
      [["dev", "--base"], /`--base` needs a git revision/],
      [["dev", "--base", "--json"], /`--base` needs a git revision/],
      [["dev", "prod", "--base", "main"], /^usage: plan/],
      [[], /^usage: plan/],
    ];
    for (const [args, message] of cases) {
      const command = parsePlanArgs(args);
      assert.equal(command.kind, "usage", `plan ${args.join(" ")}`);
      assert.match((command as { error: string }).error, message);
    }
    assert.deepEqual(parsePlanArgs(["prod", "--json"]), { kind: "plan", stack: "prod", json: true });
    assert.deepEqual(parsePlanArgs(["dev", "--base", "main"]), { kind: "base", stack: "dev", base: "main" });
    assert.deepEqual(parsePlanArgs(["dev", "prod"]), { kind: "stacks", stack: "dev", other: "prod" });
  });
});
