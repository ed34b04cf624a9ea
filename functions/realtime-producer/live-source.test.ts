import assert from "node:assert/strict";
import { parseTick } from "../../contract";
import {
  FINNHUB_QUOTE_URL,
  FINNHUB_TOKEN_HEADER,
  QuoteError,
  liveSource,
  parseFinnhubResponse,
  quoteToTick,
  redact,
  type QuoteErrorCode,
} from "./live-source";
import { FINNHUB, KEY, NEVER, fakeFetch } from "./testing";

function failsWith(symbol: string, status: number, body: string, code: QuoteErrorCode, pattern: RegExp): void {
  assert.throws(
    () => parseFinnhubResponse(symbol, status, body),
    (err: unknown) => err instanceof QuoteError && err.code === code && err.symbol === symbol && pattern.test(err.message),
  );
}

describe("live source (Finnhub)", () => {
  describe("parseFinnhubResponse", () => {
    it("reads the price and the time of a good quote", () => {
      assert.deepEqual(parseFinnhubResponse("AAPL", 200, FINNHUB.aapl), { c: 229.87, t: 1732291200 });
    });

    it("reports the all-zero answer for an unknown symbol as no data", () => {
      failsWith("XXXX", 200, FINNHUB.unknown, "no_data", /no quote for XXXX \(c 0, t 0\)/);
    });

    it("reports 429 as a rate limit", () => {
      failsWith("AAPL", 429, FINNHUB.rateLimited, "rate_limited", /rate limit.*AAPL.*429/);
    });

    it("reports 401 and 403 as a rejected key and names the variable", () => {
      failsWith("AAPL", 401, FINNHUB.badKey, "unauthorized", /HTTP 401.*QUOTE_API_KEY/);
      failsWith("AAPL", 403, FINNHUB.noAccess, "unauthorized", /HTTP 403/);
    });

    it("reports a body that is not JSON with what it got", () => {
      failsWith("AAPL", 200, FINNHUB.malformed, "malformed", /AAPL is not JSON \(got "<html><body>502 Bad Gateway/);
    });

    it("reports a missing or non-numeric price field by name", () => {
      failsWith("AAPL", 200, '{"c":"229.87","t":1732291200}', "malformed", /`c` .*AAPL must be a number \(got "229.87"\)/);
      failsWith("AAPL", 200, '{"c":229.87}', "malformed", /`t` .*must be a number \(got nothing\)/);
      failsWith("AAPL", 200, "[1,2]", "malformed", /not an object/);
    });

    it("reports other HTTP errors with their status", () => {
      failsWith("AAPL", 502, FINNHUB.malformed, "http_error", /HTTP 502 for AAPL/);
    });
  });

  it("turns a quote into a valid tick, stating what is derived", () => {
    const tick = quoteToTick("AAPL", { c: 229.874, t: 1732291200 });
    assert.equal(tick.price, 229.87);
    assert.equal(tick.event_time, "2024-11-22T16:00:00.000Z");
    assert.equal(tick.volume, 0);
    assert.equal(tick.source, "live");
    assert.ok(tick.bid < tick.price && tick.price < tick.ask);
    assert.doesNotThrow(() => parseTick(tick));
  });

  it("asks with the key in the header, never in the URL", async () => {
    const { fetch, requests } = fakeFetch({ AAPL: [{ status: 200, body: FINNHUB.aapl }] });
    await liveSource({ symbols: ["AAPL"], apiKey: KEY, fetch }).quotes(0, NEVER);
    assert.equal(requests.length, 1);
    assert.equal(requests[0]!.url, `${FINNHUB_QUOTE_URL}?symbol=AAPL`);
    assert.equal(requests[0]!.headers.get(FINNHUB_TOKEN_HEADER), KEY);
  });

  it("quotes each symbol, reports the failing ones by symbol, and keeps the others", async () => {
    const { fetch } = fakeFetch({
      AAPL: [{ status: 200, body: FINNHUB.aapl }],
      MSFT: [{ status: 429, body: FINNHUB.rateLimited }],
      XXXX: [{ status: 200, body: FINNHUB.unknown }],
      GOOGL: [new TypeError("fetch failed", { cause: new Error("connect ECONNREFUSED 127.0.0.1:443") })],
    });
    const batch = await liveSource({ symbols: ["AAPL", "MSFT", "XXXX", "GOOGL"], apiKey: KEY, fetch }).quotes(0, NEVER);
    assert.deepEqual(batch.ticks.map((t) => t.symbol), ["AAPL"]);
    assert.deepEqual(
      batch.failures.map((f) => [f.symbol, (f.error as QuoteError).code]),
      [["MSFT", "rate_limited"], ["XXXX", "no_data"], ["GOOGL", "network"]],
    );
    assert.match(batch.failures[2]!.error.message, /fetch failed: connect ECONNREFUSED/);
  });

  it("does not emit a quote again until its timestamp moves", async () => {
    const { fetch } = fakeFetch({
      AAPL: [
        { status: 200, body: FINNHUB.aapl },
        { status: 200, body: FINNHUB.aapl },
        { status: 200, body: FINNHUB.aaplLater },
      ],
    });
    const source = liveSource({ symbols: ["AAPL"], apiKey: KEY, fetch });
    const first = await source.quotes(0, NEVER);
    const same = await source.quotes(2000, NEVER);
    const later = await source.quotes(4000, NEVER);
    assert.equal(first.ticks.length, 1);
    assert.deepEqual(same, { ticks: [], failures: [] });
    assert.deepEqual(later.ticks.map((t) => [t.price, t.event_time]), [[229.91, "2024-11-22T16:00:05.000Z"]]);
  });

  it("rests a failing symbol for its own backoff while the others are asked every interval", async () => {
    const { fetch, requests } = fakeFetch({
      AAPL: [{ status: 200, body: FINNHUB.aapl }, { status: 200, body: FINNHUB.aapl }, { status: 200, body: FINNHUB.aaplLater }, { status: 200, body: FINNHUB.aaplLater }],
      XXXX: [{ status: 200, body: FINNHUB.unknown }, { status: 200, body: FINNHUB.unknown }, { status: 200, body: FINNHUB.unknown }],
    });
    const source = liveSource({ symbols: ["AAPL", "XXXX"], apiKey: KEY, fetch, backoff: { baseMs: 5000, maxMs: 60_000 }, random: () => 1 });
    const failed: string[][] = [];
    for (const t of [0, 2000, 4000, 6000]) failed.push((await source.quotes(t, NEVER)).failures.map((f) => f.symbol));
    const asked = requests.map((r) => new URL(r.url).searchParams.get("symbol"));
    // XXXX fails at 0 and rests 5 s; fails again at 6000 and would rest 10 s.
    assert.deepEqual(asked, ["AAPL", "XXXX", "AAPL", "AAPL", "AAPL", "XXXX"]);
    assert.deepEqual(failed, [["XXXX"], [], [], ["XXXX"]]);
  });

  it("removes the key from any error message it passes on", async () => {
    const { fetch } = fakeFetch({
      AAPL: [new Error(`proxy refused GET with ${FINNHUB_TOKEN_HEADER}: ${KEY}`)],
      MSFT: [{ status: 500, body: `{"error":"bad token ${KEY}"}` }],
    });
    const batch = await liveSource({ symbols: ["AAPL", "MSFT"], apiKey: KEY, fetch }).quotes(0, NEVER);
    assert.equal(batch.failures.length, 2);
    for (const f of batch.failures) {
      assert.ok(!f.error.message.includes(KEY), f.error.message);
      assert.match(f.error.message, /\*\*\*/);
    }
  });

  it("redacts every occurrence of a secret", () => {
    assert.equal(redact("a KEY b KEY", "KEY"), "a *** b ***");
    assert.equal(redact("nothing", ""), "nothing");
  });
});
