import type { DocumentReference, Transaction } from "firebase-admin/firestore";
import { intParam, JOB_LEASE_MS } from "../../config/params";
import { liveDoc } from "../../data/live";
import { heldJobsOf, runners, type RunnerDoc } from "../../data/runners";
import { assert, Conflict, NotFound } from "../../http/errors";
import { pendingCandidates } from "../../data/jobs";
import { claimJobs } from "../jobs/claimJobs";
import { shardsOf } from "../jobs/model";
import { promoteDueJobsOf } from "../jobs/promoteDueJobs";
import { eligibleTagSets } from "../jobs/tagSets";
import { leaseOrWait } from "../jobs/leaseOrWait";
import type { Candidate } from "../jobs/queueWatch";
import { isQueuePaused } from "../jobs/queuePause";
import { reviewQueue, runnerDocId } from "./ids";
import { DEFAULT_JOB_LEASE_MS, MAX_HELD_SCAN } from "./limits";
import type { ReviewJob } from "./reviewTask";

export interface ClaimedTask {
  id: string;
  job: ReviewJob;
}

/**
 * Leases up to `limit` of the owner's pending review tasks to one runner, never more than its
 * free concurrency (`maxConcurrency` − tasks it holds), and only tasks whose tags it carries.
 *
 * Why no lock and no stored count: claimJobs writes each job on its own, so nothing else ties
 * "how many does this runner hold" to the claim. Here each lease is a transaction that reads the
 * runner and counts the tasks it holds (`admitTask`) before it writes the task: two claims of one
 * runner racing for its last slot both count the same holdings, and whichever commits second
 * finds its count changed (serializable isolation), aborts, counts again and stops. Nothing is
 * written but the tasks: no lock taken and dropped around each claim, no held count kept up to
 * date by results and reapers (readers count the tasks, see `countHeld`). Different runners
 * never wait on each other. With `waitMs`, a claim that finds nothing waits for a task (see
 * `leaseOrWait`).
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
  // The runner's tags pick the tag sets its wait watches.
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
  // Paused: nothing to claim, and no held-task count either (claimJobs checks too).
  if (await isQueuePaused(reviewQueue(teamId))) return [];
  const ref = runners().doc(runnerDocId(teamId, runnerId));
  // As this process's listener on it holds it (no read per poll); each lease reads it again in its
  // transaction (`admitTask`).
  const runner = (await liveDoc(ref)).data();
  assert(runner !== undefined, new NotFound("RUNNER_NOT_FOUND", "No such runner; register it first."));
  assertOnline(runner);
  // An empty poll answers here: nothing pending it may take, read after this call began. Jobs the
  // queue's watch offered a waiting call are work already.
  if (hint.length === 0 && !(await anyClaimable(teamId, runner.tags, now))) return [];
  // How many it may still take, as of now: sizes the claim's window. Each lease checks again (`admitTask`).
  const held = (await heldJobsOf(ref.id, MAX_HELD_SCAN).count().get()).data().count;
  const slots = Math.min(limit, Math.max(0, runner.maxConcurrency - held));
  if (slots === 0) return [];
  const claimed = await claimJobs({
    queue: reviewQueue(teamId),
    holder: ref.id,
    tags: runner.tags,
    limit: slots,
    leaseMs: intParam(JOB_LEASE_MS, DEFAULT_JOB_LEASE_MS),
    now,
    extra: () => ({ ranBy: ref.id, phase: null, phaseAt: null }),
    delayed: true,
    pausable: true,
    admit: (tx) => admitTask(tx, ref),
    hint,
  });
  return claimed.map((c): ClaimedTask => ({ id: c.id, job: c.job }));
}

/**
 * In the transaction that leases one task to the runner: whether it is still registered, not
 * offline, and holds fewer tasks than its `maxConcurrency`. Both reads must be unchanged when the
 * lease commits, so a concurrent claim, heartbeat or result of the same runner makes this one
 * count again.
 */
async function admitTask(tx: Transaction, ref: DocumentReference<RunnerDoc>): Promise<boolean> {
  const runner = (await tx.get(ref)).data();
  if (runner === undefined || runner.status === "offline") return false;
  const held = (await tx.get(heldJobsOf(ref.id, MAX_HELD_SCAN).count())).data().count;
  return held < runner.maxConcurrency;
}

function assertOnline(runner: RunnerDoc): void {
  assert(
    runner.status !== "offline",
    new Conflict("RUNNER_OFFLINE", "This runner is offline; register it again or send a heartbeat."),
  );
}

/** Whether the team's review queue holds a pending task a runner with `tags` may take (due delayed ones moved in first). */
async function anyClaimable(teamId: string, tags: readonly string[], now: Date): Promise<boolean> {
  const queue = reviewQueue(teamId);
  await promoteDueJobsOf(queue, now);
  const shards = shardsOf(queue, await eligibleTagSets(queue, tags));
  return (await pendingCandidates(shards, 1)).length > 0;
}
