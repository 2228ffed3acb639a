import { Conflict } from "../../http/errors";
import { HELD_STATUSES, type JobDoc } from "./model";

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
  if (!held) throw new Conflict("LEASE_NOT_HELD", "You hold no active lease on this job.");
}
