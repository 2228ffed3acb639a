import assert from "node:assert/strict";
import { runSoak } from "../harness/soak";
import { STACK_LOG } from "../harness/stack";

describe("soak (short form; `npm run soak` for the long one)", () => {
  it("many runners and Studio readers, crashes and failures: every job ends in exactly one final state", async function () {
    this.timeout(240_000);
    const report = await runSoak({
      runners: 8,
      readers: 3,
      jobs: 20,
      durationMs: 90_000,
      maxRequests: 3_000,
      reapEveryMs: 2_500,
      fireReaper: () => STACK_LOG.fireScheduled("reapExpiredLeases"),
    });
    console.log(
      `      soak: ${report.requests} requests in ${report.durationMs} ms, final states ${JSON.stringify(report.finalStates)}`,
    );
    assert.deepEqual(report.problems, []);
    assert.equal(report.serverErrors, 0);
    assert.equal(report.non2xxReads, 0);
    assert.equal((report.finalStates.SUCCEEDED ?? 0) + (report.finalStates.FAILED ?? 0), 20);
  });
});
