import { readFileSync } from "node:fs";

/** Suffix of a variable that names a file holding the value (a mounted Secret) instead of the value. */
export const FILE_SUFFIX = "_FILE";

/**
 * Reads a function's settings from its environment. Every problem is collected and reported at
 * once, each naming the variable and the value it had.
 */
export class EnvError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid environment:\n  - ${problems.join("\n  - ")}`);
    this.name = "EnvError";
  }
}

export class EnvReader {
  private readonly problems: string[] = [];

  constructor(private readonly env: Readonly<Record<string, string | undefined>>) {}

  private raw(name: string): string | undefined {
    const v = this.env[name];
    return v === undefined || v.trim() === "" ? undefined : v.trim();
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  optional(name: string): string | undefined {
    return this.raw(name);
  }

  /**
   * A credential: the value of `name`, or the content of the file `<name>_FILE` names (a mounted
   * Secret, which no `env` listing or process dump shows). Never both; a trailing newline is dropped.
   */
  secret(name: string): string | undefined {
    const value = this.raw(name);
    const file = this.raw(`${name}${FILE_SUFFIX}`);
    if (file === undefined) return value;
    if (value !== undefined) {
      this.problems.push(`\`${name}\` and \`${name}${FILE_SUFFIX}\` are both set; set only one`);
      return value;
    }
    let content: string;
    try {
      content = readFileSync(file, "utf8").replace(/\r?\n$/, "");
    } catch (err) {
      this.problems.push(`\`${name}${FILE_SUFFIX}\` names "${file}", which cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      return undefined;
    }
    if (content.trim() === "") this.problems.push(`\`${name}${FILE_SUFFIX}\` names "${file}", which is empty`);
    return content.trim() === "" ? undefined : content;
  }

  required(name: string): string {
    const v = this.raw(name);
    if (v === undefined) this.problems.push(`\`${name}\` is required`);
    return v ?? "";
  }

  int(name: string, fallback: number, bounds: { min?: number; max?: number } = {}): number {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    const { min = -Infinity, max = Infinity } = bounds;
    if (!/^-?\d+$/.test(v) || !Number.isSafeInteger(n) || n < min || n > max) {
      const range = [min !== -Infinity ? `>= ${min}` : "", max !== Infinity ? `<= ${max}` : ""].filter(Boolean).join(" and ");
      this.problems.push(`\`${name}\` must be an integer${range ? ` ${range}` : ""} (got "${v}")`);
      return fallback;
    }
    return n;
  }

  bool(name: string, fallback: boolean): boolean {
    const v = this.raw(name)?.toLowerCase();
    if (v === undefined) return fallback;
    if (["true", "1", "yes"].includes(v)) return true;
    if (["false", "0", "no"].includes(v)) return false;
    this.problems.push(`\`${name}\` must be true or false (got "${this.raw(name)}")`);
    return fallback;
  }

  list(name: string, fallback: readonly string[]): string[] {
    const v = this.raw(name);
    if (v === undefined) return [...fallback];
    const items = v.split(",").map((s) => s.trim()).filter(Boolean);
    if (items.length === 0) this.problems.push(`\`${name}\` must list at least one value (got "${v}")`);
    return items;
  }

  oneOf<T extends string>(name: string, values: readonly T[], fallback: T): T {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    if (!(values as readonly string[]).includes(v)) {
      this.problems.push(`\`${name}\` must be one of ${values.join(", ")} (got "${v}")`);
      return fallback;
    }
    return v as T;
  }

  /** Records a problem found by a check the reader cannot express. */
  problem(message: string): void {
    this.problems.push(message);
  }

  /** Throws an {@link EnvError} listing every problem seen so far. */
  done(): void {
    if (this.problems.length > 0) throw new EnvError(this.problems);
  }
}
