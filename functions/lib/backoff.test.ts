import assert from "node:assert/strict";
import { backoffDelay, retry, sleep } from "./backoff";

describe("backoff", () => {
  it("grows exponentially up to its cap, with full jitter", () => {
    assert.deepEqual([1, 2, 3, 4, 10].map((a) => backoffDelay(a, 100, 1_000, () => 1)), [100, 200, 400, 800, 1_000]);
    assert.equal(backoffDelay(5, 100, 1_000, () => 0), 0);
  });

  it("retries until success, waiting between attempts", async () => {
    const waits: number[] = [];
    let calls = 0;
    const result = await retry(
      async () => {
        calls += 1;
        if (calls < 3) throw new Error(`failure ${calls}`);
        return "ok";
      },
      { baseMs: 10, random: () => 1, sleep: async (ms) => void waits.push(ms) },
    );
    assert.equal(result, "ok");
    assert.deepEqual(waits, [10, 20]);
  });

  it("gives up after its attempts, or at once on an error it must not retry", async () => {
    await assert.rejects(retry(() => Promise.reject(new Error("down")), { attempts: 2, sleep: async () => undefined }), /down/);
    let calls = 0;
    await assert.rejects(
      retry(
        () => {
          calls += 1;
          return Promise.reject(new Error("404"));
        },
        { retryable: (err) => !(err as Error).message.includes("404"), sleep: async () => undefined },
      ),
      /404/,
    );
    assert.equal(calls, 1);
  });

  it("sleeps until aborted", async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 20);
    await sleep(10_000, controller.signal);
    assert.ok(Date.now() - started < 1_000);
  });
});
