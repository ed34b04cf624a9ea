/**
 * The security scan: every Kubernetes resource each stack's offline plan declares, rendered to
 * manifests (tools/manifests.ts), and the repository's Dockerfiles, checked by the pinned checkov
 * (scripts/setup-security-tools.sh). A finding that security/checkov-skips.yaml does not skip fails
 * the scan, listed with its check, resource and file.
 *
 *   npm run scan                  every stack with a Pulumi.<stack>.yaml, and the Dockerfiles
 *   npm run scan -- prod          one stack (and the Dockerfiles)
 *   npm run scan -- --update-checks   copy the installed checkov's check list to security/
 */
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { REPO_ROOT } from "../infra/testing/mocks";
import { kubernetesManifests, type Manifest, type NotRendered } from "./manifests";
import { planResources, stackNames } from "./plan";

export const TOOLS_DIR = path.join(REPO_ROOT, ".cache", "security-tools");
export const CHECKOV = path.join(TOOLS_DIR, "venv", "bin", "checkov");
/** The check list of the installed checkov, written by the setup script. */
export const INSTALLED_CHECKS = path.join(TOOLS_DIR, "checks.tsv");
export const COMMITTED_CHECKS = path.join(REPO_ROOT, "security", "checkov-checks.tsv");
export const SKIPS_FILE = path.join(REPO_ROOT, "security", "checkov-skips.yaml");
const OUT_DIR = path.join(REPO_ROOT, ".cache", "scan");

export interface Check {
  id: string;
  framework: string;
  title: string;
}

/** A check list: `id<TAB>framework<TAB>title` lines, `#` comments. */
export function parseChecks(text: string): Map<string, Check> {
  const checks = new Map<string, Check>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const [id, framework, title] = line.split("\t");
    if (!id || !framework || title === undefined) throw new Error(`not a check line (id, framework, title): ${JSON.stringify(line)}`);
    checks.set(id, { id, framework, title });
  }
  return checks;
}

export interface Skip {
  id: string;
  reason: string;
  /** Checkov resource ids (with `*` wildcards) it is limited to; every resource when absent. */
  resources?: string[];
}

/**
 * The skips of a skips file, each with a one-line reason and a check id of `checks`; every problem
 * at once, each naming the entry.
 */
