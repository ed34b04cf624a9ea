/**
 * How the page writes numbers and statuses. DOM-free, so that the page's bundle and the unit tests
 * share it.
 */
import type { Level, Reading, SymbolQuote } from "./messages";

/** A mark that says the level in a glyph as well as a colour. */
export const LEVEL_MARKS: Record<Level, string> = { ok: "✓", warn: "!", bad: "✕", unknown: "?" };

export const UNKNOWN = "unknown";

export function formatPrice(price: number): string {
  return price.toFixed(2);
}

/** "▲ +1.23 (+0.45%)", "▼ -0.50 (-0.20%)" or "= 0.00 (0.00%)", with the direction for the colour. */
export function formatChange(change: SymbolQuote["change"]): { text: string; direction: "up" | "down" | "flat" } | undefined {
  if (!change) return undefined;
  const cents = Math.round(change.absolute * 100);
  const direction = cents > 0 ? "up" : cents < 0 ? "down" : "flat";
  const sign = cents > 0 ? "+" : "";
  const mark = direction === "up" ? "▲" : direction === "down" ? "▼" : "=";
  return { text: `${mark} ${sign}${(cents / 100).toFixed(2)} (${sign}${change.percent.toFixed(2)}%)`, direction };
}

/** A rate or a count, or "unknown" when the endpoints that give it did not answer. */
export function formatReading(value: Reading, unit = "", digits = 0): string {
  if (value === null) return UNKNOWN;
  return `${value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })}${unit}`;
}

export function formatAge(seconds: Reading): string {
  if (seconds === null) return UNKNOWN;
  if (seconds < 120) return `${Math.round(seconds)} s ago`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min ago`;
  return `${Math.round(seconds / 3600)} h ago`;
}

/** "14:03:07 UTC" of an ISO-8601 time. */
export function formatClock(iso: string): string {
  return `${iso.slice(11, 19)} UTC`;
}
