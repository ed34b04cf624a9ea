/** The dashboard's page: renders the snapshot, then applies the stream's events. Bundled by esbuild. */
import { CandlestickSeries, ColorType, createChart, type CandlestickData, type IChartApi, type ISeriesApi, type UTCTimestamp } from "lightweight-charts";
import { LEVEL_MARKS, UNKNOWN, formatAge, formatChange, formatClock, formatPrice, formatReading } from "../format";
import type { Candle, DashboardStats, MarketUpdate, PipelineHealth, Snapshot, Status, SymbolQuote } from "../messages";
import "./style.css";

interface SymbolView {
  card: HTMLElement;
  price: HTMLElement;
  change: HTMLElement;
  meta: HTMLElement;
  chartBox: HTMLElement;
  chart: IChartApi;
  series: ISeriesApi<"Candlestick">;
  candles: Map<number, Candle>;
}

const views = new Map<string, SymbolView>();
let windowMinutes = 60;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function byTestId(id: string): HTMLElement {
  const found = document.querySelector<HTMLElement>(`[data-testid="${id}"]`);
  if (!found) throw new Error(`the page has no ${id}`);
  return found;
}

/** A status in words, with a glyph and a colour saying the same. */
function setStatus(node: HTMLElement, status: Status): void {
  node.dataset.level = status.level;
  node.replaceChildren(el("span", { class: "mark", "aria-hidden": "true" }, LEVEL_MARKS[status.level]), document.createTextNode(` ${status.text}`));
}

function toBar(c: Candle): CandlestickData<UTCTimestamp> {
  return { time: c.time as UTCTimestamp, open: c.open, high: c.high, low: c.low, close: c.close };
}

function createView(symbol: string): SymbolView {
  const card = el("article", { class: "symbol", "data-symbol": symbol, "data-testid": `symbol-${symbol}` });
  const head = el("header");
  const price = el("span", { class: "price", "data-field": "price" }, "—");
  const change = el("span", { class: "change", "data-field": "change", "data-direction": "flat" }, "waiting for ticks");
  head.append(el("h3", {}, symbol), price, change);
  const chartBox = el("div", { class: "chart", "data-field": "chart", "data-candles": "0" });
  const meta = el("p", { class: "meta", "data-field": "meta" }, "no tick yet");
  card.append(head, chartBox, meta);
  document.getElementById("symbols")!.append(card);
  const chart = createChart(chartBox, {
    autoSize: true,
    layout: { background: { type: ColorType.Solid, color: "#10151f" }, textColor: "#c7d0dd", fontSize: 11 },
    grid: { vertLines: { color: "#1c2432" }, horzLines: { color: "#1c2432" } },
    timeScale: { timeVisible: true, secondsVisible: false, borderColor: "#2a3447", rightOffset: 3 },
    rightPriceScale: { borderColor: "#2a3447" },
  });
  const series = chart.addSeries(CandlestickSeries, {
    upColor: "#26a69a",
    downColor: "#ef5350",
    borderVisible: false,
    wickUpColor: "#26a69a",
    wickDownColor: "#ef5350",
  });
  return { card, price, change, meta, chartBox, chart, series, candles: new Map() };
}

function renderQuote(view: SymbolView, quote: SymbolQuote): void {
  if (!quote.last) return;
  view.price.textContent = formatPrice(quote.last.price);
  const change = formatChange(quote.change);
  if (change) {
    view.change.textContent = change.text;
    view.change.dataset.direction = change.direction;
    view.change.title = `since ${formatClock(quote.change!.since)}`;
  }
  view.meta.textContent = `bid ${formatPrice(quote.last.bid)} · ask ${formatPrice(quote.last.ask)} · ${formatClock(quote.last.eventTime)}`;
}

/** Applies changed candles: in place when they are the newest, else by redrawing the series. */
function applyCandles(view: SymbolView, changed: readonly Candle[], replace: boolean): void {
  if (replace) view.candles.clear();
  const newest = Math.max(-Infinity, ...view.candles.keys());
  for (const c of changed) view.candles.set(c.time, c);
  const times = [...view.candles.keys()].sort((a, b) => a - b);
  for (const t of times.slice(0, Math.max(0, times.length - windowMinutes))) view.candles.delete(t);
  const inOrder = !replace && changed.every((c) => c.time >= newest);
  if (inOrder) {
    for (const c of [...changed].sort((a, b) => a.time - b.time)) view.series.update(toBar(c));
  } else {
    view.series.setData([...view.candles.values()].sort((a, b) => a.time - b.time).map(toBar));
  }
  view.chartBox.dataset.candles = String(view.series.data().length);
}

function applyMarket(update: MarketUpdate, replace: boolean): void {
  for (const quote of update.quotes) {
    let view = views.get(quote.symbol);
    if (!view) {
      view = createView(quote.symbol);
      views.set(quote.symbol, view);
    }
    renderQuote(view, quote);
    applyCandles(view, update.candles[quote.symbol] ?? [], replace);
  }
}

function cell(text: string, attrs: Record<string, string> = {}): HTMLTableCellElement {
  return el("td", attrs, text);
}

