import { parseBar, type DailyBar } from "../../contract";
import { hashSeed, nextUniform, quoteAround, roundCents, symbolProfile } from "../realtime-producer/simulation";
import { isIsoDate, utcDate } from "./config";
import type { Conversion, DateRange } from "./yahoo";

/**
 * Daily bars from the realtime producer's market model (the same symbol profiles and seeded
 * streams), for a platform without internet. A bar depends only on the seed, the symbol and its
 * date: every range, every re-run and every machine gives the same bars for the same day.
 *
 * The close follows geometric Brownian motion in trading days away from an anchor day, on which
 * the price is the profile's level (late 2024): each day's log-return is drawn from a stream seeded
 * by (seed, symbol, day), and a close is the anchor price times the product of the returns between.
 */
export const SIMULATION_ANCHOR = "2024-01-02";
const DAY_MS = 86_400_000;
const TRADING_DAYS_A_YEAR = 252;
/** Overnight gaps are a fraction of a day's move. */
const GAP_SHARE = 0.3;
const VOLUME_SIGMA = 0.35;

/** Monday to Friday; exchange holidays are trading days here, as in the recorded fixtures. */
export function isTradingDay(date: string): boolean {
  const day = new Date(`${date}T00:00:00Z`).getUTCDay();
  return day !== 0 && day !== 6;
}

function addDays(date: string, days: number): string {
  return utcDate(new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS));
}

/** Draws of one (seed, symbol, day): two normals and a uniform, from mulberry32 and Box–Muller. */
function draws(seed: number, symbol: string, date: string): { ret: number; gap: number; range: number; volume: number } {
  let state = hashSeed(seed, `${symbol}/bar/${date}`);
  const uniform = () => {
    const r = nextUniform(state);
    state = r.state;
    return r.value;
  };
  const normal = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  return { ret: normal(), gap: normal(), range: Math.abs(normal()), volume: normal() };
}

interface DayModel {
  drift: number;
  sigma: number;
}

function dayModel(symbol: string, seed: number): DayModel {
  const p = symbolProfile(symbol, seed);
  const sigma = p.annualVolatility / Math.sqrt(TRADING_DAYS_A_YEAR);
  return { drift: p.annualDrift / TRADING_DAYS_A_YEAR - (sigma * sigma) / 2, sigma };
}

/** The log-return from the previous trading day's close to `date`'s close. */
function dayReturn(model: DayModel, seed: number, symbol: string, date: string): number {
  return model.drift + model.sigma * draws(seed, symbol, date).ret;
}

/** Unrounded closes of every trading day of `range`, walking from the anchor to it. */
function closes(symbol: string, seed: number, range: DateRange): Map<string, number> {
  const model = dayModel(symbol, seed);
  const anchorPrice = symbolProfile(symbol, seed).startPrice;
  const out = new Map<string, number>();
  // Forward from the anchor: close(d) = close(d-1) * exp(r(d)).
  let level = anchorPrice;
  for (let d = SIMULATION_ANCHOR; d <= range.to; d = addDays(d, 1)) {
    if (!isTradingDay(d)) continue;
    if (d !== SIMULATION_ANCHOR) level *= Math.exp(dayReturn(model, seed, symbol, d));
    if (d >= range.from) out.set(d, level);
  }
  // Backward from the anchor: close(d-1) = close(d) / exp(r(d)).
  level = anchorPrice;
  let later = SIMULATION_ANCHOR;
  for (let d = addDays(SIMULATION_ANCHOR, -1); d >= range.from; d = addDays(d, -1)) {
    if (!isTradingDay(d)) continue;
    level /= Math.exp(dayReturn(model, seed, symbol, later));
    later = d;
    if (d <= range.to) out.set(d, level);
  }
  return out;
}

/**
 * The simulated bars of `symbol` for the trading days of `range` whose session is over (before
 * today, UTC), in date order. Prices are on whole cents with low <= open, close <= high.
 */
export function simulatedBars(symbol: string, range: DateRange, seed: number, now: Date): Conversion {
  if (!isIsoDate(range.from) || !isIsoDate(range.to)) throw new RangeError(`a range needs two dates YYYY-MM-DD (got ${range.from}..${range.to})`);
  const profile = symbolProfile(symbol, seed);
  const model = dayModel(symbol, seed);
  const today = utcDate(now);
  const levels = closes(symbol, seed, { from: addDays(range.from, -7), to: range.to });
  const days = [...levels.keys()].sort();
  const bars: DailyBar[] = [];
  for (let i = 1; i < days.length; i++) {
    const date = days[i]!;
    if (date < range.from || date >= today) continue;
    const d = draws(seed, symbol, date);
    const close = roundCents(levels.get(date)!);
    const open = roundCents(levels.get(days[i - 1]!)! * Math.exp(GAP_SHARE * model.sigma * d.gap));
    const spread = quoteAround(Math.max(open, close), profile.spreadBps);
    const high = roundCents(Math.max(open, close, spread.ask) * Math.exp(0.5 * model.sigma * d.range));
    const low = Math.max(0.01, roundCents(Math.min(open, close) * Math.exp(-0.5 * model.sigma * d.range)));
    const volume = Math.round(profile.dailyVolume * Math.exp(VOLUME_SIGMA * d.volume - (VOLUME_SIGMA * VOLUME_SIGMA) / 2));
    bars.push(parseBar({ symbol, trade_date: date, open: Math.max(open, 0.01), high, low, close: Math.max(close, 0.01), adj_close: Math.max(close, 0.01), volume, source: "simulated" }, now));
  }
  return { bars, skipped: [] };
}
