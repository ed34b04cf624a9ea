/**
 * The pull-request comment of the offline plan: what the pull request changes in each stack's plan,
 * as Markdown that starts with a hidden marker, so that the workflow finds and updates the one
 * comment it posted instead of adding another on each push.
 *
 *   ts-node tools/plan-comment.ts --base <git-rev> [--base-name <branch>] [<stack>...]
 */
import { diffsAgainst, stackNames } from "./plan";

export const PLAN_COMMENT_MARKER = "<!-- market-data-platform:offline-plan -->";
/** GitHub refuses comment bodies over 65,536 characters. */
export const COMMENT_LIMIT = 65_536;

/** A code fence longer than any run of backticks in `text`, so the text cannot close it. */
function fenceFor(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  return "`".repeat(longest + 1);
}

/**
 * The comment for each stack's diff (in the order given), within `limit` characters: a diff that
 * does not fit is cut at a line boundary and says how many lines were left out.
 */
export function planComment(diffs: { stack: string; diff: string }[], base: string, limit = COMMENT_LIMIT): string {
  const head = [
    PLAN_COMMENT_MARKER,
    "### Offline plan",
    "",
    `What this pull request changes in each stack's resources and inputs, computed by \`npm run plan -- <stack> --base ${base}\` under Pulumi's mock engine (no credentials; secrets masked; values only the providers compute are not shown).`,
    "",
  ].join("\n");
  const unchanged = diffs.filter((d) => d.diff === "").map((d) => `\`${d.stack}\``);
  const changed = diffs.filter((d) => d.diff !== "");
  const tail = unchanged.length > 0 ? `\nNo change in ${unchanged.join(", ")}.\n` : "";
  let budget = limit - head.length - tail.length;
  const sections: string[] = [];
  changed.forEach((d, i) => {
    const lines = d.diff.replace(/\n$/, "").split("\n");
    const added = lines.filter((l) => l.startsWith("+") && !l.startsWith("+++")).length;
    const removed = lines.filter((l) => l.startsWith("-") && !l.startsWith("---")).length;
    const fence = fenceFor(d.diff);
    const open = `<details open><summary><b>${d.stack}</b>: +${added} −${removed} lines</summary>\n\n${fence}diff\n`;
    const close = `${fence}\n</details>\n`;
    // Each stack still to come keeps a share of what is left.
    const share = Math.floor(budget / (changed.length - i));
    const room = share - open.length - close.length - 120;
    let body = "";
    let kept = 0;
    for (const line of lines) {
      if (body.length + line.length + 1 > room) break;
      body += `${line}\n`;
      kept++;
    }
    const cut = kept < lines.length ? `\n… ${lines.length - kept} more lines: run \`npm run plan -- ${d.stack} --base ${base}\`, or read this job's log.\n` : "";
    const section = `${open}${body}${close}${cut}`;
    budget -= section.length;
    sections.push(section);
  });
  const body = `${head}${sections.join("\n")}${tail}`;
  if (body.length > limit) throw new Error(`the plan comment is ${body.length} characters, over the ${limit} limit`);
  return body;
}

async function main(args: string[]): Promise<number> {
  const flags = new Map<string, string>();
  const stacks: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--base" || arg === "--base-name") flags.set(arg, args[++i] ?? "");
    else if (arg.startsWith("--")) flags.set("unknown", arg);
    else stacks.push(arg);
  }
  const base = flags.get("--base");
  if (!base || flags.has("unknown") || flags.get("--base-name") === "") {
    process.stderr.write("usage: plan-comment --base <git-rev> [--base-name <branch>] [<stack>...]\n");
    return 64;
  }
  const chosen = stacks.length > 0 ? stacks : stackNames();
  const diffs = await diffsAgainst(chosen, base);
  process.stdout.write(planComment(chosen.map((stack) => ({ stack, diff: diffs.get(stack)! })), flags.get("--base-name") ?? base));
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`plan-comment: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
