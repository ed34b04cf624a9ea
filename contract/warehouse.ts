import { DAILY_METRICS_SCHEMA, DATASET_ZONES, TICK_WINDOWS_SCHEMA } from "./datasets";
import type { FieldType, TableSchema } from "./records";
import type { Zone } from "./zones";

/**
 * What lives in Snowflake, derived from the datasets' schemas: the final tables, the staging tables
 * that files land in, and the statements that move rows from one to the other. The Pulumi program
 * declares the tables from here, and the DAGs run the statements as the contract export carries
 * them (`functions/airflow/dags/market_data/contract.json`), so nothing is typed twice.
 */

/** Snowflake column type of each contract field type. */
export const SNOWFLAKE_TYPES: Record<FieldType, string> = {
  string: "VARCHAR",
  double: "FLOAT",
  long: "NUMBER(38,0)",
  timestamp: "TIMESTAMP_NTZ(3)",
  date: "DATE",
};

export interface SnowflakeColumn {
  name: string;
  type: string;
  nullable: boolean;
  comment: string;
}

/** The table's columns, straight from the contract: a field added there appears here. */
export function tableColumns(schema: TableSchema): SnowflakeColumn[] {
  return schema.fields.map((f) => ({ name: f.name.toUpperCase(), type: SNOWFLAKE_TYPES[f.type], nullable: f.nullable ?? false, comment: f.doc }));
}

/** Columns a staged row carries besides the dataset's: the file it came from and when it was staged. */
export const LOAD_COLUMNS = {
  sourceFile: { name: "_SOURCE_FILE", type: "VARCHAR", nullable: false, comment: "Key of the file in its bucket (the stage's METADATA$FILENAME)." },
  loadedAt: { name: "_LOADED_AT", type: "TIMESTAMP_NTZ(3)", nullable: false, comment: "When the file was staged (UTC); the newest copy of a key wins." },
} as const satisfies Record<string, SnowflakeColumn>;

/** A dataset loaded into Snowflake: its final table, merged on `keys` from its staging table. */
export interface LoadedTable {
  schema: TableSchema;
  /** Zone whose bucket holds the dataset's files. */
  zone: Zone;
  table: string;
  staging: string;
  /** Columns that identify a row; the MERGE matches on them. */
  keys: string[];
}

function loaded(schema: TableSchema, keys: string[]): LoadedTable {
  const table = schema.name.toUpperCase();
  const names = new Set(tableColumns(schema).map((c) => c.name));
  for (const key of keys) if (!names.has(key)) throw new Error(`key ${key} is not a column of ${table}`);
  return { schema, zone: DATASET_ZONES[schema.dataset]!, table, staging: `${table}_STAGING`, keys };
}

export const LOADED_TABLES = {
  daily_metrics: loaded(DAILY_METRICS_SCHEMA, ["SYMBOL", "TRADE_DATE"]),
  tick_windows: loaded(TICK_WINDOWS_SCHEMA, ["SYMBOL", "WINDOW_START"]),
} as const satisfies Record<string, LoadedTable>;

/** The staging table: the dataset's columns and the load columns. */
export function stagingColumns(t: LoadedTable): SnowflakeColumn[] {
  return [...tableColumns(t.schema), LOAD_COLUMNS.sourceFile, LOAD_COLUMNS.loadedAt];
}

/** Names as written in a statement: unqualified in the DAGs (the connection names database and schema), qualified by the program. */
export type Qualify = (name: string) => string;
const asIs: Qualify = (name) => name;

export function createTableStatement(name: string, columns: SnowflakeColumn[], qualify: Qualify = asIs): string {
  const lines = columns.map((c) => `  ${c.name} ${c.type}${c.nullable ? "" : " NOT NULL"} COMMENT '${c.comment.replace(/'/g, "''")}'`);
  return `CREATE TABLE IF NOT EXISTS ${qualify(name)} (\n${lines.join(",\n")}\n)`;
}

/**
 * The MERGE of one load: the staged rows of the files named by the bound list `files`
 * (`%(files)s`), one per key (the newest staging wins; a file's rows are never older than those of
 * a file staged before it), into the final table: a new key is inserted, a known one updated.
 * Snowflake refuses a MERGE whose source repeats a key (error 100090), so the source is
 * deduplicated here, not left to the engine.
 */
export function mergeStatement(t: LoadedTable, qualify: Qualify = asIs): string {
  const columns = tableColumns(t.schema).map((c) => c.name);
  const values = columns.filter((c) => !t.keys.includes(c));
  const { sourceFile, loadedAt } = LOAD_COLUMNS;
  return [
    `MERGE INTO ${qualify(t.table)} AS t`,
    "USING (",
    `  SELECT ${columns.join(", ")}`,
    `  FROM ${qualify(t.staging)}`,
    `  WHERE ${sourceFile.name} IN (%(files)s)`,
    `  QUALIFY ROW_NUMBER() OVER (PARTITION BY ${t.keys.join(", ")} ORDER BY ${loadedAt.name} DESC, ${sourceFile.name} DESC) = 1`,
    ") AS s",
    `ON ${t.keys.map((k) => `t.${k} = s.${k}`).join(" AND ")}`,
    `WHEN MATCHED THEN UPDATE SET ${values.map((c) => `${c} = s.${c}`).join(", ")}`,
    `WHEN NOT MATCHED THEN INSERT (${columns.join(", ")}) VALUES (${columns.map((c) => `s.${c}`).join(", ")})`,
  ].join("\n");
}

/** Staged rows of the files just merged, removed after the MERGE (repeating both changes nothing). */
export function clearStagingStatement(t: LoadedTable, qualify: Qualify = asIs): string {
  return `DELETE FROM ${qualify(t.staging)} WHERE ${LOAD_COLUMNS.sourceFile.name} IN (%(files)s)`;
}

/** Which of the bound `files` the staging table holds (the DAG waits for the pipe with it). */
export function stagedFilesStatement(t: LoadedTable, qualify: Qualify = asIs): string {
  return `SELECT DISTINCT ${LOAD_COLUMNS.sourceFile.name} FROM ${qualify(t.staging)} WHERE ${LOAD_COLUMNS.sourceFile.name} IN (%(files)s)`;
}

/**
 * How the DAG lands files itself (where no pipe does): one Parquet file of every row to load, with
 * the load columns filled, PUT to the internal load stage under a folder of its own (`{prefix}`, filled in by the DAG: a stage path takes no bind variable).
 */
export function copyIntoStagingStatement(t: LoadedTable, loadStage: string, qualify: Qualify = asIs): string {
  return [
    `COPY INTO ${qualify(t.staging)}`,
    `FROM @${qualify(loadStage)}/{prefix}/`,
    "FILE_FORMAT = (TYPE = PARQUET)",
    "MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE",
    "FORCE = TRUE",
  ].join("\n");
}

/** Internal stage the DAG PUTs its load files to (a table's own stage would need its owner). */
export const LOAD_STAGE = "LOAD_STAGE";

/**
 * Only published files: `<dataset>/date=YYYY-MM-DD/<file>.parquet`, never a job's staging objects
 * such as `daily_metrics/.spark-staging-<id>/...`.
 */
export function publishedFilePattern(schema: TableSchema): string {
  return `${schema.dataset}/date=[0-9]{4}-[0-9]{2}-[0-9]{2}/[^/]+[.]parquet`;
}
