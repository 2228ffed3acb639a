import { intParam, JOB_LEASE_MS } from "../../config/params";
import { jobs } from "../../data/jobs";
import { assertUnderQuota, runGuardedTransaction, teamPendingJobs } from "../quotas/guardCount";
import { QUOTAS } from "../quotas/quotas";
import { newJobDoc } from "../jobs/newJob";
import { backoffOf, runAtOf } from "../jobsApi/createJob";
import { recordTagSet } from "../jobs/tagSets";
import type { Owner } from "../teams/owner";
import { reviewQueue } from "./ids";
import { DEFAULT_JOB_LEASE_MS } from "./limits";
import type { ReviewJob, ReviewPayload } from "./reviewTask";

export interface NewReviewTask extends ReviewPayload {
  tags: string[];
  priority: number;
  maxAttempts?: number;
  /** Not claimed before `now + delayMs`, or before `runAt` (ISO; not both). */
  delayMs?: number;
  runAt?: string;
  /** Per-task backoff (first retry's wait, and its cap). */
  backoffMs?: number;
  backoffMaxMs?: number;
  /** Longest one lease of it may run: past it the task ends FAILED with TIMED_OUT. */
  timeoutMs?: number;
  /** At most `concurrencyLimit` (default 1) of the team's tasks with this key claimed at once. */
  concurrencyKey?: string;
  concurrencyLimit?: number;
}

/** Puts a review task in its team's queue, where only that team's runners claim it. */
export async function queueReviewTask(
  owner: Owner,
  input: NewReviewTask,
  now: Date,
): Promise<{ id: string; job: ReviewJob }> {
  const ref = jobs().doc();
  const payload = {
    repositoryUrl: input.repositoryUrl,
    branch: input.branch,
    commitSha: input.commitSha,
    files: input.files,
    aiConfig: input.aiConfig,
  };
  const job: ReviewJob = {
    ...newJobDoc(
      ref.id,
      {
        kind: "review",
        queue: reviewQueue(owner.teamId),
        teamId: owner.teamId,
        ownerUid: owner.uid,
        payload,
        tags: input.tags,
        priority: input.priority,
        maxAttempts: input.maxAttempts,
        leaseMs: intParam(JOB_LEASE_MS, DEFAULT_JOB_LEASE_MS),
        // The jobs API's queue semantics, read the same way (one implementation of each).
        runAt: runAtOf(input, now),
        backoff: backoffOf(input),
        timeoutMs: input.timeoutMs ?? null,
        concurrencyKey: input.concurrencyKey ?? null,
        concurrencyLimit: input.concurrencyLimit ?? null,
      },
      now,
    ),
    ranBy: null,
    phase: null,
    phaseAt: null,
    logSeq: 0,
  };
  await recordTagSet(job.queue, job.tags);
  const teamId = owner.teamId;
  await runGuardedTransaction(QUOTAS.pendingJobs, `team:${teamId}`, async (tx) => {
    await assertUnderQuota(tx, teamPendingJobs(teamId));
    tx.create(ref, job);
  });
  return { id: ref.id, job };
}
