import { Timestamp, type DocumentReference, type Transaction } from "firebase-admin/firestore";
import type { GenericJob } from "../../data/genericJobs";
import { db } from "../../data/firestore";
import { NotFound } from "../../http/errors";
import { prepareJobEnd } from "../jobs/jobEndHooks";
import { prepareDependents, prepareRequeue } from "./dependencies";
import { childJobId } from "./model";
import { ownedInTransaction, jobRef } from "./ownedJob";
import { planChildControl, planControl, type ChildAction, type ControlPlan, type JobAction } from "./planControl";
import { snapshotOf } from "./readJob";

/** Applies a user control (cancel, pause, resume) to one of the owner's jobs; answers its snapshot. */
export async function controlJob(teamId: string, jobId: string, action: JobAction, now: Date) {
  const ref = jobRef(jobId);
  const at = Timestamp.fromDate(now);
  await db().runTransaction(async (tx) => {
    const job = await ownedInTransaction(tx, teamId, jobId);
    await apply(tx, ref, job, planControl(jobId, job, action, at));
  });
  const job = (await ref.get()).data();
  return job === undefined ? null : snapshotOf(jobId, job);
}

/** What `withdrawQueuedJob` did: cancelled the job, or left it as it stands (held by a runner, ended, paused). */
export type Withdrawal = { withdrawn: true } | { withdrawn: false; job: GenericJob };

/**
 * Takes back a job that no runner has taken: PENDING → CANCELLED with `reason` as its error,
 * through the cancel control's own plan and end hooks (metrics gauges; the pending-jobs quota
 * counts PENDING jobs, so it drops with the same commit). Used when whoever waits for the job
 * gives up on it (an intake turn nobody took in time, an rpc request past its wait).
 *
 * Unlike a cancel, a job a runner holds is left alone, without even a cancel request: its answer
 * is still wanted and is stored as usual. The two cannot both win: a claim is a conditional write
 * on the job's last update time, and this transaction's commit fails if the job changed after it
 * was read; so either the claim lands first (this reads it held and leaves it) or the cancel does
 * (the claim's precondition fails and it moves on).
 */
export async function withdrawQueuedJob(teamId: string, jobId: string, reason: string, now: Date): Promise<Withdrawal> {
  const ref = jobRef(jobId);
  const at = Timestamp.fromDate(now);
  return db().runTransaction(async (tx): Promise<Withdrawal> => {
    const job = await ownedInTransaction(tx, teamId, jobId);
    if (job.status !== "PENDING") return { withdrawn: false, job };
    const plan = planControl(jobId, job, "cancel", at);
    if (plan.kind === "noop") return { withdrawn: false, job };
    await apply(tx, ref, job, { ...plan, fields: { ...plan.fields, error: reason } });
    return { withdrawn: true };
  });
}

/** Applies a campaign child control; the parent and the other children are not touched. */
export async function controlChild(teamId: string, parentId: string, name: string, action: ChildAction, now: Date) {
  const childId = childJobId(parentId, name);
  const ref = jobRef(childId);
  const at = Timestamp.fromDate(now);
  await db().runTransaction(async (tx) => {
    const parent = await ownedInTransaction(tx, teamId, parentId);
    const child = (await tx.get(ref)).data();
    if (!(parent.childNames ?? []).includes(name) || child === undefined || child.parentId !== parentId) {
      throw new NotFound("CHILD_NOT_FOUND", `The job has no child named ${name}.`);
    }
    const plan = planChildControl(childId, child, action, at);
    // A rerun settles dependencies in the same commit: its dependents stop being blocked by it.
    const requeue = action === "rerun" && plan.kind === "update" ? await prepareRequeue(tx, child, at) : null;
    // Skipping a child that had already ended (failed, cancelled) is not an end: no end hooks run
    // again; only its dependents stop waiting for it.
    const skipEnded =
      action === "skip" && plan.kind === "update" && !plan.ends ? await prepareDependents(tx, child) : null;
    const settled =
      requeue !== null && plan.kind === "update" ? { ...plan, fields: { ...plan.fields, ...requeue.fields } } : plan;
    await apply(tx, ref, child, settled);
    requeue?.write();
    skipEnded?.(child.status, { outcome: "SKIPPED", error: child.error });
  });
  const child = (await ref.get()).data();
  return child === undefined ? null : snapshotOf(childId, child);
}

async function apply(
  tx: Transaction,
  ref: DocumentReference<GenericJob>,
  job: GenericJob,
  plan: ControlPlan,
): Promise<void> {
  if (plan.kind === "noop") return;
  // Transactions read before they write: the end hook reads now and hands back its writes.
  const endWrites = plan.ends ? await prepareJobEnd(tx, ref.id, job) : undefined;
  tx.update(ref, plan.fields);
  endWrites?.(String(plan.fields.status), {
    outcome: typeof plan.fields.childOutcome === "string" ? plan.fields.childOutcome : null,
    error: typeof plan.fields.error === "string" ? plan.fields.error : null,
  });
}
