import { writeFileSync } from "node:fs";
import path from "node:path";
import { DAILY_METRICS_SCHEMA, DATASET_ZONES, TICK_WINDOWS_SCHEMA } from "./datasets";
import { ENV, ZONE_BUCKET_ENV } from "./env";
import { SINK_JOURNAL_PREFIX } from "./layout";
import { BAR_SCHEMA, ISO_DATE, ISO_TIMESTAMP, MAX_CLOCK_SKEW_MS, TICK_SCHEMA } from "./records";
import { SYMBOL_PATTERN } from "./symbols";
import { TOPICS } from "./topics";
import { ZONES } from "./zones";
import { FUNCTION_COMMANDS } from "./commands";
import {
  LOADED_TABLES,
  LOAD_COLUMNS,
  LOAD_STAGE,
  clearStagingStatement,
  copyIntoStagingStatement,
  createTableStatement,
  mergeStatement,
  publishedFilePattern,
  stagedFilesStatement,
  stagingColumns,
  tableColumns,
} from "./warehouse";

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

/** Where the DAGs read the contract: their own package, copied into the Airflow image with them. */
export const DAGS_CONTRACT_FILE = path.join(__dirname, "..", "functions", "airflow", "dags", "market_data", "contract.json");

/**
 * What the DAGs need of the contract: names, the datasets' fields, and the warehouse's tables and
 * statements exactly as the Pulumi program declares them (unqualified: the Snowflake connection
 * names the database and schema).
 */
export function dagsContractExport() {
  return {
    $comment: "Generated from contract/ by `npx ts-node contract/export.ts`; do not edit (a test compares it with the generator).",
    topics: TOPICS,
    zoneBucketEnv: ZONE_BUCKET_ENV,
    env: ENV,
    commands: FUNCTION_COMMANDS,
    symbolPattern: SYMBOL_PATTERN.source,
    loadStage: LOAD_STAGE,
    loadColumns: { sourceFile: LOAD_COLUMNS.sourceFile.name, loadedAt: LOAD_COLUMNS.loadedAt.name },
    tables: Object.fromEntries(
      Object.entries(LOADED_TABLES).map(([name, t]) => [
        name,
        {
          dataset: t.schema.dataset,
          zone: t.zone,
          table: t.table,
          staging: t.staging,
          keys: t.keys,
          fields: t.schema.fields.map((f) => ({ name: f.name, type: f.type, nullable: f.nullable ?? false })),
          columns: tableColumns(t.schema).map((c) => c.name),
          stagingColumns: stagingColumns(t).map((c) => c.name),
          publishedFilePattern: publishedFilePattern(t.schema),
          statements: {
            createTable: createTableStatement(t.table, tableColumns(t.schema)),
            createStaging: createTableStatement(t.staging, stagingColumns(t)),
            createLoadStage: `CREATE STAGE IF NOT EXISTS ${LOAD_STAGE}`,
            copyIntoStaging: copyIntoStagingStatement(t, LOAD_STAGE),
            stagedFiles: stagedFilesStatement(t),
            merge: mergeStatement(t),
            clearStaging: clearStagingStatement(t),
          },
        },
      ]),
    ),
  };
}

export function dagsContractExportText(): string {
  return `${JSON.stringify(dagsContractExport(), null, 2)}\n`;
}

if (require.main === module) {
  for (const [file, text] of [
    [CONTRACT_EXPORT_FILE, contractExportText()],
    [DAGS_CONTRACT_FILE, dagsContractExportText()],
  ] as const) {
    writeFileSync(file, text);
    process.stderr.write(`wrote ${path.relative(process.cwd(), file)}\n`);
  }
}
