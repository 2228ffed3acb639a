import { Timestamp, type Transaction } from "firebase-admin/firestore";
import { runners } from "../../data/runners";
import type { JobEndHook, LeaseReleaseHook } from "../jobs/jobEndHooks";
import { HELD_STATUSES, type JobDoc } from "../jobs/model";

/**
 * A runner's `heldJobs` drops in the same commit that takes a review task from it, whichever
 * path does so: its result, the lease reaper (requeue or fail), the runner reaper, a cancel.
 */
async function releaseSlot(tx: Transaction, job: JobDoc): Promise<() => void> {
  const holder = job.lease?.holder;
  if (holder === undefined || !HELD_STATUSES.includes(job.status)) return () => undefined;
  const ref = runners().doc(holder);
  const snap = await tx.get(ref);
  return () => {
    const runner = snap.data();
    if (runner === undefined) return;
    tx.update(ref, { heldJobs: Math.max(0, runner.heldJobs - 1), updatedAt: Timestamp.now() });
  };
}

export const releaseRunnerSlotOnEnd: JobEndHook = async (tx, _jobId, job) => {
  const writes = await releaseSlot(tx, job);
  return () => writes();
};

export const releaseRunnerSlot: LeaseReleaseHook = (tx, _jobId, job) => releaseSlot(tx, job);
