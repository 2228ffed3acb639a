import type { CollectionReference, Query, QueryDocumentSnapshot, Timestamp } from "firebase-admin/firestore";
import { COLLECTIONS } from "./collections";
import { db } from "./firestore";

export type JobKind = "workspace" | "execution" | "review" | "generic" | "webhook" | "llm" | "rpc";
export type JobStatus = "PENDING" | "LEASED" | "RUNNING" | "PAUSED" | "SUCCEEDED" | "FAILED" | "CANCELLED";
export const FINAL_STATUSES: readonly JobStatus[] = ["SUCCEEDED", "FAILED", "CANCELLED"];
export const HELD_STATUSES: readonly JobStatus[] = ["LEASED", "RUNNING"];

export interface Lease {
  /** Who holds it: a runner instance id (seed 001), runner id (seed 004) or credential id. */
  holder: string;
  /** Minted per claim; later calls that carry a token must present this one. */
  token: string;
  /** When the lease lapses unless extended by a heartbeat. */
  expiresAt: Timestamp;
  /** When this lease was taken. */
  leasedAt: Timestamp;
}

/** `jobs/{jobId}`: one queue for every kind of work. */
export interface JobDoc {
  /** What kind of work; decides which face serves it. */
  kind: JobKind;
  /** Who may lease it, e.g. `workspace/global`, `workspace/user:<uid>`, `review/user:<uid>`. */
  queue: string;
  /** `<queue>#<shard>[#<tag set>]` while PENDING (see `pendingShardFor`), null otherwise: the claim query's equality field. */
  pendingShard: string | null;
  /** Lifecycle state. */
  status: JobStatus;
  /** Higher is leased first. */
  priority: number;
  /** Tags a runner must carry to lease it. */
  tags: string[];
  /** The team whose job it is (null for tenant-scoped Coderunner work). */
  teamId: string | null;
  /** The uid that created it (for a key, the key's minter); null for work no person queued. */
  ownerUid: string | null;
  /** Seed 000 tenant (workspace UUID) for executions. */
  tenantId: string | null;
  /** Seed 001: the workspace this generation belongs to. */
  workspaceId: string | null;
  /** What the runner needs to do the work. */
  payload: Record<string, unknown>;
  /** Lease expirations so far (the reaper adds one per expiry). */
  attempts: number;
  /** After this many expirations the job fails instead of returning to the queue. */
  maxAttempts: number;
  /** The current lease, null when nobody holds the job. */
  lease: Lease | null;
  /** Copy of `lease.expiresAt` at top level: the reaper's range query field. */
  leaseExpiresAt: Timestamp | null;
  /** Lease length for this job's pool. */
  leaseMs: number;
  /** Orders the pending queue (oldest first within a priority). */
  enqueuedAt: Timestamp;
  createdAt: Timestamp;
  updatedAt: Timestamp;
  /** First lease. */
  startedAt: Timestamp | null;
  finishedAt: Timestamp | null;
  /** Free-form result written on success. */
  result: Record<string, unknown> | null;
  /** Short reason written on failure or cancellation. */
  error: string | null;
  /** Cooperative controls the holder learns in heartbeat answers. */
  control: { cancelRequested: boolean; pauseRequested: boolean };
  /** Hash of the accepted completion, so an identical retry by the holder is a no-op. */
  completionHash: string | null;
  /** Holder that finished it (for idempotent retries). */
  finishedBy: string | null;
  /**
   * Token of the lease that finished it: a holder identity can be shared (several runner
   * processes on one Coderunner key), a lease cannot, so only that lease's retry is a repeat.
   */
  finishedLease?: string | null;
  /** Set when it ends: Firestore's TTL policy deletes the job after this (see core/retention). */
  expireAt?: Timestamp | null;
  /** Not leased before this (`delayMs`/`runAt` on create, or a retry's backoff); null once due. */
  runAt?: Timestamp | null;
  /** Per-job backoff override: first retry's wait and its cap, in ms (null: the defaults). */
  backoff?: { baseMs: number; maxMs: number } | null;
  /** Longest a lease of it may run (`timeoutMs` on create; null: no limit). */
  timeoutMs?: number | null;
  /** While leased: when it times out (leasedAt + timeoutMs); leases never extend past it. */
  timeoutAt?: Timestamp | null;
  /** At most `concurrencyLimit` jobs of the team with this key are leased at once (null: no key). */
  concurrencyKey?: string | null;
  /** How many jobs with its key may be leased at once, this one included (default 1). */
  concurrencyLimit?: number | null;
  /**
   * The queue as metrics name it (`queueLabel`: face, then sorted tags, e.g. `jobs[gpu]`), set at
   * creation: `GET /api/metrics` counts a team's jobs per queue by it (absent on jobs from before).
   */
  queueLabel?: string;
  /** Leases of it the lease reaper found lapsed; never reset (not even by a rerun): a metrics counter. */
  leaseExpirations?: number;
  /** When its current or last lease was taken (null while queued): a run's start for the metrics. */
  lastLeasedAt?: Timestamp | null;
}

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
