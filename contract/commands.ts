/** Sub-commands of the functions image (`node main.js <command>`); the infra runs them by these names. */
export const FUNCTION_COMMANDS = {
  realtimeProducer: "realtime-producer",
  batchProducer: "batch-producer",
  sink: "sink",
  ensureBuckets: "ensure-buckets",
  dashboard: "dashboard",
} as const;

export type FunctionCommand = (typeof FUNCTION_COMMANDS)[keyof typeof FUNCTION_COMMANDS];
