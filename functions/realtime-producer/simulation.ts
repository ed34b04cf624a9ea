import type { Tick } from "../../contract";

/**
 * A deterministic market simulation: geometric Brownian motion per symbol, a spread of a few basis
 * points around the price, log-normal volumes with occasional bursts. Pure: state in, state out,
 * so that equal seeds, symbols and start times give equal ticks.
 */

/** One trading year of market hours (252 days of 6.5 h): volatility is scaled to the interval in trading time. */
export const TRADING_YEAR_MS = 252 * 6.5 * 3_600_000;
const TRADING_DAY_MS = 6.5 * 3_600_000;

/** The lowest price the simulation emits: one cent of bid below it keeps `bid` positive. */
export const MIN_PRICE = 0.02;

export interface SymbolProfile {
  /** Price at the first interval. */
  startPrice: number;
  /** Expected annual log-return drift (0.1 = 10 %). */
  annualDrift: number;
  /** Annualised volatility of log-returns (0.3 = 30 %). */
  annualVolatility: number;
  /** Typical bid-ask spread in basis points of the price. */
  spreadBps: number;
  /** Shares traded in a trading day, spread over its intervals. */
  dailyVolume: number;
}

/** Levels of late 2024, so that the simulated tape looks like the real one. */
export const SYMBOL_PROFILES: Readonly<Record<string, SymbolProfile>> = {
  AAPL: { startPrice: 230, annualDrift: 0.1, annualVolatility: 0.25, spreadBps: 1.5, dailyVolume: 50_000_000 },
  MSFT: { startPrice: 420, annualDrift: 0.1, annualVolatility: 0.22, spreadBps: 1.5, dailyVolume: 20_000_000 },
  GOOGL: { startPrice: 170, annualDrift: 0.1, annualVolatility: 0.28, spreadBps: 2, dailyVolume: 25_000_000 },
  AMZN: { startPrice: 190, annualDrift: 0.12, annualVolatility: 0.32, spreadBps: 2, dailyVolume: 40_000_000 },
  META: { startPrice: 560, annualDrift: 0.12, annualVolatility: 0.38, spreadBps: 2.5, dailyVolume: 15_000_000 },
  TSLA: { startPrice: 250, annualDrift: 0.15, annualVolatility: 0.6, spreadBps: 3, dailyVolume: 100_000_000 },
  NVDA: { startPrice: 130, annualDrift: 0.2, annualVolatility: 0.5, spreadBps: 2, dailyVolume: 250_000_000 },
  JPM: { startPrice: 220, annualDrift: 0.08, annualVolatility: 0.22, spreadBps: 2.5, dailyVolume: 9_000_000 },
};

/** Spread of symbols without a profile; also what {@link quoteAround} uses for live quotes of them. */
export const DEFAULT_SPREAD_BPS = 5;

/** The profile of a symbol: its own if known, else one derived from the seed and the symbol. */
export function symbolProfile(symbol: string, seed: number): SymbolProfile {
  const known = SYMBOL_PROFILES[symbol];
  if (known) return known;
  const h = hashSeed(seed, `${symbol}/profile`);
  return {
    startPrice: 10 + (h % 49_000) / 100,
    annualDrift: 0.08,
    annualVolatility: 0.25 + ((h >>> 16) % 30) / 100,
    spreadBps: DEFAULT_SPREAD_BPS,
    dailyVolume: 5_000_000,
  };
}

/** Mulberry32: one 32-bit word of state, good enough statistics for a simulation, trivially replayable. */
export function nextUniform(state: number): { value: number; state: number } {
  const next = (state + 0x6d2b79f5) | 0;
  let t = Math.imul(next ^ (next >>> 15), 1 | next);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return { value: ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296, state: next };
}

