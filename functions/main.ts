import { isMainThread } from "node:worker_threads";
import { FUNCTION_COMMANDS, type FunctionCommand } from "../contract";

type Main = { main: () => Promise<number | void> };

/**
 * Entry point of the functions image: `node main.js <command>`. Each command's modules load only
 * when it runs (the bundle initialises a required module on first use), so that the sink does not
 * start by initialising yahoo-finance2 or the dashboard, nor a producer the AWS SDK.
 */
const COMMANDS: Record<FunctionCommand, () => Promise<number | void>> = {
  [FUNCTION_COMMANDS.realtimeProducer]: () => (require("./realtime-producer/main") as Main).main(),
  [FUNCTION_COMMANDS.batchProducer]: () => (require("./batch-producer/main") as Main).main(),
  [FUNCTION_COMMANDS.sink]: () => (require("./sink/main") as Main).main(),
  [FUNCTION_COMMANDS.ensureBuckets]: () => (require("./admin/ensure-buckets") as Main).main(),
  [FUNCTION_COMMANDS.dashboard]: () => (require("./dashboard/main") as Main).main(),
};

function isCommand(name: string | undefined): name is FunctionCommand {
  return name !== undefined && name in COMMANDS;
}

const [name] = process.argv.slice(2);
// The sink's threads run this same bundle (functions/sink/thread.ts).
const thread = isMainThread ? undefined : (require("./sink/thread") as typeof import("./sink/thread"));
if (thread?.isSinkThread()) {
  thread.runSinkThread();
} else if (!isCommand(name)) {
  process.stderr.write(`usage: main <command>\ncommands: ${Object.keys(COMMANDS).join(", ")}\n${name ? `unknown command "${name}"\n` : ""}`);
  process.exit(64);
} else {
  COMMANDS[name]()
    .then((code) => {
      if (typeof code === "number") process.exit(code);
    })
    .catch((err: unknown) => {
      process.stderr.write(`${JSON.stringify({ level: "error", component: name, msg: "failed", err: String(err) })}\n`);
      process.exit(1);
    });
}
