import { Timestamp, type DocumentReference, type Transaction } from "firebase-admin/firestore";
import { Conflict } from "../../http/errors";
import { prepareJobEnd } from "./jobEndHooks";
import { finalFields, type JobDoc } from "./model";

/** The reason a job that ran past its `timeoutMs` ends with (its `error` starts with it). */
export const TIMED_OUT = "TIMED_OUT";

type Timed = Pick<JobDoc, "timeoutAt">;

/** When a job leased now must be done by (null: no timeout). Set at each lease: a retry runs afresh. */
export function timeoutAtFrom(job: Pick<JobDoc, "timeoutMs">, now: Date): Timestamp | null {
  return job.timeoutMs === undefined || job.timeoutMs === null
    ? null
    : Timestamp.fromMillis(now.getTime() + job.timeoutMs);
}

/** A lease's expiry: `leaseMs` from now, never past the job's deadline (so a lease lapses at it). */
export function cappedExpiry(job: Timed, now: Date, leaseMs: number): Timestamp {
  const expires = now.getTime() + leaseMs;
  const deadline = job.timeoutAt?.toMillis();
  return Timestamp.fromMillis(deadline === undefined ? expires : Math.min(expires, deadline));
}

/** Whether the job's deadline has come: it ran longer than its `timeoutMs`, heartbeats or not. */
export function isTimedOut(job: Timed, now: Date): boolean {
  const deadline = job.timeoutAt?.toMillis();
  return deadline !== undefined && deadline <= now.getTime();
}

export function timedOutError(job: Pick<JobDoc, "timeoutMs">): string {
  return `${TIMED_OUT}: ran longer than its timeoutMs (${job.timeoutMs ?? 0} ms).`;
}

/** The holder's answer once its job timed out (409: stop the work). */
export function timedOutConflict(): Conflict {
  return new Conflict(TIMED_OUT, "The job ran longer than its timeoutMs and ended FAILED; stop it.");
}

/**
 * Ends a timed-out job FAILED with the TIMED_OUT reason inside `tx`, which has read `job`: no
 * retry, whatever attempts are left (a job that hangs would hang again). Its end hooks read first.
 * `extra`: the caller's own fields for the same write.
 */
export async function endTimedOut(
  tx: Transaction,
  ref: DocumentReference,
  job: JobDoc,
  at: Timestamp,
  extra: Record<string, unknown> = {},
): Promise<void> {
  const endWrites = await prepareJobEnd(tx, ref.id, job);
  const error = timedOutError(job);
  tx.update(ref, { ...finalFields("FAILED", at), error, ...extra });
  endWrites("FAILED", { error });
}
