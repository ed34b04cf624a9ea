/**
 * The object-store zones. Each zone is one bucket, so that access can be granted per zone
 * (the sink writes only `raw`; Spark reads `raw` and writes `processed`, `realtime`, `checkpoints`).
 */
export const ZONES = ["raw", "processed", "realtime", "checkpoints"] as const;
export type Zone = (typeof ZONES)[number];

/** Datasets inside a zone: the first path segment of every object key. */
export const DATASETS = {
  ticks: "ticks",
  bars: "bars",
} as const;
export type Dataset = (typeof DATASETS)[keyof typeof DATASETS];
