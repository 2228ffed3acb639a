import { Timestamp } from "firebase-admin/firestore";
import { intParam, WORKSPACE_LEASE_MS } from "../../config/params";
import type { RunnerPool } from "../../data/collections";
import { jobs } from "../../data/jobs";
import { workspaces } from "../../data/workspaces";
import { assert, Conflict, NotFound } from "../../http/errors";
import { newJobDoc } from "../jobs/newJob";
import { assertUnderQuota, runGuardedTransaction, teamPendingJobs } from "../quotas/guardCount";
import { QUOTAS } from "../quotas/quotas";
import { workspaceQueue } from "./workspaceQueue";
import { settleIn } from "./workspaceState";

export const DEFAULT_WORKSPACE_LEASE_MS = 10 * 60 * 1000;

/** Queues a generation for the workspace's `user` pool or the `global` pool; one active job at a time. */
export async function queueGeneration(teamId: string, workspaceId: string, target: RunnerPool, now: Date) {
  const ref = workspaces().doc(workspaceId);
  const jobRef = jobs().doc();
  const leaseMs = intParam(WORKSPACE_LEASE_MS, DEFAULT_WORKSPACE_LEASE_MS);
  return runGuardedTransaction(QUOTAS.pendingJobs, `team:${teamId}`, async (tx) => {
    const stored = (await tx.get(ref)).data();
    assert(stored !== undefined && stored.teamId === teamId, new NotFound("WORKSPACE_NOT_FOUND", "No such workspace."));
    // A completed job leaves the workspace pointing at it (see workspaceState): settled here, in this write.
    const ws = await settleIn(tx, stored);
    assert(
      ws.activeJobId === null,
      new Conflict("ACTIVE_JOB_EXISTS", "This workspace already has a job in progress.", { jobId: ws.activeJobId }),
    );
    await assertUnderQuota(tx, teamPendingJobs(teamId));
    const job = newJobDoc(
      jobRef.id,
      { kind: "workspace", queue: workspaceQueue(target, teamId), teamId, workspaceId, payload: { target }, leaseMs },
      now,
    );
    tx.create(jobRef, job);
    tx.update(ref, {
      messageSeq: ws.messageSeq,
      activeJobId: jobRef.id,
      lastJobId: jobRef.id,
      lastJobStatus: job.status,
      updatedAt: Timestamp.fromDate(now),
    });
    return { jobId: jobRef.id, status: job.status, target };
  });
}
