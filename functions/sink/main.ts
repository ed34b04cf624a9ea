import { createKafka, createLogger, createRegistry, createS3, EnvError, onShutdown, producerConfig, startMetricsServer } from "../lib";
import { COMPONENT, readSinkSettings } from "./config";
import { sinkConsumerConfig } from "./consumer";
import { createSinkMetrics } from "./metrics";
import { Sink } from "./sink";
import { RawZone } from "./store";
import { startSinkThreads } from "./thread";
import { inProcessValidator } from "./validation";

export const EXIT_INVALID_CONFIG = 2;

/** The sink's edge: environment → clients → run until SIGTERM. */
export async function main(vars: Readonly<Record<string, string | undefined>> = process.env): Promise<void> {
  let settings;
  try {
    settings = readSinkSettings(vars);
  } catch (err) {
    if (!(err instanceof EnvError)) throw err;
    createLogger(COMPONENT).error("invalid configuration", { problems: err.problems });
    process.exit(EXIT_INVALID_CONFIG);
  }
  const log = createLogger(COMPONENT, { level: settings.logLevel });
  log.info("sink starting", { pid: process.pid });
  process.on("unhandledRejection", (err) => {
    log.error("unexpected failure; exiting so that the orchestrator restarts the sink", { err });
    process.exit(1);
  });
  const registry = createRegistry(COMPONENT);
  const kafka = createKafka(settings.kafka, log);
  const s3 = createS3(settings.s3);
  // The threads run this process's own script (functions/main.ts hands them to the thread's loop).
  const thread = settings.validationThread ? startSinkThreads(process.argv[1]!, { s3: settings.s3, bucket: settings.bucket }) : undefined;
  const sink = new Sink(settings, {
    consumer: kafka.consumer(sinkConsumerConfig(settings)),
    producer: kafka.producer(producerConfig(settings.kafka)),
    admin: kafka.admin(),
    zone: new RawZone(s3, settings.bucket, settings.s3RequestTimeoutMs, log, thread?.writer),
    log,
    metrics: createSinkMetrics(registry),
    validator: thread?.validator ?? inProcessValidator(),
  });
  const metricsServer = settings.metricsPort > 0 ? await startMetricsServer(settings.metricsPort, registry, () => sink.health()) : undefined;
  onShutdown(
    async () => {
      await sink.stop(settings.shutdownGraceMs);
      await metricsServer?.close();
    },
    log,
    settings.shutdownGraceMs,
  );
  await sink.start();
  log.info("sink started", { groupId: settings.groupId, topics: settings.topics, bucket: settings.bucket, flush: settings.flush, validationThread: settings.validationThread });
}
