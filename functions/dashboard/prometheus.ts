/**
 * A parser of the Prometheus text exposition format (version 0.0.4), the format prom-client
 * serves: enough to read counters and gauges, strict enough to refuse what is not that format.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface ParseResult {
  samples: Sample[];
  /** Lines that are not samples, comments or blank, with the reason; they are skipped. */
  errors: { line: number; message: string }[];
}

const NAME_START = /[a-zA-Z_:]/;
const NAME_CHAR = /[a-zA-Z0-9_:]/;
const LABEL_START = /[a-zA-Z_]/;
const LABEL_CHAR = /[a-zA-Z0-9_]/;
const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

class LineError extends Error {}

function parseValue(text: string): number {
  switch (text) {
    case "NaN":
      return NaN;
    case "+Inf":
    case "Inf":
      return Infinity;
    case "-Inf":
      return -Infinity;
  }
  if (!NUMBER.test(text)) throw new LineError(`"${text.slice(0, 40)}" is not a number`);
  return Number(text);
}

/** One sample line; throws a LineError saying what is wrong with it. */
function parseSample(line: string): Sample {
  let i = 0;
  if (!NAME_START.test(line[i] ?? "")) throw new LineError("a sample must start with a metric name");
  while (i < line.length && NAME_CHAR.test(line[i]!)) i++;
  const name = line.slice(0, i);
  const labels: Record<string, string> = {};
  if (line[i] === "{") {
    i++;
    for (;;) {
      while (line[i] === " ") i++;
      if (line[i] === "}") break;
      const start = i;
      if (!LABEL_START.test(line[i] ?? "")) throw new LineError(`bad label name in ${name}`);
      while (i < line.length && LABEL_CHAR.test(line[i]!)) i++;
      const label = line.slice(start, i);
      if (line[i] !== "=" || line[i + 1] !== '"') throw new LineError(`label ${label} of ${name} must be ${label}="value"`);
      i += 2;
      let value = "";
      for (;;) {
        const c = line[i];
        if (c === undefined) throw new LineError(`unterminated value of label ${label} in ${name}`);
        if (c === '"') break;
        if (c === "\\") {
          const next = line[i + 1];
          if (next === "n") value += "\n";
          else if (next === "\\" || next === '"') value += next;
          else throw new LineError(`bad escape in label ${label} of ${name}`);
          i += 2;
        } else {
          value += c;
          i++;
        }
      }
      i++;
      if (label in labels) throw new LineError(`label ${label} repeated in ${name}`);
      labels[label] = value;
      while (line[i] === " ") i++;
      if (line[i] === ",") i++;
      else if (line[i] !== "}") throw new LineError(`labels of ${name} must be separated by commas`);
    }
    i++;
  }
  const rest = line.slice(i).trim().split(/[ \t]+/);
  if (line[i] !== " " && line[i] !== "\t") throw new LineError(`${name} must be followed by a space and its value`);
  if (rest.length < 1 || rest.length > 2 || rest[0] === "") throw new LineError(`${name} must have a value and at most a timestamp`);
  const value = parseValue(rest[0]!);
  if (rest[1] !== undefined && !/^-?\d+$/.test(rest[1])) throw new LineError(`timestamp of ${name} must be integer milliseconds`);
  return { name, labels, value };
}

/**
 * Parses an exposition. Never throws: bad lines are reported and skipped. At most `maxSamples`
 * samples are kept (the rest count as one error), so a huge answer cannot take the memory.
 */
export function parsePrometheusText(text: string, maxSamples = 100_000): ParseResult {
  const samples: Sample[] = [];
  const errors: ParseResult["errors"] = [];
  const lines = text.split("\n");
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.replace(/\r$/, "");
    if (line.trim() === "" || line.startsWith("#")) continue;
    if (samples.length >= maxSamples) {
      errors.push({ line: n + 1, message: `more than ${maxSamples} samples; the rest are ignored` });
      break;
    }
    try {
      samples.push(parseSample(line));
    } catch (err) {
      if (!(err instanceof LineError)) throw err;
      errors.push({ line: n + 1, message: err.message });
    }
  }
  return { samples, errors };
}

/** The samples of one metric, optionally only those whose labels include `match`. */
export function samplesOf(samples: readonly Sample[], name: string, match: Record<string, string> = {}): Sample[] {
  return samples.filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v));
}

/** The sum of a metric's samples, or undefined when it has none. */
export function sumOf(samples: readonly Sample[], name: string, match: Record<string, string> = {}): number | undefined {
  const found = samplesOf(samples, name, match);
  return found.length === 0 ? undefined : found.reduce((total, s) => total + s.value, 0);
}
