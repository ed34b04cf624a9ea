import type { Tick } from "../../contract";
import { initialState, step, type SimulationConfig, type SimulationState } from "./simulation";

export interface SourceFailure {
  symbol: string;
  error: Error;
}

/** What a source yields for one interval: the ticks it has, and the symbols it could not quote. */
export interface SourceBatch {
  ticks: Tick[];
  failures: SourceFailure[];
}

export interface QuoteSource {
  readonly kind: Tick["source"];
  readonly symbols: readonly string[];
  /**
   * Whether an interval the loop fell behind on can still be produced later with the ticks it
   * would have had. A simulation can (the loop catches up); a live quote cannot (the loop skips).
   */
  readonly replayable: boolean;
  /** The ticks of the interval scheduled at `eventTimeMs`. May throw: the loop treats that as every symbol failing. */
  quotes(eventTimeMs: number, signal: AbortSignal): Promise<SourceBatch>;
}

/** The simulation as a source: each call advances it by one interval. */
export function simulatedSource(config: SimulationConfig): QuoteSource {
  let state: SimulationState = initialState(config);
  return {
    kind: "simulated",
    symbols: config.symbols,
    replayable: true,
    quotes: (eventTimeMs) => {
      const r = step(state, eventTimeMs);
      state = r.state;
      return Promise.resolve({ ticks: r.ticks, failures: [] });
    },
  };
}
