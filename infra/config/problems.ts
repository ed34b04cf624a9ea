/**
 * Collects every problem in a stack's config so that one run reports them all, each naming the
 * key (as `pulumi config` spells it) and quoting the value.
 */
export class ConfigError extends Error {
  constructor(
    readonly problems: readonly string[],
    /** The Pulumi stack (not `stack`, which is the error's trace). */
    readonly stackName: string,
  ) {
    super(`stack "${stackName}" has ${problems.length} config problem${problems.length === 1 ? "" : "s"}:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
  }
}

export type RawObject = Record<string, unknown>;

export function show(value: unknown): string {
  if (typeof value === "string") return `"${value}"`;
  if (value === undefined) return "nothing";
  return JSON.stringify(value);
}

export class Problems {
  readonly list: string[] = [];

  add(message: string): void {
    this.list.push(message);
  }

  /** Reads a nested object, reporting keys it does not know (with a suggestion for typos). */
  object(path: string, value: unknown, known: readonly string[]): RawObject {
    if (value === undefined) return {};
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      this.add(`\`${path}\` must be an object (got ${show(value)})`);
      return {};
    }
    const obj = value as RawObject;
    for (const key of Object.keys(obj)) {
      if (!known.includes(key)) this.add(unknownKey(`${path}.${key}`, key, known.map((k) => `${path}.${k}`)));
    }
    return obj;
  }

  int(path: string, value: unknown, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
    if (value === undefined) return fallback;
    const n = typeof value === "string" && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
    if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `between ${min} and ${max}`;
      this.add(`\`${path}\` must be a whole number ${range} (got ${show(value)})`);
      return fallback;
    }
    return n;
  }

  bool(path: string, value: unknown, fallback: boolean): boolean {
    if (value === undefined) return fallback;
    if (value === true || value === "true") return true;
    if (value === false || value === "false") return false;
    this.add(`\`${path}\` must be true or false (got ${show(value)})`);
    return fallback;
  }

  string(path: string, value: unknown, fallback: string, pattern?: RegExp, what?: string): string {
    if (value === undefined) return fallback;
    if (typeof value !== "string" || value.trim() === "" || (pattern && !pattern.test(value))) {
      this.add(`\`${path}\` must be ${what ?? "a non-empty string"} (got ${show(value)})`);
      return fallback;
    }
    return value;
  }

  oneOf<T extends string>(path: string, value: unknown, values: readonly T[], fallback: T): T {
    if (value === undefined) return fallback;
    if (typeof value !== "string" || !(values as readonly string[]).includes(value)) {
      this.add(`\`${path}\` must be one of ${values.map((v) => `"${v}"`).join(", ")} (got ${show(value)})`);
      return fallback;
    }
    return value as T;
  }

  stringList(path: string, value: unknown, fallback: readonly string[], check: (item: string) => boolean, what: string): string[] {
    if (value === undefined) return [...fallback];
    const items = typeof value === "string" ? value.split(",").map((s) => s.trim()) : value;
    if (!Array.isArray(items) || items.length === 0) {
      this.add(`\`${path}\` must be a non-empty list of ${what} (got ${show(value)})`);
      return [...fallback];
    }
    const bad = items.filter((i) => typeof i !== "string" || !check(i));
    if (bad.length > 0) {
      this.add(`\`${path}\` must list only ${what} (got ${bad.map(show).join(", ")})`);
      return [...fallback];
    }
    const dupes = items.filter((i, n) => items.indexOf(i) !== n);
    if (dupes.length > 0) this.add(`\`${path}\` lists ${dupes.map(show).join(", ")} more than once`);
    return items as string[];
  }
}

export function unknownKey(path: string, key: string, known: readonly string[]): string {
  const leaf = (p: string) => p.slice(p.lastIndexOf(".") + 1);
  const close = known.filter((k) => editDistance(leaf(k), key) <= 2).sort((a, b) => editDistance(leaf(a), key) - editDistance(leaf(b), key));
  return `\`${path}\` is not a known setting${close.length > 0 ? ` (did you mean \`${close[0]}\`?)` : ""}`;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}