export function parseSkips(text: string, checks: Map<string, Check>, file = "security/checkov-skips.yaml"): Skip[] {
  const doc = yaml.load(text) as unknown;
  const list = (doc as { skips?: unknown } | null)?.skips;
  if (typeof doc !== "object" || doc === null || Array.isArray(doc) || !Array.isArray(list)) throw new Error(`${file}: expected a mapping with a \`skips:\` list`);
  const extra = Object.keys(doc).filter((k) => k !== "skips");
  const problems: string[] = extra.map((k) => `unknown key \`${k}\` (expected only \`skips\`)`);
  const seen = new Set<string>();
  const skips: Skip[] = [];
  list.forEach((entry: unknown, i) => {
    const at = `skips[${i}]`;
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
      problems.push(`${at} must be a mapping with \`id\` and \`reason\` (got ${JSON.stringify(entry)})`);
      return;
    }
    const { id, reason, resources, ...rest } = entry as Record<string, unknown>;
    const name = typeof id === "string" ? `${at} (${id})` : at;
    for (const key of Object.keys(rest)) problems.push(`${name}: unknown key \`${key}\` (expected \`id\`, \`reason\`, \`resources\`)`);
    if (typeof id !== "string" || id === "") problems.push(`${at}: \`id\` must be a checkov check id (got ${JSON.stringify(id)})`);
    else if (!checks.has(id)) problems.push(`${name}: \`id\` names no check of the pinned checkov (see security/checkov-checks.tsv)`);
    else if (seen.has(id)) problems.push(`${name}: \`${id}\` is skipped twice; merge the entries`);
    if (typeof reason !== "string" || reason.trim() === "") problems.push(`${name}: \`reason\` must say why the check does not apply (got ${JSON.stringify(reason)})`);
    else if (reason.trim().includes("\n")) problems.push(`${name}: \`reason\` must be one line (got ${reason.trim().split("\n").length} lines)`);
    const resourcesOk = resources === undefined || (Array.isArray(resources) && resources.length > 0 && resources.every((r) => typeof r === "string" && r !== ""));
    if (!resourcesOk) problems.push(`${name}: \`resources\` must be a non-empty list of checkov resource ids (got ${JSON.stringify(resources)})`);
    if (typeof id === "string") seen.add(id);
    if (typeof id === "string" && typeof reason === "string" && resourcesOk) skips.push({ id, reason: reason.trim(), ...(resources ? { resources: resources as string[] } : {}) });
  });
  if (problems.length > 0) throw new Error(`${file} has ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  return skips;
}

export interface Finding {
  checkId: string;
  checkName: string;
  /** Checkov's id of the resource: `Kind.namespace.name`, `path/Dockerfile.INSTRUCTION`. */
  resource: string;
  /** Relative to the directory checkov ran in. */
  file: string;
  lines: [number, number];
}

export interface CheckovResult {
  findings: Finding[];
  passed: number;
  parsingErrors: string[];
  resources: number;
  /** Files that at least one check passed or failed on. */
  checkedFiles: Set<string>;
}

/** Checkov's JSON report (one framework: an object; several: a list). */
export function readCheckovReport(json: string): CheckovResult {
  const parsed = JSON.parse(json) as unknown;
  const reports = (Array.isArray(parsed) ? parsed : [parsed]) as {
    check_type?: string;
    results?: { failed_checks?: Record<string, unknown>[]; passed_checks?: { file_path: string }[]; parsing_errors?: string[] };
    summary?: { passed?: number; resource_count?: number; parsing_errors?: number };
  }[];
  const result: CheckovResult = { findings: [], passed: 0, parsingErrors: [], resources: 0, checkedFiles: new Set() };
  for (const report of reports) {
    if (!report.summary) throw new Error(`checkov's report has no summary: ${JSON.stringify(report).slice(0, 200)}`);
    result.passed += report.summary.passed ?? 0;
    result.resources += report.summary.resource_count ?? 0;
    result.parsingErrors.push(...(report.results?.parsing_errors ?? []).map(relative));
    for (const c of report.results?.passed_checks ?? []) result.checkedFiles.add(relative(c.file_path));
    for (const f of report.results?.failed_checks ?? []) {
      result.findings.push({
        checkId: String(f.check_id),
        checkName: String(f.check_name),
        resource: String(f.resource),
        file: relative(String(f.file_path)),
        lines: (f.file_line_range as [number, number] | undefined) ?? [0, 0],
      });
      result.checkedFiles.add(relative(String(f.file_path)));
    }
  }
  return result;
}

/** Checkov writes paths of `-f` files relative to where it ran, with a leading slash. */
function relative(file: string): string {
  return path.normalize(file.replace(/^\/+/, ""));
}