/** FNV-1a of `${seed}/${text}` with murmur3's finaliser, so that close seeds give unrelated streams. */
export function hashSeed(seed: number, text: string): number {
  let h = 0x811c9dc5;
  for (const ch of `${seed}/${text}`) {
    h ^= ch.codePointAt(0)!;
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Draws from a mutable copy of a stream's state; the exported functions stay pure around it. */
class Stream {
  constructor(public state: number) {}

  uniform(): number {
    const r = nextUniform(this.state);
    this.state = r.state;
    return r.value;
  }

  /** Box–Muller; 1 - u keeps the logarithm's argument in (0, 1]. */
  normal(): number {
    const u1 = 1 - this.uniform();
    const u2 = this.uniform();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
}

/** Standard deviation of one interval's log-return for an annual volatility. */
export function intervalVolatility(annualVolatility: number, intervalMs: number): number {
  return annualVolatility * Math.sqrt(intervalMs / TRADING_YEAR_MS);
}

/**
 * Bid and ask around a price, `spreadBps` apart, on whole cents: `bid < price < ask` always, at
 * least a cent either side, and `bid >= 0.01` for any price of at least {@link MIN_PRICE}.
 */
export function quoteAround(price: number, spreadBps: number): { bid: number; ask: number } {
  const cents = Math.round(price * 100);
  const half = (cents * spreadBps) / 20_000;
  const bid = Math.max(1, Math.min(cents - 1, Math.floor(cents - half)));
  const ask = Math.max(cents + 1, Math.ceil(cents + half));
  return { bid: bid / 100, ask: ask / 100 };
}

export function roundCents(value: number): number {
  return Math.round(value * 100) / 100;
}

export interface SimulationConfig {
  seed: number;
  symbols: readonly string[];
  intervalMs: number;
}

export interface SymbolState {
  readonly symbol: string;
  readonly profile: SymbolProfile;
  /** Unrounded price: rounding only what is emitted keeps cents from compounding into the walk. */
  readonly level: number;
  readonly rng: number;
}

export interface SimulationState {
  readonly config: SimulationConfig;
  readonly symbols: readonly SymbolState[];
}

export function initialState(config: SimulationConfig): SimulationState {
  return {
    config,
    symbols: config.symbols.map((symbol) => {
      const profile = symbolProfile(symbol, config.seed);
      return { symbol, profile, level: profile.startPrice, rng: hashSeed(config.seed, symbol) };
    }),
  };
}

/** Chance that an interval's volume is a burst (a block trade, news). */
const BURST_PROBABILITY = 0.01;
const VOLUME_SIGMA = 0.8;

/** One interval: a tick per symbol, stamped `eventTimeMs`, and the state after it. */
export function step(state: SimulationState, eventTimeMs: number): { state: SimulationState; ticks: Tick[] } {
  const { intervalMs } = state.config;
  const eventTime = new Date(eventTimeMs).toISOString();
  const ticks: Tick[] = [];
  const symbols = state.symbols.map((s) => {
    const rng = new Stream(s.rng);
    const { annualDrift, annualVolatility, spreadBps, dailyVolume } = s.profile;
    const dt = intervalMs / TRADING_YEAR_MS;
    const sigma = intervalVolatility(annualVolatility, intervalMs);
    const level = s.level * Math.exp((annualDrift - (annualVolatility * annualVolatility) / 2) * dt + sigma * rng.normal());
    const price = Math.max(MIN_PRICE, roundCents(level));
    const { bid, ask } = quoteAround(price, spreadBps * (0.75 + 0.5 * rng.uniform()));
    const meanVolume = (dailyVolume * intervalMs) / TRADING_DAY_MS;
    let volume = meanVolume * Math.exp(VOLUME_SIGMA * rng.normal() - (VOLUME_SIGMA * VOLUME_SIGMA) / 2);
    if (rng.uniform() < BURST_PROBABILITY) volume *= 5 + 15 * rng.uniform();
    ticks.push({ symbol: s.symbol, event_time: eventTime, price, bid, ask, volume: Math.round(volume), source: "simulated" });
    return { ...s, level: Math.max(level, MIN_PRICE), rng: rng.state };
  });
  return { state: { config: state.config, symbols }, ticks };
}

/** `count` intervals from `startMs`, one array of ticks per interval. */
export function simulate(config: SimulationConfig, startMs: number, count: number): Tick[][] {
  let state = initialState(config);
  const out: Tick[][] = [];
  for (let k = 0; k < count; k++) {
    const r = step(state, startMs + k * config.intervalMs);
    state = r.state;
    out.push(r.ticks);
  }
  return out;
}
