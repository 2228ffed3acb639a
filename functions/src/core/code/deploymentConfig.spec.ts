import assert from "node:assert/strict";
import {
  checkCron,
  CPU_MAX_MILLIS,
  CPU_MIN_MILLIS,
  MEMORY_MAX_MIB,
  MEMORY_MIN_MIB,
  parseCpu,
  parseMemory,
} from "./deploymentConfig";

describe("deployment configuration (seed 000 deploy)", () => {
  it("reads CPU as millicores or cores, within bounds", () => {
    assert.equal(parseCpu("250m"), 250);
    assert.equal(parseCpu("1"), 1000);
    assert.equal(parseCpu("0.5"), 500);
    assert.equal(parseCpu("1.25"), 1250);
    assert.equal(parseCpu(`${CPU_MIN_MILLIS}m`), CPU_MIN_MILLIS);
    assert.equal(parseCpu(`${CPU_MAX_MILLIS}m`), CPU_MAX_MILLIS);
    for (const bad of [
      `${CPU_MIN_MILLIS - 1}m`,
      `${CPU_MAX_MILLIS + 1}m`,
      "5",
      "0",
      "-1",
      "250M",
      "250 m",
      "1.2345",
      "",
      "abc",
      "1e3m",
    ]) {
      assert.equal(parseCpu(bad), null, bad);
    }
  });

  it("reads memory as Mi or Gi, within bounds", () => {
    assert.equal(parseMemory("256Mi"), 256);
    assert.equal(parseMemory("1Gi"), 1024);
    assert.equal(parseMemory(`${MEMORY_MIN_MIB}Mi`), MEMORY_MIN_MIB);
    assert.equal(parseMemory(`${MEMORY_MAX_MIB}Mi`), MEMORY_MAX_MIB);
    for (const bad of [
      `${MEMORY_MIN_MIB - 1}Mi`,
      `${MEMORY_MAX_MIB + 1}Mi`,
      "9Gi",
      "256",
      "256MB",
      "256mi",
      "1.5Gi",
      "",
      "0Gi",
    ]) {
      assert.equal(parseMemory(bad), null, bad);
    }
  });

  it("accepts five-field cron expressions and normalises spacing", () => {
    const now = new Date("2025-01-01T00:00:00Z");
    assert.deepEqual(checkCron("*/5 * * * *", now), { ok: true, expression: "*/5 * * * *" });
    assert.deepEqual(checkCron("  0   9 * * 1-5 ", now), { ok: true, expression: "0 9 * * 1-5" });
  });

  it("refuses malformed, six-field, impossible and overlong cron expressions", () => {
    const now = new Date("2025-01-01T00:00:00Z");
    for (const bad of [
      "",
      "* * * *",
      "0 * * * * *",
      "61 * * * *",
      "*/0 * * * *",
      "0 0 30 2 *",
      "a b c d e",
      `${"1,".repeat(60)}1 * * * *`,
    ]) {
      const verdict = checkCron(bad, now);
      assert.ok(!verdict.ok, bad);
    }
  });
});
