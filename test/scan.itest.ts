import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO_ROOT } from "../infra/testing/mocks";
import { applySkips, formatFindings, runCheckov } from "../tools/scan";

// The pinned checkov itself (scripts/setup-security-tools.sh installs it; npm test runs that first).
describe("security scan with the pinned checkov", function () {
  this.timeout(180_000);
  const dir = path.join(REPO_ROOT, ".cache", "scan-itest");
  const privileged = [
    "apiVersion: apps/v1",
    "kind: Deployment",
    "metadata: {name: open, namespace: market-data}",
    "spec:",
    "  selector: {matchLabels: {app: open}}",
    "  template:",
    "    metadata: {labels: {app: open}}",
    "    spec:",
    "      hostNetwork: true",
    "      containers:",
    "        - {name: open, image: 'busybox:1.37.0', securityContext: {privileged: true}}",
    "",
  ].join("\n");

  before(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "open.yaml"), privileged);
    fs.writeFileSync(path.join(dir, "Dockerfile"), "FROM debian:12.12\nUSER root\nEXPOSE 22\n");
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("finds a privileged pod on the host network and an image that exposes SSH, naming check, resource and file", async () => {
    const result = await runCheckov(["open.yaml", "Dockerfile"], dir);
    assert.deepEqual(result.parsingErrors, []);
    assert.ok(result.passed > 0);
    const found = (id: string) => result.findings.filter((f) => f.checkId === id).map((f) => `${f.resource} ${f.file}`);
    assert.deepEqual(found("CKV_K8S_16"), ["Deployment.market-data.open open.yaml"], "privileged container");
    assert.deepEqual(found("CKV_K8S_19"), ["Deployment.market-data.open open.yaml"], "host network");
    assert.deepEqual(found("CKV_DOCKER_1"), ["Dockerfile.EXPOSE Dockerfile"], "port 22");
    assert.ok(result.checkedFiles.has("open.yaml") && result.checkedFiles.has("Dockerfile"));

    // What the scan prints and fails on: each finding no skip covers.
    const { open, skipped } = applySkips(result.findings, [{ id: "CKV_K8S_16", reason: "test", resources: ["Deployment.market-data.open"] }]);
    assert.equal(skipped.length, 1);
    assert.ok(!open.some((f) => f.checkId === "CKV_K8S_16"));
    const text = formatFindings(open);
    assert.match(text, /^ {2}CKV_K8S_19 {2}Containers should not share the host network namespace {2}\[1\]\n {4}Deployment\.market-data\.open {2}open\.yaml:1$/m);
    assert.match(text, /^ {2}CKV_DOCKER_1 {2}Ensure port 22 is not exposed {2}\[1\]\n {4}Dockerfile\.EXPOSE {2}Dockerfile:3$/m);
  });
});
