import { FUNCTION_COMMANDS, type FunctionCommand } from "../contract";
import { main as ensureBuckets } from "./admin/ensure-buckets";
import { main as batchProducer } from "./batch-producer/main";
import { main as dashboard } from "./dashboard/main";
import { main as realtimeProducer } from "./realtime-producer/main";
import { main as sink } from "./sink/main";

/** Entry point of the functions image: `node main.js <command>`. */
const COMMANDS: Record<FunctionCommand, () => Promise<number | void>> = {
  [FUNCTION_COMMANDS.realtimeProducer]: () => realtimeProducer(),
  [FUNCTION_COMMANDS.batchProducer]: () => batchProducer(),
  [FUNCTION_COMMANDS.sink]: () => sink(),
  [FUNCTION_COMMANDS.ensureBuckets]: () => ensureBuckets(),
  [FUNCTION_COMMANDS.dashboard]: () => dashboard(),
};

function isCommand(name: string | undefined): name is FunctionCommand {
  return name !== undefined && name in COMMANDS;
}

const [name] = process.argv.slice(2);
if (!isCommand(name)) {
  process.stderr.write(`usage: main <command>\ncommands: ${Object.keys(COMMANDS).join(", ")}\n${name ? `unknown command "${name}"\n` : ""}`);
  process.exit(64);
}
COMMANDS[name]()
  .then((code) => {
    if (typeof code === "number") process.exit(code);
  })
  .catch((err: unknown) => {
    process.stderr.write(`${JSON.stringify({ level: "error", component: name, msg: "failed", err: String(err) })}\n`);
    process.exit(1);
  });