function statusCell(status: Status, attrs: Record<string, string> = {}): HTMLTableCellElement {
  const td = el("td", { class: "status", ...attrs });
  setStatus(td, status);
  return td;
}

function renderHealth(h: PipelineHealth): void {
  setStatus(byTestId("overall"), h.overall);
  document.getElementById("health-at")!.textContent = `read ${formatClock(h.at)}`;
  setStatus(byTestId("sink-status"), h.sink);
  byTestId("produced-rate").textContent = formatReading(h.ticksProducedPerSecond, "", 1);
  byTestId("records-in-rate").textContent = formatReading(h.recordsInPerSecond, "", 1);
  byTestId("landed-rate").textContent = formatReading(h.landedPerSecond, "", 1);
  byTestId("landed-total").textContent = formatReading(h.landedTotal);
  setStatus(byTestId("last-landed"), { level: h.lastLanded.level, text: h.lastLandedAgeSeconds === null ? h.lastLanded.text : formatAge(h.lastLandedAgeSeconds) });

  byTestId("functions")
    .querySelector("tbody")!
    .replaceChildren(
      ...h.functions.map((f) => {
        const row = el("tr", { "data-function": f.name });
        const instances = cell(f.instances.length === 0 ? "none" : "", { class: "instances" });
        instances.append(...f.instances.map((i) => el("div", { "data-instance": i.instance }, `${i.instance}: ${i.state}${i.detail ? ` (${i.detail})` : ""}`)));
        // The row names the function already: "sink down (1 of 2 up)" reads "down (1 of 2 up)" here.
        const text = f.status.text.startsWith(`${f.name} `) ? f.status.text.slice(f.name.length + 1) : f.status.text;
        row.append(cell(f.name), statusCell({ level: f.status.level, text }, { "data-field": "status" }), instances);
        return row;
      }),
    );

  setStatus(byTestId("lag-status"), h.lag.status);
  const lagRows = h.lag.partitions?.map((p) => {
    const row = el("tr", { "data-topic": p.topic, "data-partition": String(p.partition) });
    row.append(cell(p.topic), cell(String(p.partition)), statusCell(p.status));
    return row;
  }) ?? [unknownRow(3)];
  byTestId("lag").querySelector("tbody")!.replaceChildren(...lagRows);

  byTestId("dead-letters-total").textContent = h.deadLetters.total === null ? UNKNOWN : `${formatReading(h.deadLetters.total)} in all`;
  const reasons = h.deadLetters.byReason;
  const dlqRows =
    reasons === null
      ? [unknownRow(2)]
      : Object.keys(reasons).length === 0
        ? [messageRow(2, "none")]
        : Object.entries(reasons)
            .sort(([, a], [, b]) => b - a)
            .map(([reason, count]) => {
              const row = el("tr", { "data-reason": reason });
              row.append(cell(reason), cell(formatReading(count)));
              return row;
            });
  byTestId("dead-letters").querySelector("tbody")!.replaceChildren(...dlqRows);
}

function messageRow(columns: number, text: string): HTMLTableRowElement {
  const row = el("tr");
  row.append(el("td", { colspan: String(columns), class: "muted" }, text));
  return row;
}

function unknownRow(columns: number): HTMLTableRowElement {
  return messageRow(columns, `${UNKNOWN}: no sink answers`);
}

function renderStats(s: DashboardStats): void {
  const skipped = Object.entries(s.ticksSkipped)
    .map(([reason, n]) => `${reason} ${n}`)
    .join(", ");
  byTestId("stats").textContent = `${s.ticksAccepted} ticks shown · skipped: ${skipped || "none"} · ${s.clients} browser${s.clients === 1 ? "" : "s"} connected`;
}

function setConnection(state: "live" | "reconnecting"): void {
  const node = byTestId("connection");
  node.dataset.state = state;
  node.textContent = state === "live" ? "live" : "connection lost, reconnecting…";
  if (state === "reconnecting") setStatus(byTestId("overall"), { level: "unknown", text: "Dashboard unreachable: readings below are stale" });
}

function connect(): void {
  const events = new EventSource("events");
  events.addEventListener("snapshot", (e) => {
    const snapshot = JSON.parse((e as MessageEvent<string>).data) as Snapshot;
    windowMinutes = snapshot.windowMinutes;
    document.getElementById("window-note")!.textContent = `1-minute candles, last ${windowMinutes} min`;
    setConnection("live");
    applyMarket(snapshot.market, true);
    renderHealth(snapshot.health);
    renderStats(snapshot.stats);
  });
  events.addEventListener("market", (e) => applyMarket(JSON.parse((e as MessageEvent<string>).data) as MarketUpdate, false));
  events.addEventListener("health", (e) => renderHealth(JSON.parse((e as MessageEvent<string>).data) as PipelineHealth));
  events.addEventListener("stats", (e) => renderStats(JSON.parse((e as MessageEvent<string>).data) as DashboardStats));
  events.addEventListener("error", () => setConnection("reconnecting"));
}

connect();
