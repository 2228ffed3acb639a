import type { CollectionReference, DocumentReference, Query, Timestamp } from "firebase-admin/firestore";
import type { LogStream } from "../../../contract/src/jobs";
import { jobs } from "./jobs";

export type { LogStream };

/**
 * Runner log lines, one shape for every face that stores them (seed 004's task logs, seed 002's
 * job logs): `jobs/{jobId}/logs/{seq}` ordered by `seq`, with the job's `logSeq` counter advanced
 * in the same transaction that writes the lines, so two appends can never hand out one number.
 */
export const LOGS_SUBCOLLECTION = "logs";

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

export function jobLogs(jobRef: DocumentReference): CollectionReference<JobLogDoc> {
  return jobRef.collection(LOGS_SUBCOLLECTION) as CollectionReference<JobLogDoc>;
}

/*
 * Job logs as the jobs API reads and writes them: beside the shared shapes above, the jobs API's
 * offset bookkeeping and the stream's query.
 */
export { LOG_STREAMS } from "../../../contract/src/jobs";

/** Fields on `jobs/{jobId}` the jobs API's log append keeps. */
export interface JobLogFields extends Required<JobLogCounter> {
  /**
   * How many lines the current lease's runner has sent (its client offset), keyed by lease token
   * so that a new lease counts from 0. A retried batch below `next` is not stored again.
   */
  logIntake: { token: string; next: number } | null;
}

/** Lines after `afterSeq`, in order. Index: single-field `seq` (automatic). */
export function logsAfter(jobId: string, afterSeq: number, limit: number): Query<JobLogDoc> {
  return jobLogs(jobs().doc(jobId)).where("seq", ">", afterSeq).orderBy("seq", "asc").limit(limit);
}
