import { Timestamp } from "firebase-admin/firestore";
import { workspaces } from "../../data/workspaces";
import type { JobEndHook } from "../jobs/jobEndHooks";

/**
 * When a workspace job fails or is cancelled (by the runner, the reaper, a person), the workspace
 * is freed in the same commit. A completion (SUCCEEDED) leaves the workspace as it is, to keep a
 * generation's writes few: readers settle it with the job (see workspaceState), and a stored
 * active job that has ended can then only have completed.
 */
export const freeWorkspace: JobEndHook = async (tx, jobId, job) => {
  if (job.workspaceId === null) return () => undefined;
  const ref = workspaces().doc(job.workspaceId);
  const snap = await tx.get(ref);
  return (status) => {
    if (!snap.exists || status === "SUCCEEDED") return;
    const active = snap.get("activeJobId") as unknown;
    tx.update(ref, {
      ...(active === jobId ? { activeJobId: null } : {}),
      lastJobStatus: status,
      updatedAt: Timestamp.now(),
    });
  };
};
