import { Timestamp } from "firebase-admin/firestore";
import { db } from "../../data/firestore";
import { Conflict } from "../../http/errors";
import { appendJobLogs, type LogLine } from "../jobs/jobLogs";
import { holdInTransaction, type JobsRunner } from "./heldJob";
import { jobRef } from "./ownedJob";

export interface AppendLogsRequest {
  /** How many lines this runner sent under this lease before `lines[0]`. */
  offset: number;
  lines: readonly LogLine[];
}

export interface AppendLogsResult {
  /** Lines stored by this call. */
  accepted: number;
  /** Lines already stored by an earlier try of the same batch. */
  duplicates: number;
  /** The offset the runner's next batch should carry. */
  nextOffset: number;
  /** Sequence number of the job's last stored line. */
  lastSeq: number;
}

/**
 * Which part of a batch is new, given how many lines this lease already delivered: a retried
 * batch overlaps what is stored and only its tail (if any) is kept; a batch that starts past
 * what is stored means a batch went missing, and storing it would leave a hole.
 */
export function planLogIntake(received: number, offset: number, count: number): { skip: number } | { gap: true } {
  if (offset > received) return { gap: true };
  return { skip: Math.min(count, received - offset) };
}

/**
 * Appends the holder's batch of log lines. The lines take the job's next sequence numbers and
 * `logSeq` moves in the same transaction (the shared core/jobs/jobLogs shape), so a reader that
 * sees `logSeq = n` can read every line up to n. A retried batch is recognised by the runner's
 * offset, counted per lease token, and not stored twice.
 */
export async function appendRunnerLogs(
  runner: JobsRunner,
  jobId: string,
  token: string,
  request: AppendLogsRequest,
  now: Date,
): Promise<AppendLogsResult> {
  const ref = jobRef(jobId);
  return db().runTransaction(async (tx) => {
    const job = await holdInTransaction(tx, runner, jobId, token, now);
    const received = job.logIntake?.token === token ? job.logIntake.next : 0;
    const lastSeq = job.logSeq ?? 0;
    const plan = planLogIntake(received, request.offset, request.lines.length);
    if ("gap" in plan) {
      throw new Conflict(
        "LOG_OFFSET_GAP",
        `Lines before offset ${request.offset} are missing; resend from ${received}.`,
        { expectedOffset: received },
      );
    }
    const fresh = request.lines.slice(plan.skip);
    if (fresh.length === 0) return { accepted: 0, duplicates: request.lines.length, nextOffset: received, lastSeq };
    const at = Timestamp.fromDate(now);
    const { logSeq } = appendJobLogs(tx, ref, job, fresh, at);
    const nextOffset = request.offset + request.lines.length;
    tx.update(ref, { logSeq, logIntake: { token, next: nextOffset }, updatedAt: at });
    return { accepted: fresh.length, duplicates: plan.skip, nextOffset, lastSeq: logSeq };
  });
}
