import assert from "node:assert/strict";
import { createLogger } from "../lib";
import { FIXTURE_RANGE, fixtureClient } from "./fixtures/client";
import { chartFixture } from "./fixtures/generate";
import { readRecording, type Recording } from "./fixtures/recordings";
import { chartOptions } from "./yahoo";

describe("batch-producer client", () => {
  it("sends chart() through the injected fetch, with the URL of the recording", async () => {
    const { client, replay } = fixtureClient();
    await client.chart("NVDA", chartOptions(FIXTURE_RANGE));
    assert.deepEqual(replay.requests, [readRecording(chartFixture("NVDA")).request.url]);
  });

  it("keeps the cookies a response sets and sends them with the next request", async () => {
    const recording = readRecording(chartFixture("AAPL"));
    const withCookie: Recording = {
      ...recording,
      response: {
        ...recording.response,
        headers: {
          ...recording.response.headers,
          "set-cookie": ["A3=d=AQABBFAKE&S=AQAAAFAKE; Max-Age=31557600; Domain=.yahoo.com; Path=/; SameSite=None; Secure; HttpOnly", "B=fake; Max-Age=3600; Domain=.yahoo.com; Path=/"],
        },
      },
    };
    const { client, replay } = fixtureClient(new Map([["AAPL", [withCookie]]]));
    await client.chart("AAPL", chartOptions(FIXTURE_RANGE));
    await client.chart("AAPL", chartOptions(FIXTURE_RANGE));
    assert.equal(replay.cookies[0], "");
    assert.equal(replay.cookies[1], "A3=d=AQABBFAKE&S=AQAAAFAKE; B=fake");
  });

  it("prints nothing itself: notices and warnings go through our JSON logger", async () => {
    const printed: unknown[] = [];
    const saved = { log: console.log, info: console.info, warn: console.warn, error: console.error, dir: console.dir };
    const capture = (...args: unknown[]) => void printed.push(args);
    Object.assign(console, { log: capture, info: capture, warn: capture, error: capture, dir: capture });
    const lines: string[] = [];
    try {
      const { client } = fixtureClient(undefined, createLogger("test", { level: "debug", write: (l) => lines.push(l) }));
      await client.chart("AAPL", chartOptions(FIXTURE_RANGE));
      await assert.rejects(client.chart("ZZZZZ", chartOptions(FIXTURE_RANGE)));
    } finally {
      Object.assign(console, saved);
    }
    assert.deepEqual(printed, []);
    assert.ok(lines.every((l) => !/survey/i.test(l)));
  });
});
