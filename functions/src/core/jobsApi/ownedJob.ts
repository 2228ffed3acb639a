import type { DocumentReference, DocumentSnapshot, Transaction } from "firebase-admin/firestore";
import type { GenericJob } from "../../data/genericJobs";
import { jobs } from "../../data/jobs";
import { NotFound } from "../../http/errors";
import type { JobDoc, JobKind } from "../jobs/model";
import { queueOf } from "./model";

/**
 * Kinds the jobs API serves: its own jobs, and webhook deliveries (core/webhooks), which wait in
 * the same team queue so that the same runners lease, heartbeat and finish them, and the turns
 * and requests of the routes a runner answers (core/runnerAsks: `llm`, `rpc`).
 */
export const JOBS_API_KINDS: readonly JobKind[] = ["generic", "webhook", "llm", "rpc"];

/**
 * Whether `teamId` may see the job. Someone else's job, or one of another face's kinds, is
 * answered exactly like a missing one: callers learn nothing about ids that are not theirs.
 */
export function assertVisible(job: JobDoc | undefined, teamId: string): asserts job is GenericJob {
  if (job === undefined || !JOBS_API_KINDS.includes(job.kind) || job.queue !== queueOf(teamId)) {
    throw new NotFound("JOB_NOT_FOUND", "No such job.");
  }
}

export function jobRef(jobId: string): DocumentReference<GenericJob> {
  return jobs().doc(jobId) as DocumentReference<GenericJob>;
}

export async function readOwnedJob(
  teamId: string,
  jobId: string,
): Promise<{ snap: DocumentSnapshot<GenericJob>; job: GenericJob }> {
  const snap = await jobRef(jobId).get();
  const job = snap.data();
  assertVisible(job, teamId);
  return { snap, job };
}

export async function ownedInTransaction(tx: Transaction, teamId: string, jobId: string): Promise<GenericJob> {
  const job = (await tx.get(jobRef(jobId))).data();
  assertVisible(job, teamId);
  return job;
}
