import assert from "node:assert/strict";
import { backoffDelay, type RetryPolicy } from "./backoff";

const policy: RetryPolicy = { maxAttempts: 10, baseDelayMs: 100, maxDelayMs: 1_000, maxElapsedMs: 10_000 };

describe("backoffDelay", () => {
  it("doubles per attempt, half fixed and half random", () => {
    assert.equal(
      backoffDelay(1, policy, () => 0),
      50,
    );
    assert.equal(
      backoffDelay(1, policy, () => 1),
      100,
    );
    assert.equal(
      backoffDelay(2, policy, () => 0),
      100,
    );
    assert.equal(
      backoffDelay(3, policy, () => 1),
      400,
    );
  });

  it("never exceeds the cap and never drops below half of it once there", () => {
    for (let attempt = 5; attempt < 40; attempt++) {
      assert.equal(
        backoffDelay(attempt, policy, () => 1),
        1_000,
      );
      assert.equal(
        backoffDelay(attempt, policy, () => 0),
        500,
      );
    }
  });

  it("spreads runners that fail together", () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(4, policy)));
    assert.ok(delays.size > 10, `only ${delays.size} distinct delays`);
  });
});
