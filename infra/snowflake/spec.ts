import { LOAD_COLUMNS, LOAD_STAGE, publishedFilePattern, type LoadedTable } from "../../contract";

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
 * Privileges of each role: the loader merges into the platform's tables (insert and update, never
 * delete), and copies files into, reads and empties their staging tables, each table granted by
 * name, so that a table added to the schema later is not the loader's; the analyst reads every
 * table, today's and future ones; neither owns anything.
 */
export const ROLE_PRIVILEGES = {
  loader: {
    warehouse: ["USAGE"],
    database: ["USAGE"],
    schema: ["USAGE"],
    finalTables: ["SELECT", "INSERT", "UPDATE"],
    stagingTables: ["SELECT", "INSERT", "DELETE"],
    stage: ["USAGE"],
    loadStage: ["READ", "WRITE"],
    fileFormat: ["USAGE"],
  },
  analyst: { warehouse: ["USAGE"], database: ["USAGE"], schema: ["USAGE"], tables: ["SELECT"] },
} as const;

export type SnowflakeRole = keyof typeof ROLE_PRIVILEGES;

/** What a grant is on, as the provider's GrantPrivilegesToAccountRole takes it. */
export type GrantTarget =
  | { onAccountObject: { objectType: "WAREHOUSE" | "DATABASE"; objectName: string } }
  | { onSchema: { schemaName: string } }
  | { onSchemaObject: { objectType: "TABLE" | "STAGE" | "FILE FORMAT"; objectName: string } }
  | { onSchemaObject: { all: { objectTypePlural: "TABLES"; inSchema: string } } }
  | { onSchemaObject: { future: { objectTypePlural: "TABLES"; inSchema: string } } };

/** The object a grant waits for: granting on an object that does not exist yet fails. */
export type GrantedObject = "warehouse" | "database" | "schema" | "tables" | "fileFormat" | "loadStage" | "stage" | { table: string } | { stagingTable: string };

export interface RoleGrant {
  role: SnowflakeRole;
  /** Ends its resource's name, `<component>-<role>-<suffix>`. */
  suffix: string;
  privileges: string[];
  target: GrantTarget;
  after: GrantedObject;
}

/**
 * Every grant of the platform's roles, from {@link ROLE_PRIVILEGES}: both roles use the warehouse,
 * the database and the schema; the analyst reads the schema's tables, today's and future ones; the
 * loader gets each loaded table and its staging table by name, and uses the file format and the
 * internal load stage. The external stage's grant is {@link externalStageGrant}, since the stage
 * exists only with a landing bucket.
 */
export function roleGrants(n: SnowflakeNames, tables: readonly LoadedTable[]): RoleGrant[] {
  const schema = quoted(n.database, n.schema);
  const grants: RoleGrant[] = [];
  for (const role of Object.keys(ROLE_PRIVILEGES) as SnowflakeRole[]) {
    const p = ROLE_PRIVILEGES[role];
    grants.push(
      { role, suffix: "warehouse", privileges: [...p.warehouse], target: { onAccountObject: { objectType: "WAREHOUSE", objectName: n.warehouse } }, after: "warehouse" },
      { role, suffix: "database", privileges: [...p.database], target: { onAccountObject: { objectType: "DATABASE", objectName: n.database } }, after: "database" },
      { role, suffix: "schema", privileges: [...p.schema], target: { onSchema: { schemaName: schema } }, after: "schema" },
    );
  }
  const { analyst, loader } = ROLE_PRIVILEGES;
  grants.push(
    { role: "analyst", suffix: "tables", privileges: [...analyst.tables], target: { onSchemaObject: { all: { objectTypePlural: "TABLES", inSchema: schema } } }, after: "tables" },
    { role: "analyst", suffix: "future-tables", privileges: [...analyst.tables], target: { onSchemaObject: { future: { objectTypePlural: "TABLES", inSchema: schema } } }, after: "schema" },
    { role: "loader", suffix: "file-format", privileges: [...loader.fileFormat], target: { onSchemaObject: { objectType: "FILE FORMAT", objectName: quoted(n.database, n.schema, n.fileFormat) } }, after: "fileFormat" },
    { role: "loader", suffix: "load-stage", privileges: [...loader.loadStage], target: { onSchemaObject: { objectType: "STAGE", objectName: quoted(n.database, n.schema, LOAD_STAGE) } }, after: "loadStage" },
  );
  for (const t of tables) {
    grants.push(
      { role: "loader", suffix: `table-${t.schema.name}`, privileges: [...loader.finalTables], target: { onSchemaObject: { objectType: "TABLE", objectName: quoted(n.database, n.schema, t.table) } }, after: { table: t.schema.name } },
      { role: "loader", suffix: `staging-${t.schema.name}`, privileges: [...loader.stagingTables], target: { onSchemaObject: { objectType: "TABLE", objectName: quoted(n.database, n.schema, t.staging) } }, after: { stagingTable: t.schema.name } },
    );
  }
  return grants;
}

/** The loader reads the external stage its pipes copy from. */
export function externalStageGrant(n: SnowflakeNames): RoleGrant {
  return { role: "loader", suffix: "stage", privileges: [...ROLE_PRIVILEGES.loader.stage], target: { onSchemaObject: { objectType: "STAGE", objectName: quoted(n.database, n.schema, n.stage) } }, after: "stage" };
}
