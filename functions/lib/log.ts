/** Structured logs: one JSON object a line, so that any collector can index topic, partition and offsets. */
export const LEVELS = ["debug", "info", "warn", "error"] as const;
export type Level = (typeof LEVELS)[number];
const RANK: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type Fields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  child(fields: Fields): Logger;
}

export interface LoggerOptions {
  level?: Level;
  /** Where lines go; stdout by default. */
  write?: (line: string) => void;
  now?: () => Date;
}

export function isLevel(value: string): value is Level {
  return value in RANK;
}

export function createLogger(component: string, options: LoggerOptions = {}, base: Fields = {}): Logger {
  const min = RANK[options.level ?? "info"];
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const now = options.now ?? (() => new Date());
  const emit = (level: Level, msg: string, fields?: Fields) => {
    if (RANK[level] < min) return;
    write(JSON.stringify({ time: now().toISOString(), level, component, msg, ...base, ...serialise(fields) }));
  };
  return {
    debug: (msg, fields) => emit("debug", msg, fields),
    info: (msg, fields) => emit("info", msg, fields),
    warn: (msg, fields) => emit("warn", msg, fields),
    error: (msg, fields) => emit("error", msg, fields),
    child: (fields) => createLogger(component, options, { ...base, ...fields }),
  };
}

function serialise(fields: Fields | undefined): Fields {
  if (!fields) return {};
  const out: Fields = {};
  for (const [k, v] of Object.entries(fields)) {
    if (v instanceof Error) out[k] = { name: v.name, message: v.message };
    else if (typeof v === "bigint") out[k] = v.toString();
    else out[k] = v;
  }
  return out;
}

/** A logger that drops everything, for tests that assert on behaviour rather than on logs. */
export const silentLogger: Logger = createLogger("silent", { write: () => undefined });
