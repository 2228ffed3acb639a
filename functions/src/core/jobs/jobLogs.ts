import type { DocumentReference, Timestamp, Transaction } from "firebase-admin/firestore";
import { limitOf, QuotaExceeded, QUOTAS } from "../quotas/quotas";
import { expireAtFrom } from "../retention/retention";

// The stored shapes of log lines and the job's counter live with their collection
// (data/jobLogs.ts); core uses them from here.
export { jobLogs, LOGS_SUBCOLLECTION, type JobLogCounter, type JobLogDoc, type LogStream } from "../../data/jobLogs";
import { jobLogs, type JobLogCounter, type LogStream } from "../../data/jobLogs";

export interface LogLine {
  line: string;
  stream: LogStream;
}

/** Zero-padded so that document-name order is `seq` order too. */
export function logDocId(seq: number): string {
  return String(seq).padStart(12, "0");
}

/**
 * Inside a transaction that has read `job`: writes `lines` after its last sequence number and
 * returns the job fields to write in that same transaction (merge them into the caller's one
 * update of the job, so the counter and the lines commit together).
 *
 * The job's `logSeq` is also its line count, so the MAX_LOG_LINES_PER_JOB quota costs no read:
 * past it an append is refused whole (429, nothing stored) — or, with `overQuota: "truncate"`
 * (a result that carries its last lines), only the lines that fit are kept.
 */
export function appendJobLogs(
  tx: Transaction,
  jobRef: DocumentReference,
  job: JobLogCounter,
  all: readonly LogLine[],
  at: Timestamp,
  overQuota: "refuse" | "truncate" = "refuse",
): { logSeq: number } {
  const stored = job.logSeq ?? 0;
  const limit = limitOf(QUOTAS.logLines);
  if (overQuota === "refuse" && stored + all.length > limit) throw new QuotaExceeded(QUOTAS.logLines, limit, "job");
  const lines = all.slice(0, Math.max(0, limit - stored));
  const first = stored + 1;
  lines.forEach((entry, i) => {
    const seq = first + i;
    tx.create(jobLogs(jobRef).doc(logDocId(seq)), {
      seq,
      line: entry.line,
      stream: entry.stream,
      at,
      expireAt: expireAtFrom(at),
    });
  });
  return { logSeq: stored + lines.length };
}
