import assert from "node:assert/strict";
import { Timestamp } from "firebase-admin/firestore";
import { backoffDelayMs, DEFAULT_BACKOFF_MAX_MS, DEFAULT_BACKOFF_MS } from "./backoff";
import { laterShardOf, LATER_MIN_MS, pendingFields } from "./model";
import { retryAt } from "./releaseLease";

const defaults = { baseMs: DEFAULT_BACKOFF_MS, maxMs: DEFAULT_BACKOFF_MAX_MS };

describe("retry backoff", () => {
  it("doubles from 10 s per attempt up to 10 min, jittered into the upper half of each step", () => {
    const low = (n: number) => backoffDelayMs(n, defaults, () => 0);
    const high = (n: number) => backoffDelayMs(n, defaults, () => 1);
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7, 8, 12].map(high),
      [10_000, 20_000, 40_000, 80_000, 160_000, 320_000, 600_000, 600_000, 600_000],
    );
    assert.deepEqual([1, 2, 3, 7, 20].map(low), [5_000, 10_000, 20_000, 300_000, 300_000]);
    for (let i = 0; i < 200; i++) {
      const d = backoffDelayMs(3, defaults);
      assert.ok(d >= 20_000 && d <= 40_000, String(d));
    }
  });

  it("takes the job's own base and cap", () => {
    const policy = { baseMs: 2_000, maxMs: 5_000 };
    assert.deepEqual(
      [1, 2, 3, 4].map((n) => backoffDelayMs(n, policy, () => 1)),
      [2_000, 4_000, 5_000, 5_000],
    );
  });

  it("a retry on a fake clock: not before its backoff, in the later shard, for jobs-API and fleet kinds only", () => {
    const at = Timestamp.fromMillis(Date.UTC(2026, 0, 1));
    const job = { kind: "generic" as const, backoff: { baseMs: 4_000, maxMs: 60_000 } };
    const third = retryAt(job, 3, at);
    assert.ok(third !== null);
    const wait = third.toMillis() - at.toMillis();
    assert.ok(wait >= 8_000 && wait <= 16_000, `third retry waits 8-16 s, not ${wait}`);
    const fields = pendingFields({ queue: "generic/user:t", tags: ["gpu"] }, "job-1", at, third);
    assert.deepEqual([fields.pendingShard, fields.runAt], [laterShardOf("generic/user:t"), third]);
    assert.equal(retryAt({ kind: "workspace", backoff: null }, 3, at), null, "workspace jobs come straight back");
  });

  it("a wait under LATER_MIN_MS goes straight back to the queue", () => {
    const at = Timestamp.fromMillis(1_000_000);
    const soon = Timestamp.fromMillis(at.toMillis() + LATER_MIN_MS - 1);
    const fields = pendingFields({ queue: "q", tags: [] }, "job-1", at, soon);
    assert.equal(fields.runAt, null);
    assert.match(fields.pendingShard, /^q#\d$/);
  });
});
