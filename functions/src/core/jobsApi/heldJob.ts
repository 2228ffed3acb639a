import type { Transaction } from "firebase-admin/firestore";
import type { GenericJob } from "../../data/genericJobs";
import { assertHolds } from "../jobs/leaseGuard";
import { holderOf } from "./model";
import { ownedInTransaction, readOwnedJob } from "./ownedJob";

/** A runner as the jobs API knows it: the API key's owner and the id the runner gave itself. */
export interface JobsRunner {
  teamId: string;
  runnerId: string;
}

/** Reads the job inside `tx`: 404 unless it is the key owner's; 409 unless this runner holds it with `token`. */
export async function holdInTransaction(
  tx: Transaction,
  runner: JobsRunner,
  jobId: string,
  token: string,
  now: Date,
): Promise<GenericJob> {
  const job = await ownedInTransaction(tx, runner.teamId, jobId);
  assertHolds(job, holderOf(runner.teamId, runner.runnerId), now, token);
  return job;
}

/** The same check outside a transaction, before work that should not start without the lease (uploads). */
export async function assertHoldsNow(runner: JobsRunner, jobId: string, token: string, now: Date): Promise<GenericJob> {
  const { job } = await readOwnedJob(runner.teamId, jobId);
  assertHolds(job, holderOf(runner.teamId, runner.runnerId), now, token);
  return job;
}
