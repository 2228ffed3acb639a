import { createHash } from "node:crypto";
import { Timestamp, type DocumentReference, type Transaction } from "firebase-admin/firestore";
import { canonicalJson } from "./canonicalJson";
import { prepareJobEnd } from "./jobEndHooks";
import { assertHolds, endedBy, repeatsOwnEnd } from "./leaseGuard";
import { finalFields, type JobDoc } from "./model";

/**
 * The hash an ending is remembered by: over canonical JSON, so the same outcome sent again with
 * its keys in another order is the same ending. Faces hash what the runner said, including which
 * call it was (`["complete", …]` vs `["fail", …]`).
 */
export function endingHash(outcome: unknown): string {
  return createHash("sha256").update(canonicalJson(outcome), "utf8").digest("hex");
}

export interface JobEnding<J extends JobDoc> {
  /** Who ends it: must hold the lease (or have ended it with this very outcome, in this lease). */
  holder: string;
  /** The lease token, on faces that carry one: a repeat counts only within the lease that ended it. */
  token?: string;
  status: "SUCCEEDED" | "FAILED";
  /** `endingHash` of what the holder sent. */
  hash: string;
  /** The face's 409 code when the holder already ended the job differently. */
  conflictCode: string;
  now: Date;
  /**
   * The face's own fields (result, error…), asked for after the end hooks have read, so it may
   * add writes of its own to `tx` (log lines) and fold their fields in.
   */
  fields: (job: J) => Record<string, unknown>;
}

export type EndOutcome<J extends JobDoc> = { duplicate: true; job: J } | { duplicate: false; job: J };

/**
 * Ends a held job once, inside `tx`, which has read `job`: the one implementation of "complete"
 * and "fail" every face uses. A repeat by the holder with the same outcome within the lease that
 * ended it (a retry after a lost answer; `repeatsOwnEnd`) is a no-op that answers again; anyone
 * without the lease gets 409 and nothing changes. The kind's end hooks read first and write with
 * the job.
 */
export async function endJob<J extends JobDoc>(
  tx: Transaction,
  ref: DocumentReference,
  job: J | undefined,
  ending: JobEnding<J>,
): Promise<EndOutcome<J>> {
  const { holder, hash, token } = ending;
  if (repeatsOwnEnd(job, { holder, hash, token }, ending.conflictCode) && job !== undefined)
    return { duplicate: true, job };
  assertHolds(job, holder, ending.now, token);
  const endWrites = await prepareJobEnd(tx, ref.id, job);
  const own: Record<string, unknown> = ending.fields(job);
  const update = {
    ...own,
    ...finalFields(ending.status, Timestamp.fromDate(ending.now)),
    ...endedBy(job, holder, hash),
  };
  tx.update(ref, update);
  // Hooks that care see the error it ended with (a campaign child's dependents keep it as the reason).
  endWrites(ending.status, { error: typeof own.error === "string" ? own.error : null });
  return { duplicate: false, job: { ...job, ...update } };
}
