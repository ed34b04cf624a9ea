import { writeFileSync } from "node:fs";
import path from "node:path";
import { DAILY_METRICS_SCHEMA, DATASET_ZONES, TICK_WINDOWS_SCHEMA } from "./datasets";
import { ENV, ZONE_BUCKET_ENV } from "./env";
import { SINK_JOURNAL_PREFIX } from "./layout";
import { BAR_SCHEMA, ISO_DATE, ISO_TIMESTAMP, MAX_CLOCK_SKEW_MS, TICK_SCHEMA } from "./records";
import { SYMBOL_PATTERN } from "./symbols";
import { TOPICS } from "./topics";
import { ZONES } from "./zones";

/** Where the Python side (the Spark jobs, the DAGs) reads the contract: the jobs' folder, copied into both images. */
export const CONTRACT_EXPORT_FILE = path.join(__dirname, "..", "functions", "spark", "jobs", "contract.json");

/**
 * The contract as plain JSON for the Python code, which loads it instead of retyping a name or a
 * field. Regular expressions are exported by their source, which Java's regex engine reads alike.
 */
export function contractExport() {
  return {
    $comment: "Generated from contract/ by `npx ts-node contract/export.ts`; do not edit (a test compares it with the generator).",
    topics: TOPICS,
    zones: ZONES,
    datasetZones: DATASET_ZONES,
    env: ENV,
    zoneBucketEnv: ZONE_BUCKET_ENV,
    sinkJournalPrefix: SINK_JOURNAL_PREFIX,
    symbolPattern: SYMBOL_PATTERN.source,
    isoTimestampPattern: ISO_TIMESTAMP.source,
    isoDatePattern: ISO_DATE.source,
    maxClockSkewMs: MAX_CLOCK_SKEW_MS,
    records: { tick: TICK_SCHEMA, bar: BAR_SCHEMA },
    tables: { [DAILY_METRICS_SCHEMA.name]: DAILY_METRICS_SCHEMA, [TICK_WINDOWS_SCHEMA.name]: TICK_WINDOWS_SCHEMA },
  };
}

export function contractExportText(): string {
  return `${JSON.stringify(contractExport(), null, 2)}\n`;
}

if (require.main === module) {
  writeFileSync(CONTRACT_EXPORT_FILE, contractExportText());
  process.stderr.write(`wrote ${path.relative(process.cwd(), CONTRACT_EXPORT_FILE)}\n`);
}
