import type { GenericJob } from "../../data/genericJobs";
import { claimJobs, type ClaimedJob } from "../jobs/claimJobs";
import { leaseOrWait } from "../jobs/leaseOrWait";
import type { Candidate } from "../jobs/queueWatch";
import type { JobsRunner } from "./heldJob";
import { holderOf, paramsOf, queueOf, typeOf, workflowPathOf } from "./model";
import { releaseJob } from "./releaseJob";
import type { LeasedJob } from "../../../../contract/src/jobs";
import { webhookPayloadOf } from "../webhooks/webhookPayload";

export { MAX_LEASE_BATCH } from "../../../../contract/src/jobs";

export interface LeaseRequest {
  tags: string[];
  limit: number;
  leaseMs: number;
  /** How long to wait for work when none is leasable now (0: answer at once). */
  waitMs: number;
  /** Aborts when the caller has gone: the wait ends, and a job taken after that goes back. */
  signal?: AbortSignal;
}

/** What a runner gets per leased job: the work, the lease token every later call must carry. */
export function leasedJobView(claimed: ClaimedJob): LeasedJob {
  const job = claimed.job as GenericJob;
  return {
    id: claimed.id,
    kind: job.kind === "webhook" || job.kind === "llm" || job.kind === "rpc" ? job.kind : "generic",
    leaseToken: claimed.lease.token,
    leaseExpiresAt: claimed.lease.expiresAt.toDate().toISOString(),
    type: typeOf(job),
    workflowPath: workflowPathOf(job),
    params: paramsOf(job),
    tags: job.tags,
    priority: job.priority,
    attempts: job.attempts,
    maxAttempts: job.maxAttempts,
    parentId: job.parentId ?? null,
    childName: job.childName ?? null,
    /** Where the runner's log offsets start for this lease. */
    logOffset: 0,
    startPhase: job.startPhase ?? null,
  };
}

/**
 * Leases up to `limit` of the owner's pending jobs whose tags the runner carries. A job that
 * comes back to the queue with a cancel or pause still requested (its previous holder's lease
 * lapsed before it acted) is settled here instead of being handed out. With `waitMs`, waits for
 * work (see `leaseOrWait`).
 */
export async function leaseJobs(runner: JobsRunner, request: LeaseRequest, now: Date) {
  const queue = queueOf(runner.teamId);
  const jobs = await leaseOrWait(
    {
      queue,
      tags: request.tags,
      limit: request.limit,
      waitMs: request.waitMs,
      delayed: true,
      pausable: true,
      signal: request.signal,
      leaseOf: (job: LeasedJob) => ({ id: job.id, token: job.leaseToken }),
    },
    (at, hint) => leaseNow(runner, queue, request, at, hint),
    now,
  );
  return { jobs };
}

async function leaseNow(runner: JobsRunner, queue: string, request: LeaseRequest, now: Date, hint: Candidate[]) {
  const claimed = await claimJobs({
    queue,
    holder: holderOf(runner.teamId, runner.runnerId),
    tags: request.tags,
    limit: request.limit,
    leaseMs: request.leaseMs,
    now,
    delayed: true,
    pausable: true,
    hint,
  });
  const handedOut: ReturnType<typeof leasedJobView>[] = [];
  for (const c of claimed) {
    const { cancelRequested, pauseRequested } = c.job.control;
    if (cancelRequested || pauseRequested) {
      await releaseJob(runner, c.id, c.lease.token, cancelRequested ? "CANCELLED" : "PAUSED", now);
      continue;
    }
    const view = leasedJobView(c);
    if (view.kind === "webhook") handedOut.push({ ...view, payload: await webhookPayloadOf(c.job.payload) });
    // An intake turn's chat, an rpc request: stored as the runner reads them (core/runnerAsks).
    else if (view.kind === "llm" || view.kind === "rpc") handedOut.push({ ...view, payload: c.job.payload as never });
    else handedOut.push(view);
  }
  return handedOut;
}
