/**
 * Benchmarks of the Spark jobs (bench/spark_jobs.py) on pyspark in local mode against the
 * harness's real Kafka and S3 servers; prints figures, asserts nothing.
 *
 *   npm run bench            (after bench/pipeline.ts)
 *   npx ts-node --transpile-only bench/spark.ts
 *
 * BENCH_SYMBOLS x BENCH_DAYS sizes the generated history (100 x 2,520: 10 years, 252,000 bars).
 */
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { stopTestServers, testServers } from "../test/harness";
import { pythonTestEnv, runPython } from "../test/harness/python";

const SEED_BATCH_SECONDS = 30;

interface Batch {
  bars: number;
  rows: number;
  days: number;
  scan_s: number;
  job_s: number;
  rows_per_s: number;
  write_s?: number;
  dynamic_overwrite_write_s?: number;
}

async function main(): Promise<void> {
  const servers = await testServers();
  const out = path.join(mkdtempSync(path.join(os.tmpdir(), "spark-bench-")), "figures.json");
  const env = { ...pythonTestEnv(servers), PYTHONPATH: path.join("functions", "spark", "jobs"), BENCH_FIGURES: out };
  const code = await runPython(["bench/spark_jobs.py"], env, { timeoutMs: 3_600_000 });
  if (code !== 0) throw new Error(`bench/spark_jobs.py exited with ${code}`);
  const figures = JSON.parse(readFileSync(out, "utf8")) as { session_s: number; batch_recorded: Batch; batch_generated: Batch; streaming: { windows: number; watermark_s: number; trigger: string; median_s: number; p90_s: number; max_s: number } };
  const batch = (name: string, b: Batch, baseline: string) =>
    console.log(
      `${name}: ${b.bars.toLocaleString("en-US")} bars, ${b.days} trading days -> ${b.job_s.toFixed(1)} s, ${Math.round(b.rows_per_s).toLocaleString("en-US")} rows/s; ` +
        `reading and parsing the raw objects alone: ${b.scan_s.toFixed(1)} s (job = ${(b.job_s / b.scan_s).toFixed(1)}x the scan)${baseline}`,
    );
  console.log(`spark session start (local[2], connector jars on the classpath): ${figures.session_s.toFixed(1)} s`);
  const recorded = figures.batch_recorded;
  const { write_s: write, dynamic_overwrite_write_s: dynamicWrite } = recorded;
  const dynamic =
    write === undefined || dynamicWrite === undefined
      ? ""
      : `; the write alone: ${write.toFixed(1)} s, against ${dynamicWrite.toFixed(1)} s for Spark's dynamic partition overwrite of the same metrics (${(dynamicWrite / write).toFixed(1)}x)`;
  batch("daily_metrics, recorded bars", recorded, `${dynamic}; the seed's batch job: ~${SEED_BATCH_SECONDS} s`);
  batch("daily_metrics, generated history", figures.batch_generated, "");
  const s = figures.streaming;
  console.log(
    `tick_windows, trigger ${s.trigger}, watermark ${s.watermark_s} s: a window is readable ${s.median_s.toFixed(1)} s (median; p90 ${s.p90_s.toFixed(1)} s, max ${s.max_s.toFixed(1)} s, ${s.windows} windows) ` +
      "after the tick that closes it was produced; event time adds the window (60 s) and the watermark on top",
  );
}

main()
  .catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => void stopTestServers());
