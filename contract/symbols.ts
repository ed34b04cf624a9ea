/** Symbols of the realtime stream (8 by default). */
export const DEFAULT_REALTIME_SYMBOLS = ["AAPL", "MSFT", "GOOGL", "AMZN", "META", "TSLA", "NVDA", "JPM"] as const;

/** Symbols of the daily batch (10 by default). */
export const DEFAULT_BATCH_SYMBOLS = ["AAPL", "MSFT", "GOOGL", "AMZN", "META", "TSLA", "NVDA", "INTC", "JPM", "V"] as const;

/** A ticker as exchanges and Yahoo spell it: upper case, digits, `.`, `-`, `=`, optionally a leading `^` for indices. */
export const SYMBOL_PATTERN = /^\^?[A-Z0-9][A-Z0-9.=-]{0,14}$/;

export function isSymbol(value: string): boolean {
  return SYMBOL_PATTERN.test(value);
}
