import assert from "node:assert/strict";
import { Timestamp } from "firebase-admin/firestore";
import { cappedExpiry, isTimedOut, timedOutError, timeoutAtFrom } from "./timeout";

describe("job timeouts (timeoutMs)", () => {
  const now = new Date("2026-01-01T00:00:00Z");
  const at = (ms: number) => Timestamp.fromMillis(now.getTime() + ms);

  it("sets the deadline at each lease, none without timeoutMs", () => {
    assert.equal(timeoutAtFrom({ timeoutMs: null }, now), null);
    assert.equal(timeoutAtFrom({}, now), null);
    assert.equal(timeoutAtFrom({ timeoutMs: 3_000 }, now)?.toMillis(), now.getTime() + 3_000);
  });

  it("never extends a lease past the deadline", () => {
    assert.equal(cappedExpiry({ timeoutAt: null }, now, 4_000).toMillis(), at(4_000).toMillis());
    assert.equal(cappedExpiry({ timeoutAt: at(10_000) }, now, 4_000).toMillis(), at(4_000).toMillis());
    assert.equal(cappedExpiry({ timeoutAt: at(1_500) }, now, 4_000).toMillis(), at(1_500).toMillis());
  });

  it("is timed out from the deadline on, heartbeats or not", () => {
    assert.equal(isTimedOut({ timeoutAt: null }, now), false);
    assert.equal(isTimedOut({ timeoutAt: at(1) }, now), false);
    assert.equal(isTimedOut({ timeoutAt: at(0) }, now), true);
    assert.equal(isTimedOut({ timeoutAt: at(-5_000) }, now), true);
    assert.match(timedOutError({ timeoutMs: 3_000 }), /^TIMED_OUT: .*3000 ms/);
  });
});
