import type { RunnerPrincipal } from "../../auth/authenticate";
import { db } from "../../data/firestore";
import { endingHash, endJob } from "../jobs/endJob";
import { assertJobOfWorkspace, endingJobRef } from "./heldWorkspaceJob";

/** The 409 code both workspace endings answer when the holder already ended the job otherwise. */
export const ENDED_DIFFERENTLY = "ALREADY_COMPLETED";

/**
 * Ends the held job FAILED with the runner's reason. Repeating it as the holder (a retry after a
 * lost answer) answers ok and writes nothing, like a repeated complete.
 */
export async function failWorkspaceJob(
  runner: RunnerPrincipal,
  workspaceId: string,
  error: string,
  now: Date,
  jobId?: string,
): Promise<void> {
  const jobRef = await endingJobRef(workspaceId, jobId);
  await db().runTransaction(async (tx) => {
    const job = (await tx.get(jobRef)).data();
    assertJobOfWorkspace(job, workspaceId);
    await endJob(tx, jobRef, job, {
      holder: runner.instanceId,
      status: "FAILED",
      hash: endingHash(["fail", error]),
      conflictCode: ENDED_DIFFERENTLY,
      now,
      fields: () => ({ error }),
    });
  });
}
