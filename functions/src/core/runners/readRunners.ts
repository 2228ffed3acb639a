import {
  heldJobsOf,
  jobsRanBy,
  ownedRunnersByHeartbeat,
  ownedRunnersBySeq,
  ownedRunnersInStatus,
  runnerBySeq,
  runners,
  type RunnerDoc,
} from "../../data/runners";
import { ownedJobsPage } from "../../data/genericJobs";
import { assert, NotFound } from "../../http/errors";
import { HELD_STATUSES } from "../jobs/model";
import { reviewQueue, runnerDocId } from "./ids";
import { MAX_CONCURRENCY, MAX_HELD_SCAN, MAX_RUNNERS_LISTED } from "./limits";
import { isAvailable, type CountedRunner } from "./runnerViews";
import { POD_STATUSES, podView, type PodStatus, type ReviewJob } from "./reviewTask";

/** Held tasks one list reads at once before it counts runner by runner instead. */
const MAX_HELD_LISTED = 1_000;

/**
 * The runners with what each holds now, counted from the tasks (`heldJobsOf`). One runner: one
 * count (one billed read). Several: one query of the team's held review tasks, grouped by
 * holder (one read per task held, at least one), unless the team holds more than a list reads,
 * then a count per runner.
 */
export async function countHeld(teamId: string, list: RunnerDoc[]): Promise<CountedRunner[]> {
  const one = async (runner: RunnerDoc): Promise<CountedRunner> => ({
    ...runner,
    heldJobs: (await heldJobsOf(runnerDocId(teamId, runner.runnerId), MAX_HELD_SCAN).count().get()).data().count,
  });
  if (list.length <= 1) return Promise.all(list.map(one));
  const held = await ownedJobsPage({ queue: reviewQueue(teamId), statuses: HELD_STATUSES }, null, MAX_HELD_LISTED)
    .select("lease.holder")
    .get();
  if (held.size >= MAX_HELD_LISTED) return Promise.all(list.map(one));
  const byHolder = new Map<string, number>();
  for (const doc of held.docs) {
    const holder = doc.get("lease.holder") as unknown;
    if (typeof holder === "string") byHolder.set(holder, (byHolder.get(holder) ?? 0) + 1);
  }
  return list.map((runner) => ({ ...runner, heldJobs: byHolder.get(runnerDocId(teamId, runner.runnerId)) ?? 0 }));
}

/** Slots counted busy at most: the most tasks a team's runners may hold. */
const MAX_HELD_COUNTED = MAX_RUNNERS_LISTED * MAX_CONCURRENCY;

/** The team's review tasks held now by any of its runners: one aggregation (a read per 1,000). */
export async function countTasksHeld(teamId: string): Promise<number> {
  const held = ownedJobsPage({ queue: reviewQueue(teamId), statuses: HELD_STATUSES }, null, MAX_HELD_COUNTED);
  return (await held.count().get()).data().count;
}

/** Seed 004's list: the owner's runners, most recent heartbeat first. */
export async function listRunnersByHeartbeat(teamId: string): Promise<CountedRunner[]> {
  const list = (await ownedRunnersByHeartbeat(teamId, MAX_RUNNERS_LISTED).get()).docs.map((d) => d.data());
  return countHeld(teamId, list);
}

/** One of the owner's runners by its own id; anyone else's is 404. */
export async function getOwnedRunner(teamId: string, runnerId: string): Promise<CountedRunner> {
  const runner = (await runners().doc(runnerDocId(teamId, runnerId)).get()).data();
  assert(runner !== undefined, new NotFound("RUNNER_NOT_FOUND", "No such runner."));
  return counted(teamId, runner);
}

/** One runner with what it holds now. */
export async function counted(teamId: string, runner: RunnerDoc): Promise<CountedRunner> {
  const [one] = await countHeld(teamId, [runner]);
  assert(one !== undefined, new NotFound("RUNNER_NOT_FOUND", "No such runner."));
  return one;
}

/** Seed 003's list: the owner's runners in id order. */
export async function listRunnersBySeq(teamId: string): Promise<CountedRunner[]> {
  return countHeld(
    teamId,
    (await ownedRunnersBySeq(teamId, MAX_RUNNERS_LISTED).get()).docs.map((d) => d.data()),
  );
}

/** Seed 003's available runners: online with a free slot. */
export async function listAvailableRunners(teamId: string): Promise<CountedRunner[]> {
  const online = await ownedRunnersInStatus(teamId, "online", MAX_RUNNERS_LISTED).get();
  return (
    await countHeld(
      teamId,
      online.docs.map((d) => d.data()),
    )
  ).filter(isAvailable);
}

/** One of the owner's runners by seed 003 id; anyone else's is 404 like a missing one. */
export async function getRunnerBySeq(teamId: string, seq: number): Promise<CountedRunner> {
  const runner = (await runnerBySeq(seq).get()).docs[0]?.data();
  assert(runner !== undefined && runner.teamId === teamId, new NotFound("RUNNER_NOT_FOUND", "No such runner."));
  return counted(teamId, runner);
}

export interface PodPage {
  pods: ReturnType<typeof podView>[];
  total: number;
  limit: number;
  offset: number;
}

/** The tasks a runner ran last, newest first: one page, and how many there are in all. */
export async function listRunnerPods(
  teamId: string,
  seq: number,
  page: { status: PodStatus | null; limit: number; offset: number },
): Promise<PodPage> {
  const runner = await getRunnerBySeq(teamId, seq);
  const statuses = page.status === null ? null : POD_STATUSES[page.status];
  const query = jobsRanBy(runnerDocId(runner.teamId, runner.runnerId), statuses);
  const [count, docs] = await Promise.all([query.count().get(), query.offset(page.offset).limit(page.limit).get()]);
  return {
    pods: docs.docs.map((d) => podView(d.id, d.data() as ReviewJob)),
    total: count.data().count,
    limit: page.limit,
    offset: page.offset,
  };
}