function wildcard(pattern: string): RegExp {
  return new RegExp(`^${pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
}

export function skipFor(finding: Finding, skips: Skip[]): Skip | undefined {
  return skips.find((s) => s.id === finding.checkId && (!s.resources || s.resources.some((r) => wildcard(r).test(finding.resource))));
}

/** The findings no skip covers, those skipped, and the skips that covered nothing. */
export function applySkips(findings: Finding[], skips: Skip[]): { open: Finding[]; skipped: { finding: Finding; skip: Skip }[]; unused: Skip[] } {
  const open: Finding[] = [];
  const skipped: { finding: Finding; skip: Skip }[] = [];
  for (const finding of findings) {
    const skip = skipFor(finding, skips);
    if (skip) skipped.push({ finding, skip });
    else open.push(finding);
  }
  return { open, skipped, unused: skips.filter((s) => !skipped.some((x) => x.skip === s)) };
}

/**
 * Open findings grouped by check, sorted, each with its resource and file; `owner` names the plan
 * resource a rendered manifest came from.
 */
export function formatFindings(findings: Finding[], owner: (file: string) => string | undefined = () => undefined): string {
  const byCheck = new Map<string, Finding[]>();
  for (const f of findings) byCheck.set(f.checkId, [...(byCheck.get(f.checkId) ?? []), f]);
  const ids = [...byCheck.keys()].sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
  return ids
    .map((id) => {
      const group = byCheck.get(id)!.sort((a, b) => `${a.file} ${a.resource}`.localeCompare(`${b.file} ${b.resource}`));
      const lines = group.map((f) => {
        const from = owner(f.file);
        return `    ${shortResource(f.resource)}  ${f.file}:${f.lines[0]}${from ? `  (${from})` : ""}`;
      });
      return `  ${id}  ${group[0]!.checkName}  [${group.length}]\n${lines.join("\n")}`;
    })
    .join("\n");
}

/** Checkov names a Deployment's pod by its labels too (`Pod.ns.name.key-value...`): keep the name. */
function shortResource(resource: string): string {
  const pod = /^(Pod\.[^.]+\.[^.]+)\.[^/]*\//.exec(resource);
  return pod ? `${pod[1]} (its pods)` : resource;
}

/** Runs the pinned checkov on `files` (relative to `cwd`) and reads its report. */
export async function runCheckov(files: string[], cwd = REPO_ROOT): Promise<CheckovResult> {
  if (!fs.existsSync(CHECKOV)) throw new Error(`checkov is not installed: run scripts/setup-security-tools.sh (npm run scan and npm test do)`);
  const args = ["--framework", "kubernetes", "dockerfile", "--skip-download", "--soft-fail", "--output", "json", ...files.flatMap((f) => ["--file", f])];
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(CHECKOV, args, { cwd, env: { ...process.env, ANSI_COLORS_DISABLED: "1" }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("close", (c) => resolve({ code: c, stdout: out, stderr: err }));
  });
  if (code !== 0) throw new Error(`checkov exited with ${code}:\n${stderr.slice(-4000)}`);
  return readCheckovReport(stdout);
}

/** The repository's Dockerfiles, from git. */
export function dockerfiles(root = REPO_ROOT): string[] {
  const listed = execFileSync("git", ["-C", root, "ls-files", "--cached", "--others", "--exclude-standard", "--", ":(glob)**/Dockerfile", ":(glob)**/*.Dockerfile", ":(glob)**/Dockerfile.*"], { encoding: "utf8" });
  return listed.split("\n").filter((f) => f !== "" && fs.existsSync(path.join(root, f))).sort();
}

interface StackManifests {
  stack: string;
  manifests: (Manifest & { path: string })[];
  notRendered: NotRendered[];
}

/** Writes each stack's manifests under .cache/scan/<stack>/, fresh every run. */
async function renderStacks(stacks: string[]): Promise<StackManifests[]> {
  fs.rmSync(OUT_DIR, { recursive: true, force: true });
  const rendered: StackManifests[] = [];
  for (const stack of stacks) {
    const { manifests, notRendered } = kubernetesManifests(await planResources(stack));
    const dir = path.join(OUT_DIR, stack);
    fs.mkdirSync(dir, { recursive: true });
    const written = manifests.map((m) => {
      const file = path.join(dir, m.file);
      fs.writeFileSync(file, `# ${m.type} ${m.name} (stack ${stack}), rendered from the offline plan by tools/scan.ts\n${yaml.dump(m.object, { noRefs: true, lineWidth: -1, sortKeys: false })}`);
      return { ...m, path: path.relative(REPO_ROOT, file) };
    });
    rendered.push({ stack, manifests: written, notRendered });
  }
  return rendered;
}

function checkListIsCurrent(): Map<string, Check> {
  if (!fs.existsSync(INSTALLED_CHECKS)) throw new Error(`${path.relative(REPO_ROOT, INSTALLED_CHECKS)} is missing: run scripts/setup-security-tools.sh`);
  const installed = fs.readFileSync(INSTALLED_CHECKS, "utf8");
  const committed = fs.readFileSync(COMMITTED_CHECKS, "utf8");
  if (installed !== committed) {
    throw new Error(`security/checkov-checks.tsv is not the check list of the installed checkov (${installed.split("\n")[0]}): run \`npm run scan -- --update-checks\` and review the skips`);
  }
  return parseChecks(committed);
}

