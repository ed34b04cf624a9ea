import assert from "node:assert/strict";
import { TOPICS } from "../../contract";
import { functionsBundle } from "../../test/harness";
import { mixedFetch } from "./fixtures/messages";
import { packMessages, validatePacked, workerValidator } from "./validation";

const NOW = Date.parse("2026-03-03T12:00:00Z");

describe("sink validation on its worker thread (the functions bundle)", function () {
  this.timeout(120_000);

  it("answers every request in order with the verdicts validation on this thread gives", async () => {
    const validator = workerValidator(await functionsBundle());
    try {
      const fetch = mixedFetch();
      const requests = Array.from({ length: 50 }, (_, k) => k % fetch.length);
      const answers = await Promise.all(requests.map((from) => validator.validate(packMessages(TOPICS.realtime, fetch, from, NOW))));
      answers.forEach((v, k) => assert.deepEqual(v, validatePacked(packMessages(TOPICS.realtime, fetch, requests[k]!, NOW)), `request ${k}`));
    } finally {
      await validator.close();
    }
  });

  it("refuses to validate once closed, and fails what was pending, so that the sink writes nothing unvalidated", async () => {
    const validator = workerValidator(await functionsBundle());
    const pending = validator.validate(packMessages(TOPICS.realtime, mixedFetch(), 0, NOW));
    await validator.close();
    await assert.rejects(pending, /validation thread/);
    await assert.rejects(validator.validate(packMessages(TOPICS.realtime, mixedFetch(), 0, NOW)), /the validation thread is closed/);
  });

  it("fails every validation when the thread cannot start", async () => {
    const validator = workerValidator("/nonexistent/main.js");
    await assert.rejects(validator.validate(packMessages(TOPICS.realtime, mixedFetch(), 0, NOW)), /validation thread|Cannot find module/);
    await validator.close();
  });
});
