import * as assert from "node:assert/strict";
import { DAILY_METRICS_SCHEMA, LOADED_TABLES, LOAD_STAGE, TICK_WINDOWS_SCHEMA, publishedFilePattern, type TableSchema } from "../../contract";
import { ROLE_PRIVILEGES, SNOWFLAKE_TYPES, copyStatement, externalStageGrant, quoted, roleGrants, snowflakeNames, snowflakeTrustPolicy, tableColumns, type RoleGrant } from "./spec";

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
      assert.deepEqual(ROLE_PRIVILEGES.loader.finalTables, ["SELECT", "INSERT", "UPDATE"]);
      assert.deepEqual(ROLE_PRIVILEGES.loader.stagingTables, ["SELECT", "INSERT", "DELETE"]);
      const all = Object.values(ROLE_PRIVILEGES).flatMap((r) => Object.entries(r).filter(([k]) => k !== "stagingTables").flatMap(([, v]) => v));
      for (const privilege of ["OWNERSHIP", "ALL", "DELETE", "TRUNCATE"]) assert.ok(!all.includes(privilege as never), privilege);
    });
  });

  describe("roleGrants", () => {
    const n = snowflakeNames("MARKET_DATA", "mdp", "prod");
    const tables = Object.values(LOADED_TABLES);
    const grants = [...roleGrants(n, tables), externalStageGrant(n)];
    const of = (role: RoleGrant["role"]) => grants.filter((g) => g.role === role);
    /** The object a grant names, whichever form its target takes. */
    const objectOf = (g: RoleGrant): string => {
      const t = g.target as Record<string, Record<string, unknown>>;
      if (t.onAccountObject) return t.onAccountObject.objectName as string;
      if (t.onSchema) return t.onSchema.schemaName as string;
      const o = t.onSchemaObject!;
      return (o.objectName ?? (o.all as { inSchema: string } | undefined)?.inSchema ?? (o.future as { inSchema: string }).inSchema) as string;
    };
    const schema = quoted(n.database, n.schema);

    it("gives each grant its own resource name", () => {
      const names = grants.map((g) => `${g.role}-${g.suffix}`);
      assert.equal(new Set(names).size, names.length);
    });

    it("lets the analyst use the warehouse and read the tables, today's and future ones, and nothing else", () => {
      const analyst = of("analyst");
      assert.deepEqual([...new Set(analyst.flatMap((g) => g.privileges))].sort(), ["SELECT", "USAGE"]);
      assert.deepEqual(analyst.find((g) => g.suffix === "warehouse")!.target, { onAccountObject: { objectType: "WAREHOUSE", objectName: n.warehouse } });
      assert.deepEqual(analyst.find((g) => g.suffix === "tables")!.target, { onSchemaObject: { all: { objectTypePlural: "TABLES", inSchema: schema } } });
      assert.deepEqual(analyst.find((g) => g.suffix === "future-tables")!.target, { onSchemaObject: { future: { objectTypePlural: "TABLES", inSchema: schema } } });
      assert.ok(analyst.every((g) => g.privileges.every((p) => p === "USAGE" || p === "SELECT")));
    });

    it("lets the loader delete only from each staging table, never from a final table", () => {
      const deletes = of("loader").filter((g) => g.privileges.includes("DELETE"));
      assert.deepEqual(deletes.map(objectOf).sort(), tables.map((t) => quoted(n.database, n.schema, t.staging)).sort());
      for (const t of tables) assert.ok(!deletes.some((g) => objectOf(g) === quoted(n.database, n.schema, t.table)), `${t.table} must keep its rows`);
    });

    it("lets the loader merge into the tables, read and write the internal load stage, and use the file format and the external stage", () => {
      const loader = of("loader");
      const on = (object: string) => loader.filter((g) => objectOf(g) === object).flatMap((g) => g.privileges);
      for (const t of tables) {
        assert.deepEqual(on(quoted(n.database, n.schema, t.table)), ["SELECT", "INSERT", "UPDATE"], t.table);
        assert.deepEqual(on(quoted(n.database, n.schema, t.staging)), ["SELECT", "INSERT", "DELETE"], t.staging);
      }
      assert.deepEqual(on(quoted(n.database, n.schema, LOAD_STAGE)), ["READ", "WRITE"]);
      assert.deepEqual(on(quoted(n.database, n.schema, n.fileFormat)), ["USAGE"]);
      assert.deepEqual(on(quoted(n.database, n.schema, n.stage)), ["USAGE"]);
      assert.deepEqual(on(n.warehouse), ["USAGE"]);
    });

    it("grants the loader each loaded table by name: nothing schema-wide, nothing on tables added later", () => {
      const loader = of("loader");
      const onObject = (g: RoleGrant) => (g.target as { onSchemaObject?: { objectType?: string; all?: unknown; future?: unknown } }).onSchemaObject;
      for (const g of loader) assert.ok(onObject(g)?.all === undefined && onObject(g)?.future === undefined, `loader-${g.suffix} is schema-wide`);
      const onTables = loader.filter((g) => onObject(g)?.objectType === "TABLE").map(objectOf).sort();
      assert.deepEqual(onTables, tables.flatMap((t) => [t.table, t.staging]).map((name) => quoted(n.database, n.schema, name)).sort());
    });

    it("grants no ownership and nothing outside the platform's warehouse, database and schema", () => {
      for (const g of grants) {
        assert.ok(!g.privileges.some((p) => p === "OWNERSHIP" || p.startsWith("ALL")), `${g.role}-${g.suffix}`);
        const object = objectOf(g);
        assert.ok(object === n.warehouse || object === n.database || object.startsWith(schema), `${g.role}-${g.suffix} is on ${object}`);
      }
    });

    it("waits for the object each grant is on", () => {
      for (const t of tables) {
        assert.deepEqual(of("loader").find((g) => g.suffix === `staging-${t.schema.name}`)!.after, { stagingTable: t.schema.name });
        assert.deepEqual(of("loader").find((g) => g.suffix === `table-${t.schema.name}`)!.after, { table: t.schema.name });
      }
      assert.equal(externalStageGrant(n).after, "stage");
      assert.equal(of("analyst").find((g) => g.suffix === "tables")!.after, "tables");
    });
  });
});
