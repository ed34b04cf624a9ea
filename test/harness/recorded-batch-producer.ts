/**
 * The batch producer's own main() on the recorded Yahoo responses, as a process: what the DAGs'
 * local runner starts in the tests where the functions image would run `batch-producer`.
 *
 *   node -r ts-node/register/transpile-only test/harness/recorded-batch-producer.ts
 */
import { fixtureClient } from "../../functions/batch-producer/fixtures/client";
import { main } from "../../functions/batch-producer/main";

main(process.env, fixtureClient().replay.fetch).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exit(1);
  },
);
