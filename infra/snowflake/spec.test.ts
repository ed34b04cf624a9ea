import * as assert from "node:assert/strict";
import { DAILY_METRICS_SCHEMA, LOADED_TABLES, TICK_WINDOWS_SCHEMA, publishedFilePattern, type TableSchema } from "../../contract";
import { ROLE_PRIVILEGES, SNOWFLAKE_TYPES, copyStatement, quoted, snowflakeNames, snowflakeTrustPolicy, tableColumns } from "./spec";

describe("snowflake spec", () => {
  describe("tableColumns", () => {
    it("has one column per contract field, in order, upper-cased", () => {
      for (const schema of [DAILY_METRICS_SCHEMA, TICK_WINDOWS_SCHEMA]) {
        assert.deepEqual(
          tableColumns(schema).map((c) => c.name),
          schema.fields.map((f) => f.name.toUpperCase()),
        );
      }
    });

    it("maps every contract type to its Snowflake type and keeps the field's doc", () => {
      const schema: TableSchema = {
        name: "t",
        version: 1,
        dataset: "t",
        fields: [
          { name: "s", type: "string", doc: "a string" },
          { name: "d", type: "double", doc: "a double", nullable: true },
          { name: "l", type: "long", doc: "a long" },
          { name: "ts", type: "timestamp", doc: "a time" },
          { name: "day", type: "date", doc: "a day" },
        ],
      };
      assert.deepEqual(tableColumns(schema), [
        { name: "S", type: "VARCHAR", nullable: false, comment: "a string" },
        { name: "D", type: "FLOAT", nullable: true, comment: "a double" },
        { name: "L", type: "NUMBER(38,0)", nullable: false, comment: "a long" },
        { name: "TS", type: "TIMESTAMP_NTZ(3)", nullable: false, comment: "a time" },
        { name: "DAY", type: "DATE", nullable: false, comment: "a day" },
      ]);
      assert.deepEqual(Object.keys(SNOWFLAKE_TYPES).sort(), ["date", "double", "long", "string", "timestamp"]);
    });

    it("makes exactly the contract's nullable metrics nullable", () => {
      const nullable = tableColumns(DAILY_METRICS_SCHEMA).filter((c) => c.nullable).map((c) => c.name);
      assert.deepEqual(nullable, ["DAILY_RETURN", "LOG_RETURN", "MA_20", "MA_50", "VOLATILITY_20"]);
      assert.equal(tableColumns(DAILY_METRICS_SCHEMA).find((c) => c.name === "CLOSE")!.nullable, false);
    });
  });

  describe("names", () => {
    it("puts the stack in account-level names, so stacks can share an account", () => {
      const n = snowflakeNames("MARKET_DATA", "mdp", "prod-eu");
      assert.equal(n.warehouse, "MDP_PROD_EU_LOAD_WH");
      assert.equal(n.integration, "MDP_PROD_EU_S3_INTEGRATION");
      assert.equal(n.loaderRole, "MDP_PROD_EU_LOADER");
      assert.equal(n.analystRole, "MDP_PROD_EU_ANALYST");
      assert.equal(n.database, "MARKET_DATA");
    });

    it("quotes identifiers, doubling embedded quotes", () => {
      assert.equal(quoted("DB", 'we"ird'), '"DB"."we""ird"');
    });
  });

  describe("copyStatement", () => {
    it("stages only the published files of the dataset's folder by column name, stamped with their file and load time", () => {
      const n = snowflakeNames("MARKET_DATA", "mdp", "prod");
      assert.equal(
        copyStatement(n, LOADED_TABLES.daily_metrics),
        [
          'COPY INTO "MARKET_DATA"."ANALYTICS"."DAILY_METRICS_STAGING"',
          'FROM @"MARKET_DATA"."ANALYTICS"."PROCESSED_STAGE"/daily_metrics/',
          "FILE_FORMAT = (FORMAT_NAME = '\"MARKET_DATA\".\"ANALYTICS\".\"PARQUET_FORMAT\"')",
          "MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE",
          "INCLUDE_METADATA = (_SOURCE_FILE = METADATA$FILENAME, _LOADED_AT = METADATA$START_SCAN_TIME)",
          "PATTERN = '.*daily_metrics/date=[0-9]{4}-[0-9]{2}-[0-9]{2}/[^/]+[.]parquet'",
        ].join("\n"),
      );
    });

    it("leaves out a job's staging objects, and takes every published name", () => {
      const pattern = new RegExp(`^.*${publishedFilePattern(LOADED_TABLES.daily_metrics.schema)}$`);
      assert.ok(pattern.test("daily_metrics/date=2024-12-02/part-00000-1f2e.c000.snappy.parquet"));
      assert.ok(pattern.test("daily_metrics/date=2024-12-02/part-000000000042.parquet"));
      assert.ok(!pattern.test("daily_metrics/.spark-staging-1f2e/date=2024-12-02/part-00000-1f2e.c000.snappy.parquet"));
      assert.ok(!pattern.test("daily_metrics/date=2024-12-02/_SUCCESS"));
    });
  });

  describe("snowflakeTrustPolicy", () => {
    it("lets only Snowflake's IAM user assume the role, only with the external id", () => {
      const policy = JSON.parse(snowflakeTrustPolicy("arn:aws:iam::999:user/sf", "EXT_1"));
      assert.deepEqual(policy.Statement, [
        { Effect: "Allow", Principal: { AWS: "arn:aws:iam::999:user/sf" }, Action: "sts:AssumeRole", Condition: { StringEquals: { "sts:ExternalId": "EXT_1" } } },
      ]);
    });
  });

  describe("ROLE_PRIVILEGES", () => {
    it("lets the analyst only read, the loader delete only from staging, and nobody own anything", () => {
      assert.deepEqual(ROLE_PRIVILEGES.analyst.tables, ["SELECT"]);
      assert.deepEqual(ROLE_PRIVILEGES.loader.tables, ["SELECT", "INSERT", "UPDATE"]);
      assert.deepEqual(ROLE_PRIVILEGES.loader.stagingTables, ["DELETE"]);
      const all = Object.values(ROLE_PRIVILEGES).flatMap((r) => Object.entries(r).filter(([k]) => k !== "stagingTables").flatMap(([, v]) => v));
      for (const privilege of ["OWNERSHIP", "ALL", "DELETE", "TRUNCATE"]) assert.ok(!all.includes(privilege as never), privilege);
    });
  });
});
