import { randomBytes } from "node:crypto";
import { Timestamp } from "firebase-admin/firestore";
import { intParam, JOB_LEASE_MS } from "../../config/params";
import { liveDoc } from "../../data/live";
import { heldJobsOf, runners } from "../../data/runners";
import { assert, Conflict, NotFound } from "../../http/errors";
import { pendingCandidates } from "../../data/jobs";
import { claimJobs, type ClaimedJob } from "../jobs/claimJobs";
import { shardsOf } from "../jobs/model";
import { promoteDueJobsOf } from "../jobs/promoteDueJobs";
import { eligibleTagSets } from "../jobs/tagSets";
import { leaseOrWait } from "../jobs/leaseOrWait";
import type { Candidate } from "../jobs/queueWatch";
import { isQueuePaused } from "../jobs/queuePause";
import { reviewQueue, runnerDocId } from "./ids";
import { runContendedTransaction } from "./contendedTransaction";
import { CLAIM_LOCK_MS, DEFAULT_JOB_LEASE_MS, MAX_HELD_SCAN } from "./limits";
import type { ReviewJob } from "./reviewTask";

export interface ClaimedTask {
  id: string;
  job: ReviewJob;
}

/**
 * Leases up to `limit` of the owner's pending review tasks to one runner, never more than its
 * free concurrency (`maxConcurrency` − tasks it holds), and only tasks whose tags it carries.
 *
 * Why a per-runner lock: claimJobs writes each job on its own, so nothing ties "how many does
 * this runner hold" to the claim. One claim per runner at a time (a lock field on the runner,
 * taken and dropped in single-document transactions, lapsing after CLAIM_LOCK_MS if a claim
 * dies) makes the count read under the lock exact: meanwhile the runner's holdings can only
 * shrink. Different runners never wait on each other. A second claim while one is in flight
 * gets nothing this time rather than waiting. With `waitMs`, a claim that finds nothing waits for
 * a task (see `leaseOrWait`).
 */
export async function claimReviewTasks(
  teamId: string,
  runnerId: string,
  limit: number,
  waitMs: number,
  now: Date,
  signal?: AbortSignal,
): Promise<ClaimedTask[]> {
  if (waitMs <= 0) return claimReviewTasksNow(teamId, runnerId, limit, now);
  // leaseOrWait tries the claim first itself: claiming here too would pay for an empty claim twice
  // (its runner-document lock and unlock are two writes).
  const tags = (await liveDoc(runners().doc(runnerDocId(teamId, runnerId)))).data()?.tags ?? [];
  return leaseOrWait(
    {
      queue: reviewQueue(teamId),
      tags,
      limit,
      waitMs,
      delayed: true,
      pausable: true,
      signal,
      leaseOf: (task) => ({ id: task.id, token: task.job.lease?.token ?? "" }),
    },
    (at, hint) => claimReviewTasksNow(teamId, runnerId, limit, at, hint),
    now,
  );
}

async function claimReviewTasksNow(
  teamId: string,
  runnerId: string,
  limit: number,
  now: Date,
  hint: Candidate[] = [],
): Promise<ClaimedTask[]> {
  // Paused: nothing to claim, so the runner's claim lock is not taken either (claimJobs checks too).
  if (await isQueuePaused(reviewQueue(teamId))) return [];
  const ref = runners().doc(runnerDocId(teamId, runnerId));
  // An empty poll answers without the lock below (two writes on the runner and a held-jobs
  // query): nothing pending it may take, read after this call began, is the same empty answer.
  // A missing or offline runner goes on to the lock, which says so.
  // The runner's document as this process's listener holds it (no read per poll); the lock below
  // reads it in its transaction. Offered jobs (a waiting call woken by the queue's watch) are work.
  const known = (await liveDoc(ref)).data();
  if (
    known !== undefined &&
    known.status !== "offline" &&
    hint.length === 0 &&
    !(await anyClaimable(teamId, known.tags, now))
  )
    return [];
  const token = randomBytes(12).toString("base64url");
  const at = Timestamp.fromDate(now);
  const grant = await runContendedTransaction(async (tx) => {
    const runner = (await tx.get(ref)).data();
    assert(runner !== undefined, new NotFound("RUNNER_NOT_FOUND", "No such runner; register it first."));
    assert(
      runner.status !== "offline",
      new Conflict("RUNNER_OFFLINE", "This runner is offline; register it again or send a heartbeat."),
    );
    if (runner.claimLock !== null && runner.claimLock.expiresAt.toMillis() > now.getTime()) return null;
    // Recounted from the jobs, inside this transaction: the stored count cannot drift past a claim.
    const held = (await tx.get(heldJobsOf(ref.id, MAX_HELD_SCAN))).size;
    const slots = Math.min(limit, Math.max(0, runner.maxConcurrency - held));
    if (slots === 0) {
      if (held !== runner.heldJobs) tx.update(ref, { heldJobs: held, updatedAt: at });
      return null;
    }
    tx.update(ref, {
      heldJobs: held,
      claimLock: { token, expiresAt: Timestamp.fromMillis(now.getTime() + CLAIM_LOCK_MS) },
      updatedAt: at,
    });
    return { slots, tags: runner.tags };
  });
  if (grant === null) return [];

  let claimed: ClaimedJob[] = [];
  try {
    claimed = await claimJobs({
      queue: reviewQueue(teamId),
      holder: ref.id,
      tags: grant.tags,
      limit: grant.slots,
      leaseMs: intParam(JOB_LEASE_MS, DEFAULT_JOB_LEASE_MS),
      now,
      extra: () => ({ ranBy: ref.id, phase: null, phaseAt: null }),
      delayed: true,
      pausable: true,
      hint,
    });
  } finally {
    await runContendedTransaction(async (tx) => {
      const runner = (await tx.get(ref)).data();
      if (runner === undefined) return;
      tx.update(ref, {
        // Read now, not at lock time: results may have ended some of its tasks meanwhile.
        heldJobs: runner.heldJobs + claimed.length,
        ...(runner.claimLock?.token === token ? { claimLock: null } : {}),
        updatedAt: at,
      });
    });
  }
  return claimed.map((c): ClaimedTask => ({ id: c.id, job: c.job }));
}

/** Whether the team's review queue holds a pending task a runner with `tags` may take (due delayed ones moved in first). */
async function anyClaimable(teamId: string, tags: readonly string[], now: Date): Promise<boolean> {
  const queue = reviewQueue(teamId);
  await promoteDueJobsOf(queue, now);
  const shards = shardsOf(queue, await eligibleTagSets(queue, tags));
  return (await pendingCandidates(shards, 1)).length > 0;
}
