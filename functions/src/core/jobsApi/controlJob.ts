import { Timestamp, type DocumentReference, type Transaction } from "firebase-admin/firestore";
import type { GenericJob } from "../../data/genericJobs";
import { db } from "../../data/firestore";
import { NotFound } from "../../http/errors";
import { prepareJobEnd } from "../jobs/jobEndHooks";
import type { JobStatus } from "../jobs/model";
import { countJobMove } from "../metrics/countJobMove";
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
    await apply(tx, ref, child, planChildControl(childId, child, action, at));
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
  endWrites?.(String(plan.fields.status));
  if (!plan.ends && typeof plan.fields.status === "string")
    countJobMove(tx, job, job.status, plan.fields.status as JobStatus, new Date());
}
