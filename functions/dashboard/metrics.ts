import { Counter, Gauge, type Registry } from "prom-client";

export interface DashboardMetrics {
  ticksAccepted: Counter;
  ticksSkipped: Counter<"reason">;
  clients: Gauge;
  clientsDropped: Counter<"reason">;
  scrapes: Counter<"function" | "outcome">;
}

export function createDashboardMetrics(registry: Registry): DashboardMetrics {
  const registers = [registry];
  return {
    ticksAccepted: new Counter({ name: "dashboard_ticks_accepted_total", help: "Ticks added to the candles.", registers }),
    ticksSkipped: new Counter({
      name: "dashboard_ticks_skipped_total",
      help: "Ticks not shown, by reason: a validation code, late (older than the window), duplicate or unknown_symbol.",
      labelNames: ["reason"] as const,
      registers,
    }),
    clients: new Gauge({ name: "dashboard_clients", help: "Browsers connected to the event stream.", registers }),
    clientsDropped: new Counter({
      name: "dashboard_clients_dropped_total",
      help: "Browsers disconnected because they did not keep up (slow), or turned away because the stream was full (full).",
      labelNames: ["reason"] as const,
      registers,
    }),
    scrapes: new Counter({ name: "dashboard_scrapes_total", help: "Scrapes of the functions' endpoints, by outcome.", labelNames: ["function", "outcome"] as const, registers }),
  };
}
