import { Timestamp, type DocumentReference, type Transaction } from "firebase-admin/firestore";
import { intParam, RETRY_BACKOFF_MAX_MS, RETRY_BACKOFF_MS } from "../../config/params";
import { db } from "../../data/firestore";
import { jobs } from "../../data/jobs";
import { backoffDelayMs, backoffPolicyOf, DEFAULT_BACKOFF_MAX_MS, DEFAULT_BACKOFF_MS } from "./backoff";
import { prepareJobEnd, prepareLeaseRelease } from "./jobEndHooks";
import { endTimedOut, isTimedOut } from "./timeout";
import { finalFields, pendingFields, type JobDoc, type JobKind } from "./model";

/** Kinds whose retries wait out a backoff (the queues with delays: jobs API, fleet). */
const BACKOFF_KINDS: readonly JobKind[] = ["generic", "review"];

/** When a job of this kind, back for its `attempts`-th retry at `at`, may be leased again (null: at once). */
export function retryAt(job: Pick<JobDoc, "kind" | "backoff">, attempts: number, at: Timestamp): Timestamp | null {
  if (!BACKOFF_KINDS.includes(job.kind)) return null;
  const defaults = {
    baseMs: intParam(RETRY_BACKOFF_MS, DEFAULT_BACKOFF_MS),
    maxMs: intParam(RETRY_BACKOFF_MAX_MS, DEFAULT_BACKOFF_MAX_MS),
  };
  return Timestamp.fromMillis(at.toMillis() + backoffDelayMs(attempts, backoffPolicyOf(job, defaults)));
}

export type ReleaseOutcome = "requeued" | "failed";

/**
 * Takes a job away from its holder inside `tx`, which has already read `job`: back to PENDING
 * with `attempts + 1` (after its backoff, on the jobs API and fleet), or FAILED with the reason
 * once it has used its attempts, so a job that keeps losing its
 * runner cannot circulate forever; a job past its `timeoutAt` ends FAILED with TIMED_OUT (no retry). Shared by the lease reaper and the runner reaper so both count
 * attempts the same way. The kind's hooks read first, then everything is written. `extra`: the
 * caller's own fields, written with whichever write this makes (the lease reaper counts an
 * expiration).
 */
export async function releaseLease(
  tx: Transaction,
  ref: DocumentReference,
  job: JobDoc,
  at: Timestamp,
  failure: (attempts: number) => string,
  extra: Record<string, unknown> = {},
): Promise<ReleaseOutcome> {
  if (isTimedOut(job, at.toDate())) {
    await endTimedOut(tx, ref, job, at, extra);
    return "failed";
  }
  const attempts = job.attempts + 1;
  if (attempts >= job.maxAttempts) {
    const endWrites = await prepareJobEnd(tx, ref.id, job);
    const error = failure(attempts);
    tx.update(ref, { ...finalFields("FAILED", at), attempts, error, ...extra });
    endWrites("FAILED", { error });
    return "failed";
  }
  await requeueHeld(tx, ref, job, at, { attempts, runAt: retryAt(job, attempts, at), extra });
  return "requeued";
}

/**
 * Puts a held job back in its queue inside `tx` (which has read `job`), with its kind's release
 * hooks in the same commit: the one way a lease ends without ending its
 * job. A lapsed lease or a failure to retry counts an attempt and may back off (`attempts`,
 * `runAt`); a holder letting go (it is shutting down) counts none. `extra`: the face's own fields.
 */
export async function requeueHeld(
  tx: Transaction,
  ref: DocumentReference,
  job: JobDoc,
  at: Timestamp,
  opts: { attempts?: number; runAt?: Timestamp | null; extra?: Record<string, unknown> } = {},
): Promise<void> {
  const releaseWrites = await prepareLeaseRelease(tx, ref.id, job);
  const queued = {
    ...pendingFields(job, ref.id, at, opts.runAt ?? null),
    ...(opts.attempts === undefined ? {} : { attempts: opts.attempts }),
    ...opts.extra,
  };
  tx.update(ref, queued);
  releaseWrites();
}

/** A lease as its holder was to be told of it. */
export interface HeldLease {
  id: string;
  token: string;
}

/**
 * Gives back leases whose caller went away before it was answered: each job still held under
 * that lease returns to its queue as its holder letting go would (no attempt counted, no backoff).
 */
export async function handBack(leases: readonly HeldLease[], now: Date): Promise<void> {
  const at = Timestamp.fromDate(now);
  await Promise.all(
    leases.map((held) =>
      db().runTransaction(async (tx) => {
        const ref = jobs().doc(held.id);
        const job = (await tx.get(ref)).data();
        if (job?.status !== "LEASED" || job.lease?.token !== held.token) return;
        await requeueHeld(tx, ref, job, at);
      }),
    ),
  );
}
