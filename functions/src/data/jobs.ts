import type { CollectionReference, Query, QueryDocumentSnapshot, Timestamp } from "firebase-admin/firestore";
import type { JobDoc } from "../core/jobs/model";
import { COLLECTIONS } from "./collections";
import { db } from "./firestore";

export function jobs(): CollectionReference<JobDoc> {
  return db().collection(COLLECTIONS.jobs) as CollectionReference<JobDoc>;
}

/** Values one `in` filter may hold (Firestore's limit on disjunctions). */
export const MAX_IN_VALUES = 30;

/**
 * Claim candidates: the head of the given `pendingShard` values (a queue's shards of the tag sets
 * a runner may take), by priority then age, `window` at most. More values than one `in` filter
 * holds are read in chunks and merged.
 * Index: jobs (pendingShard ASC, priority DESC, enqueuedAt ASC).
 */
export async function pendingCandidates(
  shards: readonly string[],
  window: number,
): Promise<QueryDocumentSnapshot<JobDoc>[]> {
  const chunks: string[][] = [];
  for (let i = 0; i < shards.length; i += MAX_IN_VALUES) chunks.push(shards.slice(i, i + MAX_IN_VALUES));
  const reads = await Promise.all(chunks.map((chunk) => pendingHead(chunk, window).get()));
  if (reads.length === 1) return reads[0]?.docs ?? [];
  return reads
    .flatMap((snap) => snap.docs)
    .sort(byPriorityThenAge)
    .slice(0, window);
}

/** The claim order: higher priority first, then older (the order `pendingHead` reads in). */
export function byPriorityThenAge(a: QueryDocumentSnapshot<JobDoc>, b: QueryDocumentSnapshot<JobDoc>): number {
  return b.data().priority - a.data().priority || a.data().enqueuedAt.toMillis() - b.data().enqueuedAt.toMillis();
}

/** The head of up to MAX_IN_VALUES `pendingShard` values, by priority then age. Same index. */
export function pendingHead(shards: readonly string[], window: number): Query<JobDoc> {
  return jobs()
    .where("pendingShard", "in", shards)
    .orderBy("priority", "desc")
    .orderBy("enqueuedAt", "asc")
    .limit(window);
}

/**
 * A queue's delayed jobs that are due (`runAt <= now`), soonest first.
 * Index: jobs (pendingShard ASC, runAt ASC).
 */
export function dueLaterJobs(laterShard: string, now: Timestamp, batch: number): Query<JobDoc> {
  return jobs().where("pendingShard", "==", laterShard).where("runAt", "<=", now).orderBy("runAt", "asc").limit(batch);
}

/** A queue's next delayed job, due or not: what a waiting lease call sets its timer by. Same index. */
export function nextLaterJob(laterShard: string): Query<JobDoc> {
  return jobs().where("pendingShard", "==", laterShard).orderBy("runAt", "asc").limit(1);
}

/** Delayed jobs of every queue that are due, soonest first (the reaper's backstop). Index: single-field `runAt`. */
export function dueJobs(now: Timestamp, batch: number): Query<JobDoc> {
  return jobs().where("runAt", "<=", now).orderBy("runAt", "asc").limit(batch);
}

/** Expired leases, oldest first. Index: single-field `leaseExpiresAt` (automatic). */
export function expiredLeases(now: Timestamp, batch: number): Query<JobDoc> {
  return jobs().where("leaseExpiresAt", "<=", now).orderBy("leaseExpiresAt", "asc").limit(batch);
}

/** One queue's jobs, newest first. Index: jobs (queue ASC, createdAt DESC) (also serves the jobs API's list). */
export function recentJobsOfQueue(queue: string, limit: number): Query<JobDoc> {
  return jobs().where("queue", "==", queue).orderBy("createdAt", "desc").limit(limit);
}
