/**
 * What every bench prints and records: figures, each with the baseline it is a ratio against,
 * measured in the same run on the same machine. Each bench file writes its own section of
 * bench/results.json (git-ignored), keeping the sections of the others, so that runs can be
 * compared and benches added without touching each other.
 */
import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { EnvReader } from "../functions/lib";

export interface Measure {
  value: number;
  unit: string;
  /** What was measured, e.g. "raw kafkajs consumer, same topic and fetch settings". */
  what: string;
}

export interface Figure {
  /** Stable identifier for comparing runs, e.g. `sink.steadyState`. */
  id: string;
  /** What the row measures, as the table shows it. */
  label: string;
  figure: Measure;
  /** What the figure is a ratio against; absent for a plain count. */
  baseline?: Measure;
  /** figure / baseline (for rates: how much of the baseline's rate the figure reaches). */
  ratio?: number;
  /** How to read the ratio, e.g. "of the raw consumer's rate", "faster than the seed". */
  ratioMeaning?: string;
  /** Anything a reader needs to trust the number (settings, sample sizes). */
  notes?: string;
}

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  os: string;
  node: string;
  /** 1-minute load average when the bench started and when it ended. */
  loadAtStart: number;
  loadAtEnd?: number;
}

export interface Section {
  measuredAt: string;
  seconds: number;
  machine: Machine;
  figures: Figure[];
}

export const RESULTS_FILE = path.join(__dirname, "results.json");

export function machine(): Machine {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadAtStart: round(os.loadavg()[0]!, 2),
  };
}

/** Writes `section` under `name` in bench/results.json, keeping every other section. */
export function recordSection(name: string, section: Section, file = RESULTS_FILE): void {
  let all: Record<string, unknown> = {};
  try {
    all = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  } catch {
    // first run, or a file from an older layout: start afresh
  }
  all[name] = section;
  writeFileSync(file, `${JSON.stringify(all, null, 2)}\n`);
}

/** The throughput run's size (`BENCH_TICKS`, `BENCH_ROUNDS`), read and refused as the functions read their settings. */
export function throughputSettings(env: Readonly<Record<string, string | undefined>> = process.env): { ticks: number; rounds: number } {
  const reader = new EnvReader(env);
  const settings = { ticks: reader.int("BENCH_TICKS", 1_000_000, { min: 1 }), rounds: reader.int("BENCH_ROUNDS", 7, { min: 1 }) };
  reader.done();
  return settings;
}

export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function show(m: Measure): string {
  const digits = Math.abs(m.value) >= 100 ? 0 : Math.abs(m.value) >= 10 ? 1 : 2;
  return `${m.value.toLocaleString("en", { maximumFractionDigits: digits, minimumFractionDigits: 0 })} ${m.unit}`;
}

/** A ratio with two significant digits, however small (0.26x, 0.0012x). */
export function showRatio(ratio: number): string {
  return `${ratio >= 1 ? round(ratio, 2) : Number(ratio.toPrecision(2))}x`;
}

/** The figures as a Markdown table (what the README's benchmark table shows). */
export function table(figures: readonly Figure[]): string {
  const cell = (m: Measure) => `${show(m)}${m.what ? `, ${m.what}` : ""}`;
  const rows = figures.map((f) => [
    f.label,
    f.baseline ? cell(f.baseline) : "",
    cell(f.figure),
    f.ratio === undefined ? "" : `${showRatio(f.ratio)}${f.ratioMeaning ? ` ${f.ratioMeaning}` : ""}`,
  ]);
  const head = ["benchmark", "baseline (same run)", "figure", "ratio"];
  return [head, head.map(() => "---"), ...rows].map((r) => `| ${r.join(" | ")} |`).join("\n");
}

export function describeMachine(m: Machine): string {
  const load = m.loadAtEnd === undefined ? `${m.loadAtStart}` : `${m.loadAtStart} at start, ${m.loadAtEnd} at end`;
  return `${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}; 1-minute load average ${load}`;
}
