import { Timestamp } from "firebase-admin/firestore";
import { db } from "../../data/firestore";
import { longOfflineRunners, runners, staleRunners } from "../../data/runners";
import { releaseRunnerJobs } from "./releaseRunnerJobs";

/** Most runners one sweep marks offline, and most it deletes; the next sweep takes the rest. */
export const RUNNER_REAP_BATCH = 100;

export interface RunnerReapResult {
  markedOffline: number;
  requeued: number;
  failed: number;
  deleted: number;
}

export interface RunnerReapPolicy {
  /** Silence after which a runner is offline and its tasks are released. */
  offlineAfterMs: number;
  /** Time offline after which its registration is deleted. */
  deleteAfterMs: number;
  batch?: number;
}

/**
 * One bounded, idempotent sweep. Every runner is re-checked in its own transaction before it is
 * marked offline or deleted, so two sweeps at once act on it once; only the sweep that marked a
 * runner offline releases its tasks, and each release re-checks the holder. A sweep that dies
 * between marking and releasing leaves leases that the lease reaper returns when they lapse
 * (heartbeats, which would extend them, have stopped).
 */
export async function reapStaleRunners(now: Date, policy: RunnerReapPolicy): Promise<RunnerReapResult> {
  const result: RunnerReapResult = { markedOffline: 0, requeued: 0, failed: 0, deleted: 0 };
  const batch = policy.batch ?? RUNNER_REAP_BATCH;
  const at = Timestamp.fromDate(now);
  const staleCutoff = Timestamp.fromMillis(now.getTime() - policy.offlineAfterMs);
  const stale = await staleRunners(staleCutoff, batch).get();
  for (const candidate of stale.docs) {
    const marked = await db().runTransaction(async (tx) => {
      const runner = (await tx.get(candidate.ref)).data();
      if (
        runner === undefined ||
        runner.status === "offline" ||
        runner.lastHeartbeatAt.toMillis() > staleCutoff.toMillis()
      )
        return false;
      tx.update(candidate.ref, { status: "offline", offlineAt: at, updatedAt: at });
      return true;
    });
    if (!marked) continue;
    result.markedOffline += 1;
    const released = await releaseRunnerJobs(runners().doc(candidate.id), now);
    result.requeued += released.requeued;
    result.failed += released.failed;
  }

  const deleteCutoff = Timestamp.fromMillis(now.getTime() - policy.deleteAfterMs);
  const old = await longOfflineRunners(deleteCutoff, batch).get();
  for (const candidate of old.docs) {
    const deleted = await db().runTransaction(async (tx) => {
      const runner = (await tx.get(candidate.ref)).data();
      const offlineAt = runner?.offlineAt;
      if (
        runner?.status !== "offline" ||
        offlineAt === null ||
        offlineAt === undefined ||
        offlineAt.toMillis() > deleteCutoff.toMillis()
      )
        return false;
      tx.delete(candidate.ref);
      return true;
    });
    if (deleted) result.deleted += 1;
  }
  return result;
}
