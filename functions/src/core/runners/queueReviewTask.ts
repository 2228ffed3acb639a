import { intParam, JOB_LEASE_MS } from "../../config/params";
import { jobs } from "../../data/jobs";
import { assertUnderQuota, runGuardedTransaction, teamPendingJobs } from "../quotas/guardCount";
import { QUOTAS } from "../quotas/quotas";
import { newJobDoc } from "../jobs/newJob";
import { recordTagSet } from "../jobs/tagSets";
import type { Owner } from "../teams/owner";
import { reviewQueue } from "./ids";
import { DEFAULT_JOB_LEASE_MS } from "./limits";
import type { ReviewJob, ReviewPayload } from "./reviewTask";
import { countJobMove } from "../metrics/countJobMove";

export interface NewReviewTask extends ReviewPayload {
  tags: string[];
  priority: number;
  maxAttempts?: number;
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
    await assertUnderQuota(tx, teamPendingJobs(teamId), now);
    tx.create(ref, job);
    countJobMove(tx, job, null, job, now);
  });
  return { id: ref.id, job };
}
