import assert from "node:assert/strict";
import { COMMENT_LIMIT, PLAN_COMMENT_MARKER, planComment } from "./plan-comment";

const diff = (n: number) => ["--- dev@main", "+++ dev", "@@ -1,4 +1,4 @@", ...Array.from({ length: n }, (_, i) => (i % 2 ? `+    "line ${i}"` : `-    "line ${i}"`))].join("\n") + "\n";

describe("plan comment", () => {
  it("starts with the marker the workflow finds it by, and shows each changed stack's diff", () => {
    const text = planComment([{ stack: "dev", diff: diff(4) }, { stack: "prod", diff: "" }], "main");
    assert.ok(text.startsWith(`${PLAN_COMMENT_MARKER}\n`));
    assert.match(text, /<summary><b>dev<\/b>: \+2 −2 lines<\/summary>\n\n```diff\n--- dev@main\n/);
    assert.match(text, /No change in `prod`\.\n$/);
    assert.match(text, /npm run plan -- <stack> --base main/);
  });

  it("says so when nothing changed", () => {
    assert.match(planComment([{ stack: "dev", diff: "" }, { stack: "prod", diff: "" }], "main"), /No change in `dev`, `prod`\./);
  });

  it("stays within GitHub's limit, cutting long diffs at a line and saying how much is left out", () => {
    const text = planComment([{ stack: "dev", diff: diff(20_000) }, { stack: "prod", diff: diff(10) }], "main");
    assert.ok(text.length <= COMMENT_LIMIT, `${text.length}`);
    assert.match(text, /… \d+ more lines: run `npm run plan -- dev --base main`, or read this job's log\./);
    assert.match(text, /<summary><b>prod<\/b>: \+5 −5 lines<\/summary>/, "the next stack keeps its share");
    assert.doesNotMatch(text, /"line 9999"/);
    const small = planComment([{ stack: "dev", diff: diff(500) }], "main", 4_000);
    assert.ok(small.length <= 4_000);
  });

  it("fences a diff so that backticks in it cannot end the block", () => {
    const text = planComment([{ stack: "dev", diff: '+  "command": "echo ```"\n' }], "main");
    assert.match(text, /\n````diff\n\+ {2}"command": "echo ```"\n````\n/);
  });
});
