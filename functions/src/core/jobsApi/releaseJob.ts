import { Timestamp } from "firebase-admin/firestore";
import { db } from "../../data/firestore";
import { Conflict } from "../../http/errors";
import { prepareSlotRelease } from "../jobs/concurrency";
import { prepareJobEnd } from "../jobs/jobEndHooks";
import { finalFields } from "../jobs/model";
import { requeueHeld } from "../jobs/releaseLease";
import { holdInTransaction, type JobsRunner } from "./heldJob";
import { holderOf } from "./model";
import { jobRef } from "./ownedJob";

export type ReleaseAs = "PENDING" | "PAUSED" | "CANCELLED";

const CLEAR_CONTROLS = { control: { cancelRequested: false, pauseRequested: false } };

/**
 * The holder lets go of the job: back to the queue (PENDING, e.g. the runner is shutting down),
 * or, acting on a control it learned from a heartbeat, PAUSED (out of the queue until resumed)
 * or CANCELLED. Pausing or cancelling needs the matching request: a runner cannot invent one.
 */
export async function releaseJob(runner: JobsRunner, jobId: string, token: string, as: ReleaseAs, now: Date) {
  const ref = jobRef(jobId);
  const at = Timestamp.fromDate(now);
  return db().runTransaction(async (tx) => {
    const job = await holdInTransaction(tx, runner, jobId, token, now);
    switch (as) {
      case "PENDING":
        // Back to the queue with the release hooks, its concurrency key's slot among them.
        await requeueHeld(tx, ref, job, at, { extra: { logIntake: null } });
        break;
      case "PAUSED": {
        if (!job.control.pauseRequested) throw new Conflict("NOT_REQUESTED", "Nobody asked to pause this job.");
        // Paused, it gives its concurrency key's slot back (read before any write).
        const slotWrites = await prepareSlotRelease(tx, jobId, job);
        tx.update(ref, {
          status: "PAUSED",
          pendingShard: null,
          lease: null,
          leaseExpiresAt: null,
          // No longer running: an end while paused is no run for the metrics.
          lastLeasedAt: null,
          updatedAt: at,
          logIntake: null,
          ...CLEAR_CONTROLS,
        });
        slotWrites();
        break;
      }
      case "CANCELLED": {
        if (!job.control.cancelRequested)
          throw new Conflict("NOT_REQUESTED", "Nobody asked to cancel this job; use fail.");
        const endWrites = await prepareJobEnd(tx, jobId, job);
        tx.update(ref, {
          ...finalFields("CANCELLED", at),
          ...CLEAR_CONTROLS,
          error: "Cancelled.",
          finishedBy: holderOf(runner.teamId, runner.runnerId),
        });
        endWrites("CANCELLED", { error: "Cancelled." });
        break;
      }
    }
    return { status: as };
  });
}
