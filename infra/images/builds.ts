import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type * as docker from "@pulumi/docker";

/** Images we build from this repository, with the files each is built from. */
export const IMAGE_BUILDS = {
  functions: {
    context: ".",
    dockerfile: "functions/Dockerfile",
    inputs: ["package.json", "package-lock.json", "tsconfig.json", "contract", "functions/Dockerfile", "functions/main.ts", "functions/lib", "functions/realtime-producer", "functions/batch-producer", "functions/sink", "functions/admin", "functions/dashboard"],
  },
  spark: { context: "functions/spark", dockerfile: "functions/spark/Dockerfile", inputs: ["functions/spark"] },
  // Airflow gets the Spark jobs too: its tasks submit them.
  airflow: { context: "functions", dockerfile: "functions/airflow/Dockerfile", inputs: ["functions/.dockerignore", "functions/airflow", "functions/spark/jobs"] },
  // The public image, rebuilt unchanged, so that it is pushed and pulled by digest like ours.
  postgres: { context: "functions/postgres", dockerfile: "functions/postgres/Dockerfile", inputs: ["functions/postgres"] },
} as const;

export type BuiltImage = keyof typeof IMAGE_BUILDS;
export const BUILT_IMAGES = Object.keys(IMAGE_BUILDS) as BuiltImage[];

const SKIPPED = new Set(["node_modules", "dist", ".cache", "__pycache__", ".pytest_cache", ".venv"]);

function listFiles(root: string, rel: string): string[] {
  const abs = path.join(root, rel);
  if (!fs.existsSync(abs)) return [];
  if (fs.statSync(abs).isFile()) return [rel];
  return fs
    .readdirSync(abs)
    .filter((entry) => !SKIPPED.has(entry) && !entry.endsWith(".test.ts") && !entry.endsWith(".itest.ts"))
    .flatMap((entry) => listFiles(root, path.posix.join(rel, entry)));
}

/**
 * A tag from the content of an image's inputs: it changes exactly when a rebuild would, so that
 * containers and Deployments roll only when the code changed, and the tag is pinned.
 */
export function contentTag(root: string, inputs: readonly string[]): string {
  const hash = crypto.createHash("sha256");
  for (const file of inputs.flatMap((i) => listFiles(root, i)).sort()) {
    hash.update(file).update("\0").update(fs.readFileSync(path.join(root, file))).update("\0");
  }
  return `src-${hash.digest("hex").slice(0, 16)}`;
}

export interface ImagesArgs {
  /** Repository root, where the build contexts are. */
  root: string;
  /** The folder the provider resolves relative paths from: the program's working directory. */
  workDir: string;
  /**
   * Docker network of the builds' RUN steps (`npm ci` needs one), e.g. `host` on an engine without
   * a default bridge. @default the engine's default (its bridge)
   */
  network?: string;
  /** Base image of each build, passed as the Dockerfile's BASE_IMAGE argument. */
  baseImages: Record<BuiltImage, string>;
  /** Name prefix of the images or repositories. */
  prefix: string;
}

/**
 * The provider resolves the context and the Dockerfile from its working directory, which is the
 * program's (`stacks/`), not the project root. Relative, so that every checkout gets the same
 * inputs (and the offline plan the same text).
 */
export function buildArgs(args: ImagesArgs, image: BuiltImage): docker.types.input.DockerBuild {
  const spec = IMAGE_BUILDS[image];
  const fromWorkDir = (repoPath: string) => path.relative(args.workDir, path.join(args.root, repoPath)) || ".";
  return {
    context: fromWorkDir(spec.context),
    dockerfile: fromWorkDir(spec.dockerfile),
    args: { BASE_IMAGE: args.baseImages[image] },
    platform: "linux/amd64",
    ...(args.network ? { network: args.network } : {}),
  };
}
