import type { DocumentReference, Timestamp, Transaction } from "firebase-admin/firestore";
import { prepareJobEnd, prepareLeaseRelease } from "./jobEndHooks";
import { finalFields, pendingFields, type JobDoc } from "./model";

export type ReleaseOutcome = "requeued" | "failed";

/**
 * Takes a job away from its holder inside `tx`, which has already read `job`: back to PENDING
 * with `attempts + 1`, or FAILED once it has used its attempts, so a job that keeps losing its
 * runner cannot circulate forever. Shared by the lease reaper and the runner reaper so both count
 * attempts the same way. The kind's hooks read first, then everything is written.
 */
export async function releaseLease(
  tx: Transaction,
  ref: DocumentReference,
  job: JobDoc,
  at: Timestamp,
  failure: (attempts: number) => string,
): Promise<ReleaseOutcome> {
  const attempts = job.attempts + 1;
  if (attempts >= job.maxAttempts) {
    const endWrites = await prepareJobEnd(tx, ref.id, job);
    tx.update(ref, { ...finalFields("FAILED", at), attempts, error: failure(attempts) });
    endWrites("FAILED");
    return "failed";
  }
  const releaseWrites = await prepareLeaseRelease(tx, ref.id, job);
  tx.update(ref, { ...pendingFields(job, ref.id, at), attempts });
  releaseWrites();
  return "requeued";
}
