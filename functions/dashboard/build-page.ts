import { copyFileSync, mkdirSync } from "node:fs";
import * as path from "node:path";
import { build } from "esbuild";

const PAGE = path.join(__dirname, "page");

/**
 * Bundles the page (app.js with the chart library, app.css) and copies index.html into `outDir`,
 * as functions/Dockerfile does with the same esbuild flags; tests serve what this builds.
 */
export async function buildPage(outDir: string): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  await build({ entryPoints: [path.join(PAGE, "app.ts")], bundle: true, minify: true, platform: "browser", target: "es2020", outdir: outDir, logLevel: "error" });
  copyFileSync(path.join(PAGE, "index.html"), path.join(outDir, "index.html"));
}
