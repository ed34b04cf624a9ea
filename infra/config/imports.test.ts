import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

const INFRA = path.resolve(__dirname, "..");
const IMPORT = /^\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"/gm;

/** Every module a file loads at run time, followed through relative imports (type-only imports are erased). */
function runtimeImports(file: string, seen = new Map<string, string[]>()): Map<string, string[]> {
  if (seen.has(file)) return seen;
  const text = fs.readFileSync(file, "utf8");
  const specifiers = [...text.matchAll(IMPORT)].filter((m) => !/^\s*(?:import|export)\s+type\s/.test(m[0])).map((m) => m[1]!);
  seen.set(file, specifiers.filter((s) => !s.startsWith(".")));
  for (const s of specifiers.filter((x) => x.startsWith("."))) {
    const base = path.resolve(path.dirname(file), s);
    const target = [`${base}.ts`, path.join(base, "index.ts")].find((f) => fs.existsSync(f));
    assert.ok(target, `${path.relative(INFRA, file)} imports ${s}, which does not resolve`);
    runtimeImports(target, seen);
  }
  return seen;
}

describe("settings modules", () => {
  const roots = [path.join(INFRA, "config", "parse.ts"), ...fs.readdirSync(INFRA).map((d) => path.join(INFRA, d, "settings.ts")).filter((f) => fs.existsSync(f))];

  it("load no SDK: the stack config is parsed before any provider exists", () => {
    assert.ok(roots.length > 6, "every service has its settings.ts");
    for (const root of roots) {
      for (const [file, packages] of runtimeImports(root)) {
        const sdks = packages.filter((p) => p.startsWith("@pulumi/"));
        assert.deepEqual(sdks, [], `${path.relative(INFRA, root)} loads ${sdks.join(", ")} through ${path.relative(INFRA, file)}`);
      }
    }
  });
});
