/**
 * Program evaluation: the prod stack's program under Pulumi's mock engine in a fresh process, as
 * Pulumi runs it (TypeScript through ts-node), against the same engine running an empty program.
 * Run as `node -r ts-node/register/transpile-only bench/program.ts child <prod|empty>`, it prints
 * one JSON line per moment the bench times.
 */
import path from "node:path";
import { SECRET_KEYS } from "../infra/config/settings";
import { placeholderSecrets } from "../infra/testing/keys";
import { runProgram } from "../infra/testing/mocks";
import { markTime, runMarked } from "./processes";
import { round, type Figure } from "./report";

const mark = (event: string, fields: Record<string, unknown> = {}) => process.stdout.write(`${JSON.stringify({ event, time: Date.now(), ...fields })}\n`);

async function child(mode: string): Promise<void> {
  // The engine is imported by now; the program's modules (every component and provider SDK) are not.
  mark("engine");
  const secrets = placeholderSecrets(SECRET_KEYS);
  const program = mode === "prod" ? (require("../stacks/platform") as { definePlatform: () => unknown }).definePlatform : () => undefined;
  mark("imported");
  const first = await runProgram(program, { stack: "prod", secrets });
  mark("evaluated", { resources: first.resources.length });
  await runProgram(program, { stack: "prod", secrets });
  mark("again");
}

async function evaluate(mode: "prod" | "empty") {
  const run = await runMarked(["-r", "ts-node/register/transpile-only", path.join(__dirname, "program.ts"), "child", mode], {}, 300_000);
  const at = (event: string) => (markTime(run, event) - run.spawnedAt) / 1000;
  return { imported: at("imported"), evaluated: at("evaluated"), warm: at("again") - at("evaluated"), resources: Number(run.marks.find((m) => m.event === "evaluated")!.resources) };
}

export async function programFigures(): Promise<Figure[]> {
  const empty = await evaluate("empty");
  const prod = await evaluate("prod");
  return [
    {
      id: "program.prod",
      label: "program evaluation: the prod stack under the mock engine, fresh process",
      figure: { value: round(prod.evaluated, 2), unit: "s", what: `${prod.resources} resources; ${round(prod.imported, 2)} s of it importing` },
      baseline: { value: round(empty.evaluated, 2), unit: "s", what: "the same engine running an empty program" },
      ratio: prod.evaluated / empty.evaluated,
      ratioMeaning: "of the empty program's time",
      notes: `TypeScript through ts-node, as Pulumi runs it; a second evaluation in the same process takes ${round(prod.warm, 2)} s (the empty program: ${round(empty.warm, 2)} s)`,
    },
  ];
}

if (require.main === module && process.argv[2] === "child") {
  child(process.argv[3] ?? "prod").then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );
}
