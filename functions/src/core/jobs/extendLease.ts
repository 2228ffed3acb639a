import { Timestamp, type DocumentReference, type Transaction } from "firebase-admin/firestore";
import type { JobDoc } from "./model";

/**
 * Extends a held job's lease by its lease length from `now`, inside `tx` (the caller has checked
 * the holder in the same transaction), with the caller's other fields in the same write. The one
 * implementation every heartbeat, phase and log call uses.
 */
export function extendLease(
  tx: Transaction,
  ref: DocumentReference,
  job: JobDoc,
  now: Date,
  fields: Record<string, unknown> = {},
): Timestamp {
  const expiresAt = Timestamp.fromMillis(now.getTime() + job.leaseMs);
  tx.update(ref, {
    ...fields,
    "lease.expiresAt": expiresAt,
    leaseExpiresAt: expiresAt,
    updatedAt: Timestamp.fromDate(now),
  });
  return expiresAt;
}
