import { BAR_SCHEMA, TICK_SCHEMA, type TableSchema } from "./records";
import type { Zone } from "./zones";

/**
 * Daily metrics of each symbol, written by the Spark batch job as Parquet to the processed zone
 * and loaded into Snowflake by a pipe. Every column is stored in the files (none is only a
 * directory name), so that loading by column name fills them all.
 */
export const DAILY_METRICS_SCHEMA: TableSchema = {
  name: "daily_metrics",
  version: 1,
  dataset: "daily_metrics",
  fields: [
    ...BAR_SCHEMA.fields.filter((f) => f.name !== "source"),
    { name: "daily_return", type: "double", nullable: true, doc: "Close-to-close return; null on a symbol's first day." },
    { name: "log_return", type: "double", nullable: true, doc: "Natural log of close over the previous close." },
    { name: "ma_20", type: "double", nullable: true, doc: "20-day moving average of the close; null before 20 days." },
    { name: "ma_50", type: "double", nullable: true, doc: "50-day moving average of the close; null before 50 days." },
    { name: "volatility_20", type: "double", nullable: true, doc: "Annualised standard deviation of 20 daily log returns." },
    { name: "intraday_range", type: "double", doc: "(high - low) / open." },
  ],
};

/** Windowed aggregates of ticks, written by the Spark streaming job to the realtime zone. */
export const TICK_WINDOWS_SCHEMA: TableSchema = {
  name: "tick_windows",
  version: 1,
  dataset: "tick_windows",
  fields: [
    TICK_SCHEMA.fields.find((f) => f.name === "symbol")!,
    { name: "window_start", type: "timestamp", doc: "Start of the window (inclusive)." },
    { name: "window_end", type: "timestamp", doc: "End of the window (exclusive)." },
    { name: "open", type: "double", doc: "First price in the window." },
    { name: "high", type: "double", doc: "Highest price in the window." },
    { name: "low", type: "double", doc: "Lowest price in the window." },
    { name: "close", type: "double", doc: "Last price in the window." },
    { name: "vwap", type: "double", doc: "Volume-weighted average price." },
    { name: "volume", type: "long", doc: "Shares traded in the window." },
    { name: "tick_count", type: "long", doc: "Ticks in the window." },
  ],
};

/**
 * Where a batch job stages its output in its zone before it publishes it (daily_metrics:
 * `_staging/daily_metrics/<run>/`); a run killed mid-way leaves its folder, which the zone's
 * lifecycle expires.
 */
export const STAGING_PREFIX = "_staging/";
export const STAGING_EXPIRATION_DAYS = 2;

/** Where each dataset lives. */
export const DATASET_ZONES: Record<string, Zone> = {
  [TICK_SCHEMA.dataset]: "raw",
  [BAR_SCHEMA.dataset]: "raw",
  [DAILY_METRICS_SCHEMA.dataset]: "processed",
  [TICK_WINDOWS_SCHEMA.dataset]: "realtime",
};
