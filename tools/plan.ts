/**
 * The offline plan: every resource a stack declares, with its inputs (secrets masked), computed by
 * running the program under Pulumi's mock engine. No credentials, no CLI, no state: a reviewable,
 * deterministic text, and the diff between two stacks or two git revisions.
 *
 *   npm run plan -- dev                  the dev stack's plan
 *   npm run plan -- dev prod             what prod declares differently from dev
 *   npm run plan -- dev --base main      what this checkout changes in dev since `main`
 *   npm run plan -- prod --json          prod's plan as JSON, for tools (the security scan)
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { SECRET_ENV_LABEL } from "../infra/docker/container";
import { placeholderSecrets } from "../infra/testing/keys";
import { REPO_ROOT, isSecret, runProgram, type RecordedResource } from "../infra/testing/mocks";

/** Inputs as stable text: keys sorted, secrets masked. */
function render(value: unknown): unknown {
  if (isSecret(value)) return "[secret]";
  if (Array.isArray(value)) return value.map(render);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, render((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/**
 * A container's env list is one secret when it carries credentials; shown with only the values of
 * the variables its secret-env label names masked, so that reviewers still see every other change.
 */
function renderResource(r: RecordedResource): unknown {
  const labels = (r.plain.labels as { label: string; value: string }[] | undefined) ?? [];
  const secretKeys = labels.find((l) => l.label === SECRET_ENV_LABEL)?.value.split(",");
  if (!secretKeys || !isSecret(r.inputs.envs)) return render(r.inputs);
  const envs = (r.plain.envs as string[]).map((entry) => {
    const key = entry.slice(0, entry.indexOf("="));
    return secretKeys.includes(key) ? `${key}=[secret]` : entry;
  });
  return render({ ...r.inputs, envs });
}

/** One resource of a plan: its type, its name and its inputs (keys sorted, secrets masked). */
export interface PlannedResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

/** Every resource one stack of the checkout at `root` declares, sorted by type and name. */
export async function planResources(stack: string, root = REPO_ROOT): Promise<PlannedResource[]> {
  const { definePlatform } = require(path.join(root, "stacks", "platform")) as { definePlatform: () => unknown };
  // The secrets that checkout knows; a key pair must be one, since its public half is derived (and masked as a secret too).
  const { SECRET_KEYS: keys } = require(path.join(root, "infra", "config", "settings")) as { SECRET_KEYS: readonly string[] };
  const secrets = placeholderSecrets(keys);
  const { resources } = await runProgram(definePlatform, { stack, secrets, root });
  const key = (r: { type: string; name: string }) => `${r.type}  ${r.name}`;
  return resources
    .map((r) => ({ type: r.type, name: r.name, inputs: renderResource(r) as Record<string, unknown> }))
    .sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/**
 * The stack's name as `<stack>` where it is a part of a dash-separated name (`mdp-prod-kafka`,
 * `mdp-prod`), not inside a longer word (`realtime-producer`), so that two stacks' plans line up.
 */
export function anonymise(text: string, stack: string): string {
  const escaped = stack.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return text.replace(new RegExp(`-${escaped}(?![A-Za-z0-9])`, "g"), "-<stack>");
}

/** The plan of one stack as reviewable text; resource names show the stack as `<stack>`. */
export async function plan(stack: string, root = REPO_ROOT): Promise<string> {
  return planText(await planResources(stack, root), stack);
}

/** The text of a plan: each resource's type and name, then its inputs as indented JSON. */
export function planText(resources: PlannedResource[], stack: string): string {
  return resources
    .map((r) => ({ head: `${r.type}  ${anonymise(r.name, stack)}`, body: anonymise(JSON.stringify(r.inputs, null, 2), stack) }))
    .sort((a, b) => (a.head < b.head ? -1 : a.head > b.head ? 1 : 0))
    .map((r) => `${r.head}\n${r.body.replace(/^/gm, "  ")}\n`)
    .join("\n");
}

/** The plan of one stack as JSON: the same resources and masked inputs as the text, real names. */
export async function planJson(stack: string, root = REPO_ROOT): Promise<string> {
  return `${JSON.stringify({ stack, resources: await planResources(stack, root) }, null, 2)}\n`;
}

function diff(a: { label: string; text: string }, b: { label: string; text: string }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-"));
  const files = [a, b].map((side, i) => {
    const file = path.join(dir, `${i}-${side.label.replace(/[^\w.-]+/g, "_")}`);
    fs.writeFileSync(file, side.text);
    return file;
  });
  const out = spawnSync("git", ["diff", "--no-index", "--no-color", "--no-prefix", "-U4", ...files], { encoding: "utf8" });
  fs.rmSync(dir, { recursive: true, force: true });
  if (out.status !== 0 && out.status !== 1) throw new Error(`git diff failed: ${out.stderr}`);
  // Keep the hunks; the header names the two sides.
  const hunks = out.stdout.slice(out.stdout.indexOf("@@"));
  return out.stdout === "" ? "" : `--- ${a.label}\n+++ ${b.label}\n${hunks}`;
}

/** The stacks of the checkout at `root`: one per `Pulumi.<stack>.yaml`. */
export function stackNames(root = REPO_ROOT): string[] {
  return fs
    .readdirSync(root)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

/** What this checkout changes in each stack's plan since the git revision `base` (empty: nothing). */
export async function diffsAgainst(stacks: string[], base: string): Promise<Map<string, string>> {
  const tree = checkout(base);
  try {
    const diffs = new Map<string, string>();
    for (const stack of stacks) {
      const before = await plan(stack, tree.root);
      diffs.set(stack, diff({ label: `${stack}@${base}`, text: before }, { label: stack, text: await plan(stack) }));
    }
    return diffs;
  } finally {
    tree.remove();
  }
}

/** A throwaway checkout of `rev` that shares this checkout's node_modules. */
function checkout(rev: string): { root: string; remove(): void } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "plan-base-"));
  execFileSync("git", ["-C", REPO_ROOT, "worktree", "add", "--detach", "--quiet", root, rev]);
  fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(root, "node_modules"));
  return { root, remove: () => execFileSync("git", ["-C", REPO_ROOT, "worktree", "remove", "--force", root]) };
}

const USAGE = "usage: plan <stack> [--json] | plan <stack> <other-stack> | plan <stack> --base <git-rev>";

export type PlanCommand =
  | { kind: "plan"; stack: string; json: boolean }
  | { kind: "stacks"; stack: string; other: string }
  | { kind: "base"; stack: string; base: string }
  | { kind: "usage"; error: string };

/** What the command line asks for, or why it cannot be done (with the usage). */
export function parsePlanArgs(args: string[]): PlanCommand {
  const usage = (why?: string): PlanCommand => ({ kind: "usage", error: why ? `plan: ${why}\n${USAGE}` : USAGE });
  const baseAt = args.indexOf("--base");
  const base = baseAt >= 0 ? args[baseAt + 1] : undefined;
  const json = args.includes("--json");
  const unknown = args.filter((a) => a.startsWith("--") && a !== "--base" && a !== "--json");
  const stacks = args.filter((a, i) => !a.startsWith("--") && (baseAt < 0 || i !== baseAt + 1));
  if (unknown.length > 0) return usage(`unknown option ${unknown.map((a) => `\`${a}\``).join(", ")}`);
  if (baseAt >= 0 && (!base || base.startsWith("--"))) return usage("`--base` needs a git revision");
  if (stacks.length < 1 || stacks.length > 2 || (base && stacks.length !== 1)) return usage();
  if (json && (base || stacks.length !== 1)) return usage("`--json` prints one stack's plan; diffs are text");
  const [stack, other] = stacks as [string, string | undefined];
  if (base) return { kind: "base", stack, base };
  if (other) return { kind: "stacks", stack, other };
  return { kind: "plan", stack, json };
}

async function main(args: string[]): Promise<number> {
  const command = parsePlanArgs(args);
  switch (command.kind) {
    case "usage":
      process.stderr.write(`${command.error}\n`);
      return 64;
    case "plan":
      process.stdout.write(command.json ? await planJson(command.stack) : await plan(command.stack));
      return 0;
    case "base":
      process.stdout.write((await diffsAgainst([command.stack], command.base)).get(command.stack)!);
      return 0;
    case "stacks":
      process.stdout.write(diff({ label: command.stack, text: await plan(command.stack) }, { label: command.other, text: await plan(command.other) }));
      return 0;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
