import assert from "node:assert/strict";
import { plan } from "./plan";

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
});
