import type { DocumentReference, Transaction } from "firebase-admin/firestore";
import type { RunnerPrincipal } from "../../auth/authenticate";
import { jobs } from "../../data/jobs";
import { workspaces, type WorkspaceDoc } from "../../data/workspaces";
import { Conflict } from "../../http/errors";
import { assertHolds } from "../jobs/leaseGuard";
import { FINAL_STATUSES, type JobDoc } from "../jobs/model";

/** The seed 001 runner names a workspace, not a job: its active job is the one it must hold. */
export async function activeJobRef(
  workspaceId: string,
): Promise<{ ws: WorkspaceDoc; jobRef: DocumentReference<JobDoc> }> {
  const ws = (await workspaces().doc(workspaceId).get()).data();
  const jobId = ws?.activeJobId;
  if (ws === undefined || jobId === null || jobId === undefined) throw noActiveLease();
  return { ws, jobRef: jobs().doc(jobId) };
}

/**
 * The job a complete or fail names: `jobId` when the runner sends it (from its lease answer),
 * else the workspace's active job, or its last one once ended (so a retry after a lost answer
 * finds it). A `jobId` of another workspace's job, or of none, is 409 like any job not held.
 */
export async function endingJobRef(workspaceId: string, jobId: string | undefined): Promise<DocumentReference<JobDoc>> {
  if (jobId !== undefined) return jobs().doc(jobId);
  const ws = (await workspaces().doc(workspaceId).get()).data();
  const id = ws?.activeJobId ?? ws?.lastJobId;
  if (id === null || id === undefined)
    throw new Conflict("LEASE_NOT_HELD", "You hold no active lease on this workspace.");
  return jobs().doc(id);
}

/** A job read for ending must be this workspace's: a runner's `jobId` may not end another. */
export function assertJobOfWorkspace(job: JobDoc | undefined, workspaceId: string): void {
  if (job !== undefined && job.workspaceId !== workspaceId)
    throw new Conflict("LEASE_NOT_HELD", "That job is not this workspace's.");
}

/** Reads the job inside `tx` and checks the runner holds it now. */
export async function holdInTransaction(
  tx: Transaction,
  jobRef: DocumentReference<JobDoc>,
  runner: RunnerPrincipal,
  now: Date,
): Promise<JobDoc> {
  const job = (await tx.get(jobRef)).data();
  assertNotEnded(job);
  assertHolds(job, runner.instanceId, now);
  return job;
}

/**
 * The workspace's `activeJobId` still names its job after a completion (see workspaceState): a
 * job that has ended is no active job of the workspace, as when the field had been cleared.
 */
function assertNotEnded(job: JobDoc | undefined): void {
  if (job !== undefined && FINAL_STATUSES.includes(job.status)) throw noActiveLease();
}

function noActiveLease(): Conflict {
  return new Conflict("LEASE_NOT_HELD", "You hold no active lease on this workspace.");
}

/** Outside a transaction: for reads that only need the lease to be held when they start. */
export async function assertHoldsWorkspace(workspaceId: string, runner: RunnerPrincipal, now: Date) {
  const { ws, jobRef } = await activeJobRef(workspaceId);
  const job = (await jobRef.get()).data();
  assertNotEnded(job);
  assertHolds(job, runner.instanceId, now);
  return { ws, job, jobRef };
}
