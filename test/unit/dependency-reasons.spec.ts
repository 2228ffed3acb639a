/**
 * A campaign child whose dependency ended without a runner saying why (its lease lapsed for the
 * last time, it timed out) shows the stored reason in `blockedBy`, as a dependency the runner
 * failed does; and the campaign's attempts and timeout apply to its children.
 */
import assert from "node:assert/strict";
import { createJob } from "../../functions/src/core/jobsApi/createJob";
import { leaseJobs } from "../../functions/src/core/jobsApi/leaseJobs";
import { readJobSnapshot } from "../../functions/src/core/jobsApi/readJob";
import { reapExpiredLeases } from "../../functions/src/core/jobs/reapExpiredLeases";
import { startOfflineDb, type OfflineDb } from "./offlineDb";

const LEASE_MS = 60_000;

describe("campaign dependencies ended by the server", function () {
  this.timeout(30_000);
  let offline: OfflineDb | undefined;
  before(async () => {
    offline = await startOfflineDb();
  });
  after(async () => {
    await offline?.stop();
  });

  for (const how of ["lapsed", "timed out"] as const) {
    it(`a dependency that ${how} blocks its dependent with the reason`, async () => {
      const teamId = `team-deps-${how.replace(" ", "-")}`;
      const owner = { teamId, uid: "u1" };
      const { id } = await createJob(
        owner,
        {
          type: "t",
          workflowPath: "w.md",
          params: {},
          tags: ["parent"],
          maxAttempts: 1,
          ...(how === "timed out" ? { timeoutMs: 1_000 } : {}),
          children: [
            { name: "a", tags: ["dag"] },
            { name: "b", tags: ["dag"], dependsOn: ["a"] },
          ],
        },
        null,
        LEASE_MS,
        new Date(),
      );
      const runner = { teamId, runnerId: "r1" };
      const leased = await leaseJobs(runner, { tags: ["dag"], limit: 5, leaseMs: LEASE_MS, waitMs: 0 }, new Date());
      assert.deepEqual(
        leased.jobs.map((j) => j.id),
        [`${id}-a`],
      );
      // The reaper, run as if past the lease (or past the timeout), ends a for good.
      await reapExpiredLeases(new Date(Date.now() + LEASE_MS + 1_000));
      const a = await readJobSnapshot(teamId, `${id}-a`);
      assert.equal(a.status, "FAILED");
      assert.match(String(a.error), how === "lapsed" ? /Lease expired 1 times/ : /TIMED_OUT|timed out/i);
      const b = await readJobSnapshot(teamId, `${id}-b`);
      assert.equal(b.status, "PAUSED");
      assert.deepEqual(b.blockedBy, [{ name: "a", status: "FAILED", error: a.error }]);
    });
  }
});
