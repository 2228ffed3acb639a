import type { RunnerPrincipal } from "../../auth/authenticate";
import { intParam, WORKSPACE_LEASE_MS } from "../../config/params";
import { workspaces } from "../../data/workspaces";
import { claimJobs, heldLease } from "../jobs/claimJobs";
import { leaseOrWait } from "../jobs/leaseOrWait";
import { DEFAULT_WORKSPACE_LEASE_MS } from "./queueGeneration";
import { workspaceQueue } from "./workspaceQueue";

export type LeaseAnswer =
  { leased: false } | { leased: true; workspaceId: string; leaseExpiresAt: number; workspace: Record<string, unknown> };

/** A global instance leases from the global pool; a user instance from its owner's pool only. With `waitMs`, waits for a job. */
export async function leaseWorkspaceJob(
  runner: RunnerPrincipal,
  waitMs: number,
  now: Date,
  signal?: AbortSignal,
): Promise<LeaseAnswer> {
  const queue = workspaceQueue(runner.pool, runner.teamId);
  const leaseMs = intParam(WORKSPACE_LEASE_MS, DEFAULT_WORKSPACE_LEASE_MS);
  const [claimed] = await leaseOrWait(
    { queue, tags: undefined, limit: 1, waitMs, signal, leaseOf: heldLease },
    (at, hint) => claimJobs({ queue, holder: runner.instanceId, limit: 1, leaseMs, now: at, hint }),
    now,
  );
  if (claimed === undefined || claimed.job.workspaceId === null) return { leased: false };
  const ws = (await workspaces().doc(claimed.job.workspaceId).get()).data();
  return {
    leased: true,
    workspaceId: claimed.job.workspaceId,
    leaseExpiresAt: claimed.lease.expiresAt.toMillis(),
    workspace: {
      id: claimed.job.workspaceId,
      title: ws?.title ?? null,
      idea: ws?.idea ?? null,
      messageCount: ws?.messageCount ?? 0,
      jobId: claimed.id,
      target: claimed.job.queue === "workspace/global" ? "global" : "user",
    },
  };
}
