/**
 * Starts the harness's Kafka broker and S3 server and keeps them running until Ctrl-C, printing the
 * variables that point the Python tests and jobs at them:
 *
 *   npx ts-node --transpile-only test/harness/serve.ts > .cache/servers.env
 *   set -a; . .cache/servers.env; set +a; .cache/python/venv/bin/python -m pytest functions/spark/jobs
 */
import { pythonTestEnv } from "./python";
import { stopTestServers, testServers } from "./index";

async function main(): Promise<void> {
  const env = pythonTestEnv(await testServers());
  for (const [name, value] of Object.entries(env)) console.log(`${name}=${value}`);
  console.error("serve: servers are running; Ctrl-C stops them");
  // The servers' processes do not hold the event loop open; this timer does, until a signal.
  const alive = setInterval(() => undefined, 60_000);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  clearInterval(alive);
  await stopTestServers();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
