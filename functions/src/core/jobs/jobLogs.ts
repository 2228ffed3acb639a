import type { CollectionReference, DocumentReference, Timestamp, Transaction } from "firebase-admin/firestore";
import { limitOf, QuotaExceeded, QUOTAS } from "../quotas/quotas";
import { expireAtFrom } from "../retention/retention";

/**
 * Runner log lines, one shape for every face that stores them (seed 004's task logs, seed 002's
 * job logs): `jobs/{jobId}/logs/{seq}` ordered by `seq`, with the job's `logSeq` counter advanced
 * in the same transaction that writes the lines, so two appends can never hand out one number.
 */
export const LOGS_SUBCOLLECTION = "logs";

import type { LogStream } from "../../../../contract/src/jobs";

export type { LogStream };

/** `jobs/{jobId}/logs/{seq, zero-padded}`: one line of a job's log. */
export interface JobLogDoc {
  /** Position in the job's log (1, 2, …): orders the lines, strictly increasing per job. */
  seq: number;
  /** The line as the runner sent it. */
  line: string;
  /** Which output it came from; `log` when the runner does not say. */
  stream: LogStream;
  /** When the server stored it. */
  at: Timestamp;
  /** Firestore's TTL policy deletes the line after this (`at` + retention; see core/retention). */
  expireAt?: Timestamp;
}

/** The job-document field beside the core's: the last `seq` handed out (absent means none yet). */
export interface JobLogCounter {
  /** Last log sequence number written for this job; 0 or absent before the first line. */
  logSeq?: number;
}

export interface LogLine {
  line: string;
  stream: LogStream;
}

export function jobLogs(jobRef: DocumentReference): CollectionReference<JobLogDoc> {
  return jobRef.collection(LOGS_SUBCOLLECTION) as CollectionReference<JobLogDoc>;
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
