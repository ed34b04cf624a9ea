import { ENV } from "./env";

/** Consumer groups of the functions that consume: the infra grants them, the functions join them. */
export const CONSUMER_GROUPS = {
  sink: { env: ENV.sinkGroupId, default: "market-data-sink" },
  dashboard: { env: ENV.dashboardGroupId, default: "market-data-dashboard" },
} as const;
