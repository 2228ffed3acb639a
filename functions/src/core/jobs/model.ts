import type { Timestamp } from "firebase-admin/firestore";
import { expireAtFrom } from "../retention/retention";

export type JobKind = "workspace" | "execution" | "review" | "generic" | "webhook";
export type JobStatus = "PENDING" | "LEASED" | "RUNNING" | "PAUSED" | "SUCCEEDED" | "FAILED" | "CANCELLED";
export const FINAL_STATUSES: readonly JobStatus[] = ["SUCCEEDED", "FAILED", "CANCELLED"];
export const HELD_STATUSES: readonly JobStatus[] = ["LEASED", "RUNNING"];

/** Shards of the pending index per queue: spreads a hot queue's index writes over key ranges. */
export const PENDING_SHARDS = 4;
/** Default number of lease expirations a job survives before it is failed. */
export const DEFAULT_MAX_ATTEMPTS = 3;

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
  /** `<queue>#<shard>` while PENDING, null otherwise: the claim query's equality field. */
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
}

export function pendingShardFor(queue: string, jobId: string): string {
  let hash = 0;
  for (let i = 0; i < jobId.length; i++) hash = (hash * 31 + jobId.charCodeAt(i)) >>> 0;
  return `${queue}#${hash % PENDING_SHARDS}`;
}

export function shardsOf(queue: string): string[] {
  return Array.from({ length: PENDING_SHARDS }, (_, i) => `${queue}#${i}`);
}

/** Fields that put a job (back) in its queue. */
export function pendingFields(queue: string, jobId: string, now: Timestamp) {
  return {
    status: "PENDING" as const,
    pendingShard: pendingShardFor(queue, jobId),
    lease: null,
    leaseExpiresAt: null,
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
