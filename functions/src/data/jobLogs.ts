import type { CollectionReference, Query, Timestamp } from "firebase-admin/firestore";
import { COLLECTIONS } from "./collections";
import { db } from "./firestore";

/**
 * Job logs: `jobs/{jobId}/logs/{seq}`. The shape is shared by every face that stores runner
 * output (the jobs API, seed 004 task logs): one document per line, numbered by the job's
 * `logSeq` counter, which is advanced in the same transaction that writes the lines.
 */
export type LogStream = "stdout" | "stderr" | "log";
export const LOG_STREAMS: readonly LogStream[] = ["stdout", "stderr", "log"];

/** `jobs/{jobId}/logs/{seq zero-padded}`: one line of output. */
export interface LogLineDoc {
  /** Position in the job's log (1, 2, …); never reused, so it doubles as the SSE event id. */
  seq: number;
  /** The text, without its line terminator. */
  line: string;
  /** Which output it came from. */
  stream: LogStream;
  /** When the server stored it. */
  at: Timestamp;
}

/** Fields on `jobs/{jobId}` that the log append keeps (declared here, written by appendJobLogs). */
export interface JobLogFields {
  /** Sequence number of the last stored line; 0 before any. */
  logSeq: number;
  /**
   * How many lines the current lease's runner has sent (its client offset), keyed by lease token
   * so that a new lease starts counting from 0. A retried batch below `next` is not stored again.
   */
  logIntake: { token: string; next: number } | null;
}

/** Width of the zero-padded document id: ids then sort as the numbers do. */
const SEQ_ID_WIDTH = 12;

export function jobLogs(jobId: string): CollectionReference<LogLineDoc> {
  return db().collection(COLLECTIONS.jobs).doc(jobId).collection("logs") as CollectionReference<LogLineDoc>;
}

/** The line's document id: its sequence number, so a second write of one seq cannot succeed. */
export function logLineId(seq: number): string {
  return String(seq).padStart(SEQ_ID_WIDTH, "0");
}

/** Lines after `afterSeq`, in order. Index: single-field `seq` (automatic). */
export function logsAfter(jobId: string, afterSeq: number, limit: number): Query<LogLineDoc> {
  return jobLogs(jobId).where("seq", ">", afterSeq).orderBy("seq", "asc").limit(limit);
}
