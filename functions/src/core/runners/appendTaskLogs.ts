import { Timestamp } from "firebase-admin/firestore";
import { db } from "../../data/firestore";
import { extendLease } from "../jobs/extendLease";
import { appendJobLogs } from "../jobs/jobLogs";
import { timedOutConflict } from "../jobs/timeout";
import { assertTaskHeld, endedForTimeout, readOwnedTask } from "./heldTask";
import type { TaskLogsAnswer } from "../../../../contract/src/fleet";

/** Appends the holder's log lines after the task's last sequence number; extends its lease too. */
export async function appendTaskLogs(
  teamId: string,
  taskId: string,
  runnerId: string | null,
  lines: readonly string[],
  now: Date,
): Promise<TaskLogsAnswer> {
  const answer = await db().runTransaction(async (tx) => {
    const { ref, job } = await readOwnedTask(tx, teamId, taskId);
    // Past its timeoutMs the holder's call ends the task (TIMED_OUT), answered 409 below.
    if (await endedForTimeout(tx, ref, job, teamId, runnerId, now)) return null;
    assertTaskHeld(job, teamId, runnerId, now);
    const at = Timestamp.fromDate(now);
    const { logSeq } = appendJobLogs(
      tx,
      ref,
      job,
      lines.map((line) => ({ line, stream: "log" as const })),
      at,
    );
    extendLease(tx, ref, job, now, { logSeq });
    return { id: ref.id, appended: lines.length, firstSeq: logSeq - lines.length + 1, lastSeq: logSeq };
  });
  if (answer === null) throw timedOutConflict();
  return answer;
}
