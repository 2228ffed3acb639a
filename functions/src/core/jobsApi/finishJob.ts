import { db } from "../../data/firestore";
import { endingHash, endJob } from "../jobs/endJob";
import { Timestamp } from "firebase-admin/firestore";
import { assertHolds } from "../jobs/leaseGuard";
import { releaseLease } from "../jobs/releaseLease";
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
  const ref = jobRef(jobId);
  return db().runTransaction(async (tx) => {
    const job = await ownedInTransaction(tx, runner.teamId, jobId);
    const ended = await endJob(tx, ref, job, {
      holder: holderOf(runner.teamId, runner.runnerId),
      token,
      status: finish.status,
      hash: endingHash(finish),
      conflictCode: "ALREADY_FINISHED",
      now,
      fields: () => ({
        result: finish.status === "SUCCEEDED" ? finish.result : null,
        error: finish.status === "FAILED" ? finish.error : null,
        logIntake: null,
      }),
    });
    return { status: ended.job.status, duplicate: ended.duplicate };
  });
}

/**
 * A runner's fail with `retry: true`: the job goes back to its queue after its backoff with
 * `attempts + 1` (the same release a lapsed lease gets), or ends FAILED with the runner's reason
 * once it has used its attempts. Fenced like any holder call; a repeat finds no lease (409).
 */
export async function failJobForRetry(runner: JobsRunner, jobId: string, token: string, error: string, now: Date) {
  const ref = jobRef(jobId);
  return db().runTransaction(async (tx) => {
    const job = await ownedInTransaction(tx, runner.teamId, jobId);
    assertHolds(job, holderOf(runner.teamId, runner.runnerId), now, token);
    const outcome = await releaseLease(tx, ref, job, Timestamp.fromDate(now), () => error);
    return { status: outcome === "failed" ? "FAILED" : "PENDING", attempts: job.attempts + 1, duplicate: false };
  });
}
