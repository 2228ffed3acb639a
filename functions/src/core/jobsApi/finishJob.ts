import { createHash } from "node:crypto";
import { Timestamp } from "firebase-admin/firestore";
import { db } from "../../data/firestore";
import { prepareJobEnd } from "../jobs/jobEndHooks";
import { assertHolds, endedBy, repeatsOwnEnd } from "../jobs/leaseGuard";
import { finalFields } from "../jobs/model";
import { canonicalJson } from "./createJob";
import type { JobsRunner } from "./heldJob";
import { holderOf } from "./model";
import { jobRef, ownedInTransaction } from "./ownedJob";

export type Finish = { status: "SUCCEEDED"; result: Record<string, unknown> } | { status: "FAILED"; error: string };

/**
 * Ends a held job as SUCCEEDED (complete) or FAILED (fail). Fenced on holder and token: a
 * holder whose lease moved on gets 409 and nothing changes. The same call repeated by the
 * holder that finished the job (a retry after a lost answer) answers again and writes nothing;
 * a different outcome from it is a conflict.
 */
export async function finishJob(runner: JobsRunner, jobId: string, token: string, finish: Finish, now: Date) {
  const holder = holderOf(runner.teamId, runner.runnerId);
  const hash = createHash("sha256").update(canonicalJson(finish), "utf8").digest("hex");
  const ref = jobRef(jobId);
  return db().runTransaction(async (tx) => {
    const job = await ownedInTransaction(tx, runner.teamId, jobId);
    if (repeatsOwnEnd(job, { holder, hash, token }, "ALREADY_FINISHED")) return { status: job.status, duplicate: true };
    assertHolds(job, holder, now, token);
    const at = Timestamp.fromDate(now);
    const endWrites = await prepareJobEnd(tx, jobId, job);
    tx.update(ref, {
      ...finalFields(finish.status, at),
      result: finish.status === "SUCCEEDED" ? finish.result : null,
      error: finish.status === "FAILED" ? finish.error : null,
      ...endedBy(job, holder, hash),
      logIntake: null,
    });
    endWrites(finish.status, { error: finish.status === "FAILED" ? finish.error : null });
    return { status: finish.status, duplicate: false };
  });
}
