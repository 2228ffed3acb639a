import { Timestamp } from "firebase-admin/firestore";
import { extendLease } from "../jobs/extendLease";
import { heldJobsOf, runners, type RunnerStatus } from "../../data/runners";
import { assert, NotFound } from "../../http/errors";
import { runContendedTransaction } from "./contendedTransaction";
import { runnerDocId } from "./ids";
import { MAX_HELD_SCAN } from "./limits";
import type { CountedRunner } from "./runnerViews";

export interface HeartbeatReport {
  status: RunnerStatus;
  currentJobs: number;
}

/**
 * Records the runner's state and proves it alive. Seed 004 has no per-task heartbeat, so this is
 * also what keeps its tasks' leases from lapsing during a long review: each lease it still
 * holds is extended by its job's lease length (a lapsed lease stays lapsed: it is the reaper's).
 * The answer's `heldJobs` is what it holds, counted in the same transaction.
 */
export async function heartbeatRunner(
  teamId: string,
  runnerId: string,
  report: HeartbeatReport,
  now: Date,
): Promise<CountedRunner> {
  const ref = runners().doc(runnerDocId(teamId, runnerId));
  const at = Timestamp.fromDate(now);
  return runContendedTransaction(async (tx) => {
    const runner = (await tx.get(ref)).data();
    assert(runner !== undefined, new NotFound("RUNNER_NOT_FOUND", "No such runner; register it first."));
    const held = await tx.get(heldJobsOf(ref.id, MAX_HELD_SCAN));
    if (report.status !== "offline") {
      for (const doc of held.docs) {
        const job = doc.data();
        if (job.lease === null || job.lease.expiresAt.toMillis() <= now.getTime()) continue;
        extendLease(tx, doc.ref, job, now);
      }
    }
    const update = {
      status: report.status,
      reportedJobs: report.currentJobs,
      lastHeartbeatAt: at,
      offlineAt: report.status === "offline" ? (runner.offlineAt ?? at) : null,
      updatedAt: at,
    };
    tx.update(ref, update);
    return { ...runner, ...update, heldJobs: held.size };
  });
}
