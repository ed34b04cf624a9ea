import { setTimeout as sleep } from "node:timers/promises";
import { inspect } from "node:util";
import type { ServerProcess } from "./process";

export interface ReadinessOptions {
  /** Used in messages, e.g. "kafka". */
  readonly name: string;
  readonly timeoutMs: number;
  readonly intervalMs?: number;
  /** Appended to the error, e.g. the tail of the server's log. */
  readonly diagnostics: () => string;
}

/** Starts the server unless it runs, and waits for it; a server that did not get ready is killed. */
export async function startAndWait(server: ServerProcess, probe: () => Promise<void>, options: ReadinessOptions): Promise<void> {
  if (!server.isRunning) server.spawn();
  try {
    await waitUntilReady(server, probe, options);
  } catch (error) {
    await server.kill();
    throw error;
  }
}

/**
 * Calls `probe` until it resolves. Fails at the deadline, or at once when the server process exits,
 * with the last probe error and the diagnostics.
 */
async function waitUntilReady(
  server: ServerProcess,
  probe: () => Promise<void>,
  options: ReadinessOptions,
): Promise<void> {
  const started = Date.now();
  let exitCode: number | null | undefined;
  void server.whenExited().then((code) => (exitCode = code));
  let lastError: unknown;
  for (;;) {
    if (exitCode !== undefined) throw readinessError(options, `exited with code ${exitCode} before it was ready`, lastError);
    try {
      await probe();
      return;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() - started > options.timeoutMs) {
      throw readinessError(options, `was not ready within ${options.timeoutMs / 1000} s`, lastError);
    }
    await sleep(options.intervalMs ?? 250);
  }
}

function readinessError(options: ReadinessOptions, what: string, lastError: unknown): Error {
  const cause = lastError instanceof Error ? lastError.message : inspect(lastError);
  return new Error(`${options.name} ${what}. Last probe error: ${cause}\n--- ${options.name} log tail ---\n${options.diagnostics()}`);
}
