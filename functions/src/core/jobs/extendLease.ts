import { Timestamp, type DocumentReference, type Transaction } from "firebase-admin/firestore";
import type { JobDoc } from "./model";
import { cappedExpiry } from "./timeout";

/**
 * Extends a held job's lease by its lease length from `now`, inside `tx` (the caller has checked
 * the holder in the same transaction), with the caller's other fields in the same write. The one
 * implementation every heartbeat, phase and log call uses. Never past the job's `timeoutAt`: a
 * job that runs too long loses its lease there however often it beats.
 */
export function extendLease(
  tx: Transaction,
  ref: DocumentReference,
  job: JobDoc,
  now: Date,
  fields: Record<string, unknown> = {},
): Timestamp {
  const expiresAt = cappedExpiry(job, now, job.leaseMs);
  tx.update(ref, {
    ...fields,
    "lease.expiresAt": expiresAt,
    leaseExpiresAt: expiresAt,
    updatedAt: Timestamp.fromDate(now),
  });
  return expiresAt;
}
