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

const defaultsCtx = { project: "market-data-platform", stack: "defaults", secrets: new Set<string>(SECRET_KEYS), plaintext: new Set<string>() };
const MINIMAL_CLOUD = {
  target: "cloud",
  cloud: { oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC" },
  snowflake: { organization: "ORG", account: "ACCOUNT", user: "PULUMI" },
};
/** Default cells that describe rather than state a value. */
const NOT_A_VALUE = new Set(["(required)", "(required when enabled)", "`<namePrefix>-<stack>`", "the engine's default bridge", "the Docker default"]);

/** `a.b.c` / `.d` and `a.b`, `a.c` name `a.b.c`, `a.b.d` and `a.b`, `a.c`. */
function expandKeys(cell: string): string[] {
  const keys = [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
  const first = keys[0] ?? "";
  return keys.map((k) => (k.startsWith(".") ? first.slice(0, first.lastIndexOf(".")) + k : k));
}

function settingAt(settings: object, key: string): unknown {
  if (key === "snowflake.enabled") return "snowflake" in settings && settings.snowflake !== undefined;
  return key.split(".").reduce<unknown>((v, k) => (typeof v === "object" && v !== null ? (v as Record<string, unknown>)[k] : undefined), settings);
}

/** A README cell as the value it states: without backticks or a trailing remark, sizes in bytes. */
function normalized(cell: string | undefined): string | undefined {
  const text = cell?.replace(/ \(.*\)$/, "").replaceAll("`", "").trim();
  const mib = /^(\d+) MiB$/.exec(text ?? "");
  return mib ? String(Number(mib[1]) * 1024 * 1024) : text;
}

function shown(value: unknown): string {
  return Array.isArray(value) ? value.join(" ") : String(value);
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

  it("states the defaults the parser applies, local / cloud where they differ", () => {
    const table = readme.slice(readme.indexOf("| key | default | meaning |"));
    const configRows = table.slice(0, table.indexOf("\n\n")).split("\n").slice(2);
    const parsed = { local: parseSettings({ target: "local" }, defaultsCtx), cloud: parseSettings(MINIMAL_CLOUD, defaultsCtx) };
    const disagreements: string[] = [];
    let compared = 0;
    for (const row of configRows) {
      const [keysCell = "", defaultCell = ""] = row.split(" | ").map((c) => c.replace(/^\| /, "").trim());
      if (NOT_A_VALUE.has(defaultCell)) continue;
      const keys = expandKeys(keysCell);
      const values = defaultCell.split(" / ");
      for (const [i, key] of keys.entries()) {
        const stated = keys.length > 1 ? values[i] : values;
        for (const target of ["local", "cloud"] as const) {
          const actual = settingAt(parsed[target], key);
          if (actual === undefined) continue;
          const text = normalized(stated === undefined ? undefined : Array.isArray(stated) ? stated[stated.length === 2 && target === "cloud" ? 1 : 0] : stated);
          compared++;
          if (text !== shown(actual)) disagreements.push(`${key} (${target}): README says ${text}, the parser applies ${shown(actual)}`);
        }
      }
    }
    assert.deepEqual(disagreements, []);
    assert.ok(compared > 80, `only ${compared} defaults compared`);
  });

  it("documents every secret with the command that sets it", () => {
    for (const key of SECRET_KEYS) assert.ok(rows.some((row) => row.startsWith(`| \`${key}\``) && row.includes(`pulumi config set --secret ${key}`)), key);
  });
});
