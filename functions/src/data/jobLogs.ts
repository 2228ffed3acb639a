import type { Query } from "firebase-admin/firestore";
import { jobLogs, type JobLogCounter, type JobLogDoc } from "../core/jobs/jobLogs";
import { jobs } from "./jobs";

/**
 * Job logs as the jobs API reads and writes them. The line documents (`jobs/{jobId}/logs/{seq}`)
 * and the `logSeq` counter are the shared shape of core/jobs/jobLogs.ts; this file adds the
 * jobs API's offset bookkeeping and the stream's query.
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
