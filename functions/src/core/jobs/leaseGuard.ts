import { Conflict } from "../../http/errors";
import { HELD_STATUSES, type JobDoc } from "./model";
import { isTimedOut, timedOutConflict } from "./timeout";

/**
 * The fence every holder call passes: the job is held, by this holder, with this token when the
 * face carries one, and the lease has not lapsed. Anything else is 409 and changes nothing.
 */
export function assertHolds(job: JobDoc | undefined, holder: string, now: Date, token?: string): asserts job is JobDoc {
  const lease = job?.lease;
  const held =
    job !== undefined &&
    lease !== null &&
    lease !== undefined &&
    HELD_STATUSES.includes(job.status) &&
    lease.holder === holder &&
    (token === undefined || lease.token === token) &&
    lease.expiresAt.toMillis() > now.getTime();
  if (!held) {
    // Its own holder past the job's deadline learns why: the lease ended there (TIMED_OUT).
    if (lease?.holder === holder && (token === undefined || lease.token === token) && isTimedOut(job ?? {}, now))
      throw timedOutConflict();
    throw new Conflict("LEASE_NOT_HELD", "You hold no active lease on this job.");
  }
}

type Ended = Pick<JobDoc, "status" | "finishedBy" | "completionHash" | "finishedLease">;

/**
 * Whether this end repeats one the caller already made (a retry after a lost answer): the job
 * ended by this holder with this outcome and, when the face carries a lease token, in this very
 * lease. A repeat answers again and writes nothing. The same lease ending differently is 409
 * `conflictCode`. Anything else is not a repeat, and the lease fence decides: a second process
 * on a shared key whose lapsed lease was re-leased and finished elsewhere gets 409
 * LEASE_NOT_HELD, not a "duplicate" of someone else's work.
 */
export function repeatsOwnEnd(
  job: Ended | undefined,
  end: { holder: string; hash: string; token?: string },
  conflictCode: string,
): boolean {
  if (job === undefined || (job.status !== "SUCCEEDED" && job.status !== "FAILED")) return false;
  if (job.finishedBy !== end.holder || job.completionHash === null) return false;
  if (end.token !== undefined && job.finishedLease !== end.token) return false;
  if (job.completionHash === end.hash) return true;
  throw new Conflict(conflictCode, `You already ended this job (${job.status}) differently.`, { status: job.status });
}

/** The fields that record who ended a held job, in which lease, with what outcome. */
export function endedBy(job: JobDoc, holder: string, hash: string) {
  return { finishedBy: holder, finishedLease: job.lease?.token ?? null, completionHash: hash };
}
