import { Timestamp } from "firebase-admin/firestore";
import type { RunnerPrincipal } from "../../auth/authenticate";
import { db } from "../../data/firestore";
import { prepareJobEnd } from "../jobs/jobEndHooks";
import { finalFields } from "../jobs/model";
import { activeJobRef, holdInTransaction } from "./heldWorkspaceJob";

export async function failWorkspaceJob(
  runner: RunnerPrincipal,
  workspaceId: string,
  error: string,
  now: Date,
): Promise<void> {
  const { jobRef } = await activeJobRef(workspaceId);
  await db().runTransaction(async (tx) => {
    const job = await holdInTransaction(tx, jobRef, runner, now);
    const endWrites = await prepareJobEnd(tx, jobRef.id, job);
    tx.update(jobRef, { ...finalFields("FAILED", Timestamp.fromDate(now)), error, finishedBy: runner.instanceId });
    endWrites("FAILED");
  });
}
