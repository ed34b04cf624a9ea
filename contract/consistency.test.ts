import assert from "node:assert/strict";
import { DAILY_METRICS_SCHEMA, DATASET_ZONES, TICK_WINDOWS_SCHEMA } from "./datasets";
import { BAR_SCHEMA, TICK_SCHEMA, type TableSchema } from "./records";

/** The one source of truth for record shapes holds together: names, datasets, zones. */
describe("contract consistency", () => {
  const all: TableSchema[] = [TICK_SCHEMA, BAR_SCHEMA, DAILY_METRICS_SCHEMA, TICK_WINDOWS_SCHEMA];

  it("names every field in snake_case, so that JSON, Parquet, Spark and Snowflake spell it alike", () => {
    for (const schema of all) {
      for (const field of schema.fields) assert.match(field.name, /^[a-z][a-z0-9_]*$/, `${schema.name}.${field.name}`);
      assert.equal(new Set(schema.fields.map((f) => f.name)).size, schema.fields.length, `${schema.name} repeats a field`);
    }
  });

  it("gives every dataset one zone", () => {
    assert.deepEqual(Object.keys(DATASET_ZONES).sort(), all.map((s) => s.dataset).sort());
  });

  it("carries every field of a bar into the daily metrics, with the same type", () => {
    for (const field of BAR_SCHEMA.fields.filter((f) => f.name !== "source")) {
      assert.deepEqual(DAILY_METRICS_SCHEMA.fields.find((f) => f.name === field.name)?.type, field.type, field.name);
    }
  });

  it("keeps Kafka records free of nullable fields: a missing value is a bad message, not a null", () => {
    for (const schema of [TICK_SCHEMA, BAR_SCHEMA]) assert.ok(schema.fields.every((f) => !f.nullable), schema.name);
  });
});
