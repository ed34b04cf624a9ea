import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO_ROOT } from "../infra/testing/mocks";
import { topology, withTopology } from "./topology";

describe("topology pictures", function () {
  this.timeout(60_000);

  it("in the README are the ones the program draws (npm run topology -- --write refreshes them)", async () => {
    const readme = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
    let expected = readme;
    for (const stack of ["dev", "prod"]) expected = withTopology(expected, stack, await topology(stack));
    assert.equal(readme, expected);
  });

  it("draws who uses whom: the sink uses Kafka and the raw bucket on prod", async () => {
    const chart = await topology("prod");
    const id = (label: string) => new RegExp(`^ {2}(n\\d+)\\W+${label}\\W`, "m").exec(chart)?.[1];
    assert.ok(chart.includes(`${id("sink")} --> ${id("Kafka 4\\.3\\.1 \\(Strimzi\\)")}`));
    assert.ok(chart.includes(`${id("sink")} --> ${id("S3 raw")}`));
    assert.ok(!chart.includes(`${id("realtime-producer")} --> ${id("S3 raw")}`), "the producer never touches a bucket");
  });
});
