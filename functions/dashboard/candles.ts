import type { Tick } from "../../contract";
import type { Candle, MarketUpdate, SymbolQuote } from "./messages";

export const MINUTE_MS = 60_000;

/** Event times remembered per symbol to drop a tick delivered twice; older duplicates count again. */
export const SEEN_TICKS_PER_SYMBOL = 4096;

/**
 * What became of a tick: `late` is older than the window kept, `duplicate` was seen already,
 * `unknown_symbol` is not one the dashboard shows.
 */
export type AddOutcome = "accepted" | "duplicate" | "late" | "unknown_symbol";

interface MinuteCandle {
  startMs: number;
  open: number;
  /** Event time of the tick that gave the open: an earlier one arriving later takes its place. */
  openAt: number;
  high: number;
  low: number;
  close: number;
  closeAt: number;
  volume: number;
  ticks: number;
}

interface SymbolState {
  /** Ascending by start, at most `windowMinutes` of them, all within the window. */
  candles: MinuteCandle[];
  last?: { tick: Tick; at: number };
  /** Insertion-ordered: the first is the oldest, dropped beyond {@link SEEN_TICKS_PER_SYMBOL}. */
  seen: Set<string>;
  /** Starts of the candles changed since the last {@link TickWindow.drainChanges}. */
  dirty: Set<number>;
  quoteDirty: boolean;
}

function minuteOf(ms: number): number {
  return Math.floor(ms / MINUTE_MS) * MINUTE_MS;
}

function toCandle(c: MinuteCandle): Candle {
  return { time: c.startMs / 1000, open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume, ticks: c.ticks };
}

/**
 * The last `windowMinutes` of 1-minute candles per symbol, built from validated ticks in whatever
 * order they arrive. Memory is bounded by the symbols shown, the window and
 * {@link SEEN_TICKS_PER_SYMBOL}, however long it runs.
 */
export class TickWindow {
  private readonly states = new Map<string, SymbolState>();

  constructor(
    readonly symbols: readonly string[],
    readonly windowMinutes: number,
  ) {
    if (!Number.isInteger(windowMinutes) || windowMinutes < 1) throw new RangeError(`windowMinutes must be a positive integer (got ${windowMinutes})`);
    for (const symbol of symbols) this.states.set(symbol, { candles: [], seen: new Set(), dirty: new Set(), quoteDirty: false });
  }

  add(tick: Tick): AddOutcome {
    const state = this.states.get(tick.symbol);
    if (!state) return "unknown_symbol";
    if (state.seen.has(tick.event_time)) return "duplicate";
    const at = Date.parse(tick.event_time);
    const minute = minuteOf(at);
    const newest = state.candles.at(-1)?.startMs ?? minute;
    if (minute <= newest - this.windowMinutes * MINUTE_MS) return "late";

    state.seen.add(tick.event_time);
    if (state.seen.size > SEEN_TICKS_PER_SYMBOL) state.seen.delete(state.seen.values().next().value!);
    this.addToCandle(state, tick, at, minute);
    if (!state.last || at > state.last.at) state.last = { tick, at };
    state.quoteDirty = true;
    return "accepted";
  }

  private addToCandle(state: SymbolState, tick: Tick, at: number, minute: number): void {
    const { candles } = state;
    let i = candles.length;
    while (i > 0 && candles[i - 1]!.startMs > minute) i--;
    const existing = i > 0 && candles[i - 1]!.startMs === minute ? candles[i - 1] : undefined;
    if (existing) {
      existing.high = Math.max(existing.high, tick.price);
      existing.low = Math.min(existing.low, tick.price);
      existing.volume += tick.volume;
      existing.ticks += 1;
      if (at < existing.openAt) Object.assign(existing, { open: tick.price, openAt: at });
      if (at >= existing.closeAt) Object.assign(existing, { close: tick.price, closeAt: at });
    } else {
      candles.splice(i, 0, { startMs: minute, open: tick.price, openAt: at, high: tick.price, low: tick.price, close: tick.price, closeAt: at, volume: tick.volume, ticks: 1 });
      const oldestKept = candles.at(-1)!.startMs - (this.windowMinutes - 1) * MINUTE_MS;
      let drop = 0;
      while (drop < candles.length && candles[drop]!.startMs < oldestKept) state.dirty.delete(candles[drop++]!.startMs);
      if (drop > 0) candles.splice(0, drop);
    }
    state.dirty.add(minute);
  }

  quote(symbol: string): SymbolQuote {
    const state = this.states.get(symbol);
    if (!state) throw new RangeError(`${symbol} is not a symbol of this window`);
    const quote: SymbolQuote = { symbol, candles: state.candles.length };
    if (state.last) {
      const { tick } = state.last;
      quote.last = { price: tick.price, bid: tick.bid, ask: tick.ask, eventTime: tick.event_time };
      const first = state.candles[0];
      if (first) {
        const absolute = tick.price - first.open;
        quote.change = { absolute, percent: (absolute / first.open) * 100, since: new Date(first.openAt).toISOString() };
      }
    }
    return quote;
  }

  candles(symbol: string): Candle[] {
    return (this.states.get(symbol)?.candles ?? []).map(toCandle);
  }

  /** Every symbol's quote and candles, in the configured order. */
  snapshot(): MarketUpdate {
    return {
      quotes: this.symbols.map((s) => this.quote(s)),
      candles: Object.fromEntries(this.symbols.map((s) => [s, this.candles(s)])),
    };
  }

  /** What changed since the previous call (undefined if nothing), and forgets it. */
  drainChanges(): MarketUpdate | undefined {
    const update: MarketUpdate = { quotes: [], candles: {} };
    for (const symbol of this.symbols) {
      const state = this.states.get(symbol)!;
      if (!state.quoteDirty && state.dirty.size === 0) continue;
      update.quotes.push(this.quote(symbol));
      update.candles[symbol] = state.candles.filter((c) => state.dirty.has(c.startMs)).map(toCandle);
      state.dirty.clear();
      state.quoteDirty = false;
    }
    return update.quotes.length > 0 ? update : undefined;
  }

  /** Entries held, to prove the bounds in tests: candles, remembered event times, pending changes. */
  size(): { candles: number; seen: number; dirty: number } {
    let candles = 0;
    let seen = 0;
    let dirty = 0;
    for (const s of this.states.values()) {
      candles += s.candles.length;
      seen += s.seen.size;
      dirty += s.dirty.size;
    }
    return { candles, seen, dirty };
  }
}
