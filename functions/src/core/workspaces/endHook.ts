import { Timestamp } from "firebase-admin/firestore";
import { workspaces } from "../../data/workspaces";
import type { JobEndHook } from "../jobs/jobEndHooks";

/** When a workspace job ends by any path (complete, fail, reaper, cancel), the workspace is freed. */
export const freeWorkspace: JobEndHook = async (tx, jobId, job) => {
  if (job.workspaceId === null) return () => undefined;
  const ref = workspaces().doc(job.workspaceId);
  const snap = await tx.get(ref);
  return (status) => {
    if (!snap.exists) return;
    const active = snap.get("activeJobId") as unknown;
    tx.update(ref, {
      ...(active === jobId ? { activeJobId: null } : {}),
      lastJobStatus: status,
      updatedAt: Timestamp.now(),
    });
  };
};
