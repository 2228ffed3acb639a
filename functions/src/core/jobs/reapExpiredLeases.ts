import { FieldValue, Timestamp } from "firebase-admin/firestore";
import { db } from "../../data/firestore";
import { expiredLeases, jobs } from "../../data/jobs";
import { releaseLease } from "./releaseLease";

/** Most jobs one sweep handles; the next sweep takes the rest. */
export const REAP_BATCH = 200;

export interface ReapResult {
  requeued: number;
  failed: number;
  skipped: number;
}

/**
 * One bounded, idempotent sweep: every job whose lease lapsed goes back to PENDING with
 * `attempts + 1`, or to FAILED once it has used its attempts. Each job is re-checked inside its
 * own transaction, so two sweeps at once cannot both act on it: the second sees it no longer
 * expired and skips it.
 */
export async function reapExpiredLeases(now: Date, batch = REAP_BATCH): Promise<ReapResult> {
  const result: ReapResult = { requeued: 0, failed: 0, skipped: 0 };
  const at = Timestamp.fromDate(now);
  const expired = await expiredLeases(at, batch).get();
  for (const candidate of expired.docs) {
    const outcome = await db().runTransaction(async (tx) => {
      const snap = await tx.get(jobs().doc(candidate.id));
      const job = snap.data();
      if (job === undefined || job.lease === null || job.lease.expiresAt.toMillis() > now.getTime()) return "skipped";
      // The metrics' lease-expiration counter rides on the job's own write (summed at scrape time).
      const released = await releaseLease(tx, snap.ref, job, at, (attempts) => `Lease expired ${attempts} times.`, {
        leaseExpirations: FieldValue.increment(1),
      });
      return released;
    });
    result[outcome] += 1;
  }
  return result;
}
