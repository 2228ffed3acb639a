import { createHash } from "node:crypto";
import { Timestamp, type DocumentReference, type Transaction } from "firebase-admin/firestore";
import type { ApiError } from "../../http/errors";
import { canonicalJson } from "./canonicalJson";
import { prepareJobEnd } from "./jobEndHooks";
import { assertHolds } from "./leaseGuard";
import { FINAL_STATUSES, finalFields, type JobDoc } from "./model";

/**
 * The hash an ending is remembered by: over canonical JSON, so the same outcome sent again with
 * its keys in another order is the same ending. Faces hash what the runner said, including which
 * call it was (`["complete", …]` vs `["fail", …]`).
 */
export function endingHash(outcome: unknown): string {
  return createHash("sha256").update(canonicalJson(outcome), "utf8").digest("hex");
}

export interface JobEnding<J extends JobDoc> {
  /** Who ends it: must hold the lease (or have ended it with this very outcome). */
  holder: string;
  /** The lease token, on faces that carry one. */
  token?: string;
  status: "SUCCEEDED" | "FAILED";
  /** `endingHash` of what the holder sent. */
  hash: string;
  /** The face's answer when the holder already ended the job differently. */
  endedDifferently: (job: JobDoc) => ApiError;
  now: Date;
  /**
   * The face's own fields (result, error…), asked for after the end hooks have read, so it may
   * add writes of its own to `tx` (log lines) and fold their fields in.
   */
  fields: (job: J) => Record<string, unknown>;
}

export type EndOutcome<J extends JobDoc> = { duplicate: true; job: J } | { duplicate: false; job: J };

/**
 * Whether `job` was already ended by `holder` with the outcome hashed `hash`: true means answer
 * as before and write nothing; an ending by the same holder with another outcome throws
 * `endedDifferently`. Also usable outside a transaction as a cheap pre-check.
 */
export function isRepeatedEnding(
  job: JobDoc | undefined,
  holder: string,
  hash: string,
  endedDifferently: (job: JobDoc) => ApiError,
): boolean {
  if (
    job === undefined ||
    !FINAL_STATUSES.includes(job.status) ||
    job.finishedBy !== holder ||
    job.completionHash === null
  )
    return false;
  if (job.completionHash === hash) return true;
  throw endedDifferently(job);
}

/**
 * Ends a held job once, inside `tx`, which has read `job`: the one implementation of "complete"
 * and "fail" every face uses. A repeat by the holder with the same outcome (a retry after a lost
 * answer) is a no-op that answers again; anyone without the lease gets 409 and nothing changes.
 * The kind's end hooks read first and write with the job.
 */
export async function endJob<J extends JobDoc>(
  tx: Transaction,
  ref: DocumentReference,
  job: J | undefined,
  ending: JobEnding<J>,
): Promise<EndOutcome<J>> {
  if (isRepeatedEnding(job, ending.holder, ending.hash, ending.endedDifferently) && job !== undefined)
    return { duplicate: true, job };
  assertHolds(job, ending.holder, ending.now, ending.token);
  const endWrites = await prepareJobEnd(tx, ref.id, job);
  const update = {
    ...ending.fields(job),
    ...finalFields(ending.status, Timestamp.fromDate(ending.now)),
    completionHash: ending.hash,
    finishedBy: ending.holder,
  };
  tx.update(ref, update);
  endWrites(ending.status);
  return { duplicate: false, job: { ...job, ...update } };
}
