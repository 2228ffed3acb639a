import type { Timestamp } from "firebase-admin/firestore";
import { expireAtFrom } from "../retention/retention";
// The stored shape of a job lives with its collection (data/jobs.ts); core uses it from here.
export { FINAL_STATUSES, HELD_STATUSES, type JobDoc, type JobKind, type JobStatus, type Lease } from "../../data/jobs";
import type { JobDoc } from "../../data/jobs";

/** Shards of the pending index per queue: spreads a hot queue's index writes over key ranges. */
export const PENDING_SHARDS = 4;
/** Default number of lease expirations a job survives before it is failed. */
export const DEFAULT_MAX_ATTEMPTS = 3;
/**
 * Shortest wait that parks a job in its queue's `later` shard. A shorter one is not worth the
 * trip (a claim looks at the later shard at most once a second per process): the job goes
 * straight back to its queue.
 */
export const LATER_MIN_MS = 1_000;

/**
 * A job's tag set as one string (sorted, deduplicated, JSON; "" for no tags): the pending index
 * keeps each tag set of a queue apart, so a runner reads only the sets it may take.
 */
export function tagSetKey(tags: readonly string[]): string {
  return tags.length === 0 ? "" : JSON.stringify([...new Set(tags)].sort());
}

/** The tags a tag-set key stands for. */
export function tagsOfKey(key: string): string[] {
  return key === "" ? [] : (JSON.parse(key) as string[]);
}

/**
 * `<queue>#<shard>` for an untagged job, `<queue>#<shard>#<tag set>` for a tagged one: the claim
 * query's equality field. The shard spreads a hot queue's index writes over key ranges.
 */
export function pendingShardFor(queue: string, jobId: string, tags: readonly string[]): string {
  let hash = 0;
  for (let i = 0; i < jobId.length; i++) hash = (hash * 31 + jobId.charCodeAt(i)) >>> 0;
  return shardKey(queue, hash % PENDING_SHARDS, tagSetKey(tags));
}

function shardKey(queue: string, shard: number, tagSet: string): string {
  return tagSet === "" ? `${queue}#${shard}` : `${queue}#${shard}#${tagSet}`;
}

/** Where a pending job waits until its `runAt`: one per queue, outside every claim's window. */
export function laterShardOf(queue: string): string {
  return `${queue}#later`;
}

/** A PENDING job whose `pendingShard` is this waits for its `runAt` (delayed, or backing off). */
export function isLaterShard(shard: string | null | undefined): boolean {
  return typeof shard === "string" && shard.endsWith("#later");
}

/** Every `pendingShard` value of a queue's tag sets (the untagged set is ""). */
export function shardsOf(queue: string, tagSets: readonly string[] = [""]): string[] {
  return tagSets.flatMap((set) => Array.from({ length: PENDING_SHARDS }, (_, i) => shardKey(queue, i, set)));
}

/**
 * Fields that put a job (back) in its queue; with a `runAt` at least LATER_MIN_MS away, in its
 * queue's later shard until then (`promoteDueJobs` moves it into the queue when due).
 */
export function pendingFields(
  job: Pick<JobDoc, "queue" | "tags">,
  jobId: string,
  now: Timestamp,
  runAt: Timestamp | null = null,
) {
  const later = runAt !== null && runAt.toMillis() - now.toMillis() >= LATER_MIN_MS;
  return {
    status: "PENDING" as const,
    pendingShard: later ? laterShardOf(job.queue) : pendingShardFor(job.queue, jobId, job.tags),
    runAt: later ? runAt : null,
    lease: null,
    leaseExpiresAt: null,
    timeoutAt: null,
    lastLeasedAt: null,
    updatedAt: now,
    // Queued again (resume, rerun): not to be deleted while it may still run.
    expireAt: null,
  };
}

/** Fields that end a job. */
export function finalFields(status: "SUCCEEDED" | "FAILED" | "CANCELLED", now: Timestamp) {
  return {
    status,
    pendingShard: null,
    lease: null,
    leaseExpiresAt: null,
    updatedAt: now,
    finishedAt: now,
    expireAt: expireAtFrom(now),
  };
}
