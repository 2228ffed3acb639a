import type { Timestamp } from "firebase-admin/firestore";
import { expireAtFrom } from "../retention/retention";

export type JobKind = "workspace" | "execution" | "review" | "generic" | "webhook" | "llm" | "rpc";
export type JobStatus = "PENDING" | "LEASED" | "RUNNING" | "PAUSED" | "SUCCEEDED" | "FAILED" | "CANCELLED";
export const FINAL_STATUSES: readonly JobStatus[] = ["SUCCEEDED", "FAILED", "CANCELLED"];
export const HELD_STATUSES: readonly JobStatus[] = ["LEASED", "RUNNING"];

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
