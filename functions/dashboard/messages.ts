/**
 * What the dashboard sends to the page over its event stream. Types only: the page's bundle
 * imports them too, so nothing here may touch Node.
 */

/** One minute of one symbol's ticks. `time` is the minute's start in epoch seconds (UTC). */
export interface Candle {
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  ticks: number;
}

export interface SymbolQuote {
  symbol: string;
  /** Absent until the first tick of the symbol arrives. */
  last?: { price: number; bid: number; ask: number; eventTime: string };
  /** Last price against the open of the oldest candle kept (the window's start). */
  change?: { absolute: number; percent: number; since: string };
  /** Candles kept for the symbol. */
  candles: number;
}

/** Which candles changed since the last message, per symbol, oldest first. */
export type CandleUpdates = Record<string, Candle[]>;

export interface MarketUpdate {
  quotes: SymbolQuote[];
  candles: CandleUpdates;
}

/** ok: nothing to do; warn: look soon; bad: broken now; unknown: no answer to judge by. */
export type Level = "ok" | "warn" | "bad" | "unknown";

/** A status as the page shows it: a level for the colour, and words that say the same. */
export interface Status {
  level: Level;
  text: string;
}

export interface InstanceHealth {
  /** `host:port` the dashboard read. */
  instance: string;
  /** up: /readyz 200; not ready: it answers 503; down: no answer for a while; unknown: not yet judged. */
  state: "up" | "not ready" | "down" | "unknown";
  status: Status;
  /** Why it is not up, e.g. "timed out after 1500 ms". */
  detail?: string;
  /** When it last answered, ISO-8601. */
  lastSeen?: string;
}

export interface FunctionHealth {
  name: string;
  status: Status;
  instances: InstanceHealth[];
}

/** A number the page shows, or null when the endpoints that give it did not answer. */
export type Reading = number | null;

export interface PartitionLag {
  topic: string;
  partition: number;
  lag: number;
  growing: boolean;
  status: Status;
}

export interface PipelineHealth {
  /** One line that sums it all up: the worst of everything below. */
  overall: Status;
  functions: FunctionHealth[];
  ticksProducedPerSecond: Reading;
  recordsInPerSecond: Reading;
  landedPerSecond: Reading;
  /** Records the sinks wrote since they started (sum of their counters). */
  landedTotal: Reading;
  sink: Status;
  lag: { partitions: PartitionLag[] | null; status: Status };
  deadLetters: { byReason: Record<string, number> | null; total: Reading };
  /** Seconds since the dashboard saw the sinks' object count rise; null before it ever did. */
  lastLandedAgeSeconds: Reading;
  lastLanded: Status;
  /** When these readings were taken, ISO-8601. */
  at: string;
}

/** The dashboard's own counters, for the page's footer. */
export interface DashboardStats {
  ticksAccepted: number;
  /** Ticks not shown, by reason (validation codes, late, duplicate, unknown_symbol). */
  ticksSkipped: Record<string, number>;
  clients: number;
}

/** The first message of a stream: everything the page needs to draw itself. */
export interface Snapshot {
  windowMinutes: number;
  market: MarketUpdate;
  health: PipelineHealth;
  stats: DashboardStats;
}

/** Event names of the stream; each event's data is the JSON of the matching type. */
export const EVENTS = { snapshot: "snapshot", market: "market", health: "health", stats: "stats" } as const;
