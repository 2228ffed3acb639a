import { Timestamp } from "firebase-admin/firestore";
import { db } from "../../data/firestore";
import { jobLogs, logLineId, type JobLogFields, type LogStream } from "../../data/jobLogs";
import { jobs } from "../../data/jobs";
import { Conflict } from "../../http/errors";
import { assertHolds } from "./leaseGuard";
import type { JobDoc } from "./model";

export interface LogLineInput {
  line: string;
  stream: LogStream;
}

export interface AppendLogsRequest {
  jobId: string;
  holder: string;
  /** The lease token; it also keys the runner's offset count (a new lease counts from 0). */
  token: string;
  /** How many lines this runner sent under this lease before `lines[0]`. */
  offset: number;
  lines: readonly LogLineInput[];
  now: Date;
  /** Face-specific visibility check (e.g. 404 for another owner's job), run before the fence. */
  check?: (job: JobDoc | undefined) => void;
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
 * Appends a batch of log lines for the lease holder: lines get the job's next sequence numbers
 * and the `logSeq` counter moves in the same transaction, so readers that see `logSeq = n` can
 * read every line up to n. Idempotent on retry through the runner's offset.
 */
export async function appendJobLogs(request: AppendLogsRequest): Promise<AppendLogsResult> {
  const jobRef = jobs().doc(request.jobId);
  return db().runTransaction(async (tx) => {
    const job = (await tx.get(jobRef)).data() as (JobDoc & Partial<JobLogFields>) | undefined;
    request.check?.(job);
    assertHolds(job, request.holder, request.now, request.token);
    const received = job.logIntake?.token === request.token ? job.logIntake.next : 0;
    const lastSeq = job.logSeq ?? 0;
    const plan = planLogIntake(received, request.offset, request.lines.length);
    if ("gap" in plan) {
      throw new Conflict("LOG_OFFSET_GAP", `Lines before offset ${request.offset} are missing; resend from ${received}.`, { expectedOffset: received });
    }
    const fresh = request.lines.slice(plan.skip);
    if (fresh.length === 0) return { accepted: 0, duplicates: request.lines.length, nextOffset: received, lastSeq };
    const at = Timestamp.fromDate(request.now);
    fresh.forEach((line, i) => {
      const seq = lastSeq + i + 1;
      // create(), not set(): a second write of one sequence number fails instead of overwriting.
      tx.create(jobLogs(request.jobId).doc(logLineId(seq)), { seq, line: line.line, stream: line.stream, at });
    });
    const nextOffset = request.offset + request.lines.length;
    const intake: JobLogFields = { logSeq: lastSeq + fresh.length, logIntake: { token: request.token, next: nextOffset } };
    tx.update(jobRef, { ...intake, updatedAt: at });
    return { accepted: fresh.length, duplicates: plan.skip, nextOffset, lastSeq: intake.logSeq };
  });
}
