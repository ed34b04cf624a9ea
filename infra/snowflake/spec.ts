import type { FieldType, TableSchema } from "../../contract";

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

/** Pipe's COPY: the dataset's folder of the stage, Parquet matched to the table's columns by name. */
export function copyStatement(n: SnowflakeNames, schema: TableSchema): string {
  return [
    `COPY INTO ${quoted(n.database, n.schema, schema.name.toUpperCase())}`,
    `FROM @${quoted(n.database, n.schema, n.stage)}/${schema.dataset}/`,
    `FILE_FORMAT = (FORMAT_NAME = '${quoted(n.database, n.schema, n.fileFormat)}')`,
    "MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE",
  ].join("\n");
}

/** Trust of the IAM role Snowflake assumes: only its IAM user, only with the integration's external id. */
export function snowflakeTrustPolicy(snowflakeUserArn: string, externalId: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { AWS: snowflakeUserArn }, Action: "sts:AssumeRole", Condition: { StringEquals: { "sts:ExternalId": externalId } } }],
  });
}

/** Privileges of each role: the loader writes the tables, the analyst reads them; neither owns anything. */
export const ROLE_PRIVILEGES = {
  loader: { warehouse: ["USAGE"], database: ["USAGE"], schema: ["USAGE"], tables: ["SELECT", "INSERT"], stage: ["USAGE"], fileFormat: ["USAGE"] },
  analyst: { warehouse: ["USAGE"], database: ["USAGE"], schema: ["USAGE"], tables: ["SELECT"] },
} as const;
