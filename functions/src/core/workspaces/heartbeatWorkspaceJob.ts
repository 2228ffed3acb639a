import type { RunnerPrincipal } from "../../auth/authenticate";
import { db } from "../../data/firestore";
import { extendLease } from "../jobs/extendLease";
import { activeJobRef, holdInTransaction } from "./heldWorkspaceJob";

/** Extends the lease by the job's lease length from now; 409 unless the caller holds it. */
export async function heartbeatWorkspaceJob(runner: RunnerPrincipal, workspaceId: string, now: Date) {
  const { jobRef } = await activeJobRef(workspaceId);
  return db().runTransaction(async (tx) => {
    const job = await holdInTransaction(tx, jobRef, runner, now);
    const expiresAt = extendLease(tx, jobRef, job, now, { status: "RUNNING" });
    return { leaseExpiresAt: expiresAt.toMillis() };
  });
}
