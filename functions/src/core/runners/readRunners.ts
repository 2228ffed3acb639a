import {
  jobsRanBy,
  ownedRunnersByHeartbeat,
  ownedRunnersBySeq,
  ownedRunnersInStatus,
  runnerBySeq,
  runners,
  type RunnerDoc,
} from "../../data/runners";
import { assert, NotFound } from "../../http/errors";
import { runnerDocId } from "./ids";
import { MAX_RUNNERS_LISTED } from "./limits";
import { isAvailable } from "./runnerViews";
import { POD_STATUSES, podView, type PodStatus, type ReviewJob } from "./reviewTask";

/** Seed 004's list: the owner's runners, most recent heartbeat first. */
export async function listRunnersByHeartbeat(teamId: string): Promise<RunnerDoc[]> {
  return (await ownedRunnersByHeartbeat(teamId, MAX_RUNNERS_LISTED).get()).docs.map((d) => d.data());
}

/** One of the owner's runners by its own id; anyone else's is 404. */
export async function getOwnedRunner(teamId: string, runnerId: string): Promise<RunnerDoc> {
  const runner = (await runners().doc(runnerDocId(teamId, runnerId)).get()).data();
  assert(runner !== undefined, new NotFound("RUNNER_NOT_FOUND", "No such runner."));
  return runner;
}

/** Seed 003's list: the owner's runners in id order. */
export async function listRunnersBySeq(teamId: string): Promise<RunnerDoc[]> {
  return (await ownedRunnersBySeq(teamId, MAX_RUNNERS_LISTED).get()).docs.map((d) => d.data());
}

/** Seed 003's available runners: online with a free slot. */
export async function listAvailableRunners(teamId: string): Promise<RunnerDoc[]> {
  const online = await ownedRunnersInStatus(teamId, "online", MAX_RUNNERS_LISTED).get();
  return online.docs.map((d) => d.data()).filter(isAvailable);
}

/** One of the owner's runners by seed 003 id; anyone else's is 404 like a missing one. */
export async function getRunnerBySeq(teamId: string, seq: number): Promise<RunnerDoc> {
  const runner = (await runnerBySeq(seq).get()).docs[0]?.data();
  assert(runner !== undefined && runner.teamId === teamId, new NotFound("RUNNER_NOT_FOUND", "No such runner."));
  return runner;
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
