import { LOAD_COLUMNS, publishedFilePattern, type LoadedTable } from "../../contract";

// The columns and statements of the warehouse are the contract's (contract/warehouse.ts).
export { SNOWFLAKE_TYPES, tableColumns, stagingColumns, type SnowflakeColumn } from "../../contract";

export function quoted(...parts: string[]): string {
  return parts.map((p) => `"${p.replace(/"/g, '""')}"`).join(".");
}

export interface SnowflakeNames {
  database: string;
  schema: string;
  warehouse: string;
  stage: string;
  fileFormat: string;
  integration: string;
  loaderRole: string;
  analystRole: string;
}

/** Object names; account-level ones carry the stack, so that stacks can share an account. */
export function snowflakeNames(database: string, namePrefix: string, stack: string): SnowflakeNames {
  const account = `${namePrefix}_${stack}`.toUpperCase().replace(/[^A-Z0-9_]/g, "_");
  return {
    database,
    schema: "ANALYTICS",
    warehouse: `${account}_LOAD_WH`,
    stage: "PROCESSED_STAGE",
    fileFormat: "PARQUET_FORMAT",
    integration: `${account}_S3_INTEGRATION`,
    loaderRole: `${account}_LOADER`,
    analystRole: `${account}_ANALYST`,
  };
}

/**
 * Pipe's COPY: the published files of the dataset's folder (never a job's staging objects), Parquet
 * matched to the staging table's columns by name, each row stamped with its file and the load's
 * time. The pipe only stages; the DAG merges what its checks passed into the final table.
 */
export function copyStatement(n: SnowflakeNames, t: LoadedTable): string {
  const { sourceFile, loadedAt } = LOAD_COLUMNS;
  return [
    `COPY INTO ${quoted(n.database, n.schema, t.staging)}`,
    `FROM @${quoted(n.database, n.schema, n.stage)}/${t.schema.dataset}/`,
    `FILE_FORMAT = (FORMAT_NAME = '${quoted(n.database, n.schema, n.fileFormat)}')`,
    "MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE",
    `INCLUDE_METADATA = (${sourceFile.name} = METADATA$FILENAME, ${loadedAt.name} = METADATA$START_SCAN_TIME)`,
    `PATTERN = '.*${publishedFilePattern(t.schema)}'`,
  ].join("\n");
}

/** Trust of the IAM role Snowflake assumes: only its IAM user, only with the integration's external id. */
export function snowflakeTrustPolicy(snowflakeUserArn: string, externalId: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { AWS: snowflakeUserArn }, Action: "sts:AssumeRole", Condition: { StringEquals: { "sts:ExternalId": externalId } } }],
  });
}

/**
 * Privileges of each role: the loader merges into the tables (insert and update, never delete) and
 * empties the staging tables it merged from; the analyst reads; neither owns anything.
 */
export const ROLE_PRIVILEGES = {
  loader: {
    warehouse: ["USAGE"],
    database: ["USAGE"],
    schema: ["USAGE"],
    tables: ["SELECT", "INSERT", "UPDATE"],
    stagingTables: ["DELETE"],
    stage: ["USAGE"],
    loadStage: ["READ", "WRITE"],
    fileFormat: ["USAGE"],
  },
  analyst: { warehouse: ["USAGE"], database: ["USAGE"], schema: ["USAGE"], tables: ["SELECT"] },
} as const;