async function main(args: string[]): Promise<number> {
  const options = args.filter((a) => a.startsWith("--"));
  const unknown = options.filter((a) => a !== "--update-checks");
  if (unknown.length > 0) {
    process.stderr.write(`scan: unknown option ${unknown.map((a) => `\`${a}\``).join(", ")}\nusage: scan [<stack>...] | scan --update-checks\n`);
    return 64;
  }
  if (options.includes("--update-checks")) {
    fs.copyFileSync(INSTALLED_CHECKS, COMMITTED_CHECKS);
    process.stdout.write(`scan: wrote ${path.relative(REPO_ROOT, COMMITTED_CHECKS)} from the installed checkov\n`);
    return 0;
  }
  const known = stackNames();
  const stacks = args.length > 0 ? args : known;
  const missing = stacks.filter((s) => !known.includes(s));
  if (missing.length > 0) {
    process.stderr.write(`scan: no stack file for ${missing.map((s) => `\`${s}\``).join(", ")} (stacks: ${known.join(", ")})\n`);
    return 64;
  }
  const checks = checkListIsCurrent();
  const skips = parseSkips(fs.readFileSync(SKIPS_FILE, "utf8"), checks);
  const started = Date.now();
  const rendered = await renderStacks(stacks);
  const docker = dockerfiles();

  // One checkov run per stack, so that its graph checks (a pod and the NetworkPolicy that selects
  // it) never join two stacks; the Dockerfiles go with the first.
  const runs = rendered.filter((s) => s.manifests.length > 0).map((s) => ({ label: `stack ${s.stack}`, files: s.manifests.map((m) => m.path) }));
  if (runs.length > 0) runs[0]!.files.push(...docker);
  else if (docker.length > 0) runs.push({ label: "Dockerfiles", files: docker });
  const owners = new Map(rendered.flatMap((s) => s.manifests.map((m) => [m.path, `${m.type} ${m.name}`] as const)));

  const out: string[] = [];
  for (const s of rendered) {
    out.push(`stack ${s.stack}: ${s.manifests.length} Kubernetes manifest${s.manifests.length === 1 ? "" : "s"} in ${path.relative(REPO_ROOT, path.join(OUT_DIR, s.stack))}/`);
    for (const n of s.notRendered) out.push(`  not rendered: ${n.type} ${n.name}: ${n.reason}`);
  }
  out.push(`Dockerfiles: ${docker.join(", ")}`);
  const findings: Finding[] = [];
  const parsingErrors: string[] = [];
  const unchecked = new Set<string>();
  for (const run of runs) {
    const result = await runCheckov(run.files);
    out.push(`checkov on ${run.label}${run.label.startsWith("stack") && docker.length > 0 ? " and the Dockerfiles" : ""}: ${result.resources} resources, ${result.passed} checks passed, ${result.findings.length} failed`);
    findings.push(...result.findings);
    parsingErrors.push(...result.parsingErrors);
    for (const s of rendered) for (const m of s.manifests) if (run.files.includes(m.path) && !result.checkedFiles.has(m.path)) unchecked.add(m.object.kind as string);
  }
  if (unchecked.size > 0) out.push(`kinds checkov has no checks of its own for (rendered, so that graph checks see them): ${[...unchecked].sort().join(", ")}`);
  const { open, skipped, unused } = applySkips(findings, skips);
  for (const skip of skips) {
    const count = skipped.filter((x) => x.skip === skip).length;
    if (count > 0) out.push(`skipped ${skip.id} [${count}]: ${skip.reason}`);
  }
  for (const skip of unused) out.push(`note: the skip of ${skip.id} matched no finding; remove it if the check now passes`);
  for (const file of parsingErrors) out.push(`checkov could not parse ${file}`);
  if (open.length > 0) out.push(`${open.length} finding${open.length === 1 ? "" : "s"} not skipped (fix them, or skip a check that does not apply in security/checkov-skips.yaml with its reason):\n${formatFindings(open, (f) => owners.get(f))}`);
  out.push(`scan: ${open.length === 0 && parsingErrors.length === 0 ? "passed" : "FAILED"} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  process.stdout.write(`${out.join("\n")}\n`);
  return open.length === 0 && parsingErrors.length === 0 ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`scan: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
