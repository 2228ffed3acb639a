import type { DocumentReference, Transaction } from "firebase-admin/firestore";
import type { RunnerPrincipal } from "../../auth/authenticate";
import { jobs } from "../../data/jobs";
import { workspaces, type WorkspaceDoc } from "../../data/workspaces";
import { Conflict } from "../../http/errors";
import { assertHolds } from "../jobs/leaseGuard";
import type { JobDoc } from "../jobs/model";

/** The seed 001 runner names a workspace, not a job: its active job is the one it must hold. */
export async function activeJobRef(
  workspaceId: string,
): Promise<{ ws: WorkspaceDoc; jobRef: DocumentReference<JobDoc> }> {
  const ws = (await workspaces().doc(workspaceId).get()).data();
  const jobId = ws?.activeJobId;
  if (ws === undefined || jobId === null || jobId === undefined) {
    throw new Conflict("LEASE_NOT_HELD", "You hold no active lease on this workspace.");
  }
  return { ws, jobRef: jobs().doc(jobId) };
}

/** Reads the job inside `tx` and checks the runner holds it now. */
export async function holdInTransaction(
  tx: Transaction,
  jobRef: DocumentReference<JobDoc>,
  runner: RunnerPrincipal,
  now: Date,
): Promise<JobDoc> {
  const job = (await tx.get(jobRef)).data();
  assertHolds(job, runner.instanceId, now);
  return job;
}

/** Outside a transaction: for reads that only need the lease to be held when they start. */
export async function assertHoldsWorkspace(workspaceId: string, runner: RunnerPrincipal, now: Date) {
  const { ws, jobRef } = await activeJobRef(workspaceId);
  const job = (await jobRef.get()).data();
  assertHolds(job, runner.instanceId, now);
  return { ws, job, jobRef };
}
