import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO_ROOT, stackFileConfig } from "../testing/mocks";
import { parseSettings } from "./parse";
import { SECRET_KEYS } from "./settings";

/** Every settings path of a parsed stack, as the README's configuration table names it. */
function settingPaths(value: unknown, prefix = ""): string[] {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return [prefix];
  return Object.entries(value)
    .filter(([, v]) => v !== undefined)
    .flatMap(([k, v]) => settingPaths(v, prefix ? `${prefix}.${k}` : k));
}

function parsedStack(stack: string) {
  const { config } = stackFileConfig(stack);
  const raw = Object.fromEntries(
    Object.entries(config).map(([k, v]) => [k.slice(k.indexOf(":") + 1), v.startsWith("{") || v.startsWith("[") ? JSON.parse(v) : v]),
  );
  return parseSettings(raw, { project: "market-data-platform", stack, secrets: new Set(SECRET_KEYS), plaintext: new Set() });
}

describe("README configuration reference", () => {
  const readme = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
  const rows = readme.split("\n").filter((l) => l.startsWith("| `"));

  it("documents every setting the parser knows, for both stacks", () => {
    const { project: _p, stack: _s, requiredSecrets: _r, ...dev } = parsedStack("dev");
    const { project: _p2, stack: _s2, requiredSecrets: _r2, ...prod } = parsedStack("prod");
    const paths = new Set([...settingPaths(dev), ...settingPaths(prod), "snowflake.enabled"]);
    const undocumented = [...paths].filter((p) => {
      const dot = p.lastIndexOf(".");
      const [parent, leaf] = dot < 0 ? ["", p] : [p.slice(0, dot), p.slice(dot + 1)];
      return !rows.some((row) => row.includes(`\`${p}\``) || (parent !== "" && row.includes(`\`${parent}.`) && row.includes(`\`.${leaf}\``)));
    });
    assert.deepEqual(undocumented, []);
  });

  it("documents every secret with the command that sets it", () => {
    for (const key of SECRET_KEYS) assert.ok(rows.some((row) => row.startsWith(`| \`${key}\``) && row.includes(`pulumi config set --secret ${key}`)), key);
  });
});
