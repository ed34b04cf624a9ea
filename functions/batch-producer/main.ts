import { COMPONENT, readConfig } from "./config";
import { createYahooClient } from "./client";
import { createBatchMetrics } from "./metrics";
import { openKafkaPublisher, type KafkaPublisher } from "./publish";
import { writeFileSync } from "node:fs";
import { TOPICS } from "../../contract";
import { batchReport, exitCode, run } from "./run";
import { simulatedSource, yahooSource } from "./source";
import { EnvError, createKafka, createLogger, createRegistry, startMetricsServer } from "../lib";

/** How long a stop signal may take before the process exits regardless. */
const STOP_GRACE_MS = 30_000;
/** Exit code of a run that never started because the environment is invalid. */
export const EXIT_INVALID_CONFIG = 2;

/**
 * Runs the batch once, to completion, and resolves with the process exit code: 0 when every
 * symbol was published, 1 when any failed, so that Airflow can wait for it and see the outcome.
 * `fetch` is how the Yahoo client reaches Yahoo; a test hands in recorded responses.
 */
export async function main(
  vars: Readonly<Record<string, string | undefined>> = process.env,
  fetch: typeof globalThis.fetch = globalThis.fetch,
): Promise<number> {
  let config;
  try {
    config = readConfig(vars);
  } catch (err) {
    if (!(err instanceof EnvError)) throw err;
    createLogger(COMPONENT).error("invalid configuration", { problems: err.problems });
    return EXIT_INVALID_CONFIG;
  }
  const log = createLogger(COMPONENT, { level: config.logLevel });
  const registry = createRegistry(COMPONENT);
  const metrics = createBatchMetrics(registry);

  const controller = new AbortController();
  const stop = (signal: NodeJS.Signals) => {
    log.warn("stopping after the current symbol", { signal, graceMs: STOP_GRACE_MS });
    controller.abort();
    setTimeout(() => {
      log.error("stop took too long, exiting", { graceMs: STOP_GRACE_MS });
      process.exit(1);
    }, STOP_GRACE_MS).unref();
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);

  const server = config.metricsPort > 0 ? await startMetricsServer(config.metricsPort, registry, () => ({ live: true, ready: true })) : undefined;
  let publisher: KafkaPublisher | undefined;
  let report: string | undefined;
  try {
    publisher = await openKafkaPublisher(createKafka(config.kafka, log), config.kafka);
    const source =
      config.batch.source === "simulated" ? simulatedSource(config.batch.seed) : yahooSource(createYahooClient({ fetch, log }), config.batch.retry, { log, metrics });
    const summary = await run(config.batch, {
      source,
      publisher,
      log,
      metrics,
      signal: controller.signal,
    });
    report = JSON.stringify(batchReport(summary, TOPICS.batch, await publisher.endOffsets()));
    if (config.summaryFile) writeFileSync(config.summaryFile, `${report}\n`);
    return exitCode(summary);
  } catch (err) {
    log.error("batch failed", { err });
    return 1;
  } finally {
    await publisher?.close().catch((err: unknown) => log.warn("producer disconnect failed", { err }));
    await server?.close();
    process.off("SIGTERM", stop);
    process.off("SIGINT", stop);
    // Whatever the log level, and last: an orchestrator reads the final line of a container's output.
    if (report) process.stdout.write(`${report}\n`);
  }
}
