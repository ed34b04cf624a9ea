import type { Logger } from "./log";

/**
 * Runs `stop` once on SIGTERM or SIGINT and exits when it finishes (with the code `stop` returns,
 * 0 by default), or after `graceMs` whatever it is doing, so that an orchestrator's kill never has
 * to come.
 */
export function onShutdown(stop: (signal: NodeJS.Signals) => Promise<number | void>, log: Logger, graceMs: number): () => void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info("shutting down", { signal, graceMs });
    const timer = setTimeout(() => {
      log.error("shutdown took too long, exiting", { graceMs });
      process.exit(1);
    }, graceMs);
    timer.unref();
    stop(signal)
      .then((code) => {
        log.info("stopped", { signal, exitCode: code ?? 0 });
        process.exit(code ?? 0);
      })
      .catch((err: unknown) => {
        log.error("shutdown failed", { err });
        process.exit(1);
      });
  };
  process.on("SIGTERM", handler);
  process.on("SIGINT", handler);
  return () => {
    process.off("SIGTERM", handler);
    process.off("SIGINT", handler);
  };
}
