import { Timestamp, type DocumentReference, type Transaction } from "firebase-admin/firestore";
import { jobs } from "../../data/jobs";
import { assert, Conflict, NotFound } from "../../http/errors";
import { assertHolds } from "../jobs/leaseGuard";
import { HELD_STATUSES, type JobDoc } from "../jobs/model";
import { endTimedOut, isTimedOut } from "../jobs/timeout";
import { isOwnersRunner, runnerDocId } from "./ids";
import type { ReviewJob } from "./reviewTask";

/** Reads a review task of `teamId` inside `tx`; anyone else's task, or another kind of job, is 404. */
export async function readOwnedTask(
  tx: Transaction,
  teamId: string,
  taskId: string,
): Promise<{ ref: DocumentReference<JobDoc>; job: ReviewJob }> {
  const ref = jobs().doc(taskId);
  const job: ReviewJob | undefined = (await tx.get(ref)).data();
  assert(
    job !== undefined && job.kind === "review" && job.teamId === teamId,
    new NotFound("TASK_NOT_FOUND", "No such task."),
  );
  return { ref, job };
}

/**
 * The holder fence for status and log calls. Seed 004 names no runner on them, so: a runner
 * named (`x-runner-id` or `runnerId`) must hold the task itself; otherwise it must be held, now,
 * by one of the key owner's runners. Either way a lapsed or lost lease is 409.
 */
export function assertTaskHeld(job: ReviewJob, teamId: string, runnerId: string | null, now: Date): void {
  if (runnerId !== null) {
    assertHolds(job, runnerDocId(teamId, runnerId), now);
    return;
  }
  const holder = job.lease?.holder ?? "";
  assert(isOwnersRunner(teamId, holder), new Conflict("LEASE_NOT_HELD", "You hold no active lease on this job."));
  assertHolds(job, holder, now);
}

/**
 * A status or log call on a task past its `timeoutMs`: ends it FAILED (TIMED_OUT) in `tx` and
 * answers true, so the caller commits that and answers 409 TIMED_OUT (the runner stops the work).
 * Only the runner holding it (or, when the call names none, any of the team's runners while one
 * of them holds it) ends it so; anyone else gets the usual fence.
 */
export async function endedForTimeout(
  tx: Transaction,
  ref: DocumentReference<JobDoc>,
  job: ReviewJob,
  teamId: string,
  runnerId: string | null,
  now: Date,
): Promise<boolean> {
  const holder = job.lease?.holder ?? "";
  const own = runnerId === null ? isOwnersRunner(teamId, holder) : holder === runnerDocId(teamId, runnerId);
  if (!own || !HELD_STATUSES.includes(job.status) || !isTimedOut(job, now)) return false;
  await endTimedOut(tx, ref, job, Timestamp.fromDate(now));
  return true;
}
