import assert from "node:assert/strict";
import { LEVEL_MARKS, formatAge, formatChange, formatClock, formatReading } from "./format";

describe("dashboard formatting", () => {
  it("writes a change with its direction in a glyph and a sign, not in colour alone", () => {
    assert.deepEqual(formatChange({ absolute: 1.234, percent: 0.4567, since: "" }), { text: "▲ +1.23 (+0.46%)", direction: "up" });
    assert.deepEqual(formatChange({ absolute: -0.5, percent: -0.2, since: "" }), { text: "▼ -0.50 (-0.20%)", direction: "down" });
    assert.deepEqual(formatChange({ absolute: 0.001, percent: 0.0004, since: "" }), { text: "= 0.00 (0.00%)", direction: "flat" });
    assert.equal(formatChange(undefined), undefined);
  });

  it("writes a missing reading as unknown, never as zero", () => {
    assert.equal(formatReading(null), "unknown");
    assert.equal(formatReading(0), "0");
    assert.equal(formatReading(12345.678, "", 1), "12,345.7");
    assert.equal(formatAge(null), "unknown");
    assert.equal(formatAge(3.4), "3 s ago");
    assert.equal(formatAge(600), "10 min ago");
    assert.equal(formatClock("2026-03-02T14:30:05.123Z"), "14:30:05 UTC");
  });

  it("marks every level with its own glyph", () => {
    assert.equal(new Set(Object.values(LEVEL_MARKS)).size, 4);
  });
});
