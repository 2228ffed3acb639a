import type { CollectionReference, Query, Timestamp } from "firebase-admin/firestore";
import type { JobDoc } from "../core/jobs/model";
import { shardsOf } from "../core/jobs/model";
import { COLLECTIONS } from "./collections";
import { db } from "./firestore";

export function jobs(): CollectionReference<JobDoc> {
  return db().collection(COLLECTIONS.jobs) as CollectionReference<JobDoc>;
}

/**
 * Claim candidates: `pendingShard in [...]`, by priority then age.
 * Index: jobs (pendingShard ASC, priority DESC, enqueuedAt ASC).
 */
export function pendingCandidates(queue: string, window: number): Query<JobDoc> {
  return jobs()
    .where("pendingShard", "in", shardsOf(queue))
    .orderBy("priority", "desc")
    .orderBy("enqueuedAt", "asc")
    .limit(window);
}

/**
 * One shard's head (`pendingShard == <queue>#<n>`), by priority then age: what a claim reads
 * while other processes are claiming from the same queue. Same index as `pendingCandidates`.
 */
export function pendingCandidatesInShard(shard: string, window: number): Query<JobDoc> {
  return jobs()
    .where("pendingShard", "==", shard)
    .orderBy("priority", "desc")
    .orderBy("enqueuedAt", "asc")
    .limit(window);
}

/** Expired leases, oldest first. Index: single-field `leaseExpiresAt` (automatic). */
export function expiredLeases(now: Timestamp, batch: number): Query<JobDoc> {
  return jobs().where("leaseExpiresAt", "<=", now).orderBy("leaseExpiresAt", "asc").limit(batch);
}

/** One queue's jobs, newest first. Index: jobs (queue ASC, createdAt DESC) (also serves the jobs API's list). */
export function recentJobsOfQueue(queue: string, limit: number): Query<JobDoc> {
  return jobs().where("queue", "==", queue).orderBy("createdAt", "desc").limit(limit);
}
