import { Timestamp, type DocumentReference } from "firebase-admin/firestore";
import { db } from "../../data/firestore";
import { heldJobsOf, type RunnerDoc } from "../../data/runners";
import { releaseLease } from "../jobs/releaseLease";
import { HELD_STATUSES } from "../jobs/model";
import { MAX_HELD_SCAN } from "./limits";

export interface ReleaseCounts {
  requeued: number;
  failed: number;
  skipped: number;
}

/**
 * Gives an offline runner's tasks back to the queue (attempts + 1, or FAILED once used up, as
 * the lease reaper does). Each task in its own transaction that re-checks that this runner
 * still holds it and is still offline, so two sweeps, or a sweep and a runner coming back,
 * never release a task twice or take one from a live runner. One at a time: each release also
 * writes the runner's count.
 */
export async function releaseRunnerJobs(runnerRef: DocumentReference<RunnerDoc>, now: Date): Promise<ReleaseCounts> {
  const counts: ReleaseCounts = { requeued: 0, failed: 0, skipped: 0 };
  const at = Timestamp.fromDate(now);
  const held = await heldJobsOf(runnerRef.id, MAX_HELD_SCAN).get();
  for (const candidate of held.docs) {
    const outcome = await db().runTransaction(async (tx) => {
      const snap = await tx.get(candidate.ref);
      const runner = (await tx.get(runnerRef)).data();
      const job = snap.data();
      if (job === undefined || job.lease?.holder !== runnerRef.id || !HELD_STATUSES.includes(job.status))
        return "skipped";
      if (runner !== undefined && runner.status !== "offline") return "skipped";
      return releaseLease(tx, snap.ref, job, at, (attempts) => `Lost its runner or lease ${attempts} times.`);
    });
    counts[outcome] += 1;
  }
  return counts;
}
