/** CPU time of processes, read from Linux's /proc: what each process of a run cost, beside its rate. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

let ticksPerSecond: number | undefined;

/** Seconds of CPU (user and system, every thread) that process `pid` has used; undefined where /proc cannot tell. */
export function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // After the command's name in parentheses: state, then 10 fields, then utime and stime in clock ticks.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    ticksPerSecond ??= Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim());
    const seconds = (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
    return Number.isFinite(seconds) ? seconds : undefined;
  } catch {
    return undefined;
  }
}

/** CPU seconds of each named process at one moment. */
export type CpuSample = Record<string, number | undefined>;

export function sampleCpu(pids: Record<string, number | undefined>): CpuSample {
  return Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuSeconds(pid)]));
}

/** Microseconds of CPU a record that `name` spent between two samples, over `records` records. */
export function cpuPerRecord(before: CpuSample, after: CpuSample, name: string, records: number): number | undefined {
  const a = before[name];
  const b = after[name];
  return a === undefined || b === undefined || records <= 0 ? undefined : ((b - a) * 1e6) / records;
}
