import { Timestamp } from "firebase-admin/firestore";
import { db } from "../../data/firestore";
import { runners } from "../../data/runners";
import { assert, NotFound } from "../../http/errors";
import { runnerDocId } from "./ids";
import { counted } from "./readRunners";
import { releaseRunnerJobs } from "./releaseRunnerJobs";
import type { CountedRunner } from "./runnerViews";

/** Marks the runner offline and gives its tasks back to the queue. Repeating it is harmless. */
export async function deregisterRunner(teamId: string, runnerId: string, now: Date): Promise<CountedRunner> {
  const ref = runners().doc(runnerDocId(teamId, runnerId));
  const at = Timestamp.fromDate(now);
  await db().runTransaction(async (tx) => {
    const runner = (await tx.get(ref)).data();
    assert(runner !== undefined, new NotFound("RUNNER_NOT_FOUND", "No such runner."));
    tx.update(ref, { status: "offline", offlineAt: runner.offlineAt ?? at, updatedAt: at });
  });
  await releaseRunnerJobs(ref, now);
  const after = (await ref.get()).data();
  assert(after !== undefined, new NotFound("RUNNER_NOT_FOUND", "No such runner."));
  return counted(teamId, after);
}
