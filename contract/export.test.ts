import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { CONTRACT_EXPORT_FILE, DAGS_CONTRACT_FILE, contractExport, contractExportText, dagsContractExport, dagsContractExportText } from "./export";
import { LOADED_TABLES, mergeStatement, stagingColumns, tableColumns } from "./warehouse";
import { DAILY_METRICS_SCHEMA, TICK_WINDOWS_SCHEMA } from "./datasets";
import { BAR_SCHEMA, TICK_SCHEMA } from "./records";

describe("contract export for the Python jobs", () => {
  it("is committed exactly as the generator writes it (run `npx ts-node contract/export.ts` after changing contract/)", () => {
    assert.equal(readFileSync(CONTRACT_EXPORT_FILE, "utf8"), contractExportText());
  });

  it("is committed for the DAGs exactly as the generator writes it", () => {
    assert.equal(readFileSync(DAGS_CONTRACT_FILE, "utf8"), dagsContractExportText());
  });

  it("gives the DAGs each loaded table's columns and statements as the Pulumi program declares them", () => {
    const tables = dagsContractExport().tables;
    assert.deepEqual(Object.keys(tables), ["daily_metrics", "tick_windows"]);
    for (const [name, t] of Object.entries(LOADED_TABLES)) {
      const exported = tables[name]!;
      assert.deepEqual(exported.columns, tableColumns(t.schema).map((c) => c.name));
      assert.deepEqual(exported.stagingColumns, stagingColumns(t).map((c) => c.name));
      assert.equal(exported.statements.merge, mergeStatement(t));
    }
    assert.deepEqual(tables.daily_metrics!.keys, ["SYMBOL", "TRADE_DATE"]);
    assert.deepEqual(tables.tick_windows!.keys, ["SYMBOL", "WINDOW_START"]);
  });

  it("carries every record and table schema with its fields in order", () => {
    const exported = contractExport();
    assert.deepEqual(Object.values(exported.records).map((s) => s.name), [TICK_SCHEMA.name, BAR_SCHEMA.name]);
    assert.deepEqual(Object.keys(exported.tables), [DAILY_METRICS_SCHEMA.name, TICK_WINDOWS_SCHEMA.name]);
    assert.deepEqual(exported.tables.daily_metrics!.fields.map((f) => f.name), DAILY_METRICS_SCHEMA.fields.map((f) => f.name));
  });

  it("exports patterns that mean the same once parsed back", () => {
    const exported = JSON.parse(contractExportText()) as { symbolPattern: string; isoTimestampPattern: string };
    assert.ok(new RegExp(exported.symbolPattern).test("BRK-B"));
    assert.ok(!new RegExp(exported.symbolPattern).test("aapl"));
    assert.ok(new RegExp(exported.isoTimestampPattern).test("2026-03-03T11:59:58.000Z"));
  });
});
