import { Timestamp } from "firebase-admin/firestore";
import { extendLease } from "../jobs/extendLease";
import { db } from "../../data/firestore";
import { timedOutConflict } from "../jobs/timeout";
import { assertTaskHeld, endedForTimeout, readOwnedTask } from "./heldTask";
import { taskView, type TaskPhase } from "./reviewTask";

/**
 * Records the holder's phase. The task is RUNNING from its first report on, and a report is
 * proof of life: the lease is extended by the job's lease length.
 */
export async function updateTaskPhase(
  teamId: string,
  taskId: string,
  runnerId: string | null,
  phase: TaskPhase,
  now: Date,
) {
  const answer = await db().runTransaction(async (tx) => {
    const { ref, job } = await readOwnedTask(tx, teamId, taskId);
    // Past its timeoutMs the holder's call ends the task (TIMED_OUT), answered 409 below.
    if (await endedForTimeout(tx, ref, job, teamId, runnerId, now)) return null;
    assertTaskHeld(job, teamId, runnerId, now);
    const at = Timestamp.fromDate(now);
    const expiresAt = extendLease(tx, ref, job, now, { status: "RUNNING", phase, phaseAt: at });
    const lease = job.lease === null ? null : { ...job.lease, expiresAt };
    return taskView(ref.id, {
      ...job,
      status: "RUNNING",
      phase,
      phaseAt: at,
      lease,
      leaseExpiresAt: expiresAt,
      updatedAt: at,
    });
  });
  if (answer === null) throw timedOutConflict();
  return answer;
}
