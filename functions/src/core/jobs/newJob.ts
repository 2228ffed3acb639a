import { Timestamp } from "firebase-admin/firestore";
import { queueLabel } from "../metrics/model";
import { DEFAULT_MAX_ATTEMPTS, pendingFields, type JobDoc, type JobKind } from "./model";

export interface NewJob {
  kind: JobKind;
  queue: string;
  teamId: string | null;
  ownerUid?: string | null;
  tenantId?: string | null;
  workspaceId?: string | null;
  payload: Record<string, unknown>;
  tags?: string[];
  priority?: number;
  maxAttempts?: number;
  leaseMs: number;
  /** Not leased before this (`delayMs`/`runAt` on create). */
  runAt?: Date | null;
  /** Per-job backoff override (base and cap, ms). */
  backoff?: { baseMs: number; maxMs: number } | null;
  /** Longest one lease of it may run (null: no limit). */
  timeoutMs?: number | null;
  /** At most `concurrencyLimit` (default 1) jobs of the team with this key leased at once. */
  concurrencyKey?: string | null;
  concurrencyLimit?: number | null;
}

/** A PENDING job document, ready to be written (alone or inside a caller's transaction). */
export function newJobDoc(jobId: string, input: NewJob, now: Date): JobDoc {
  const at = Timestamp.fromDate(now);
  const runAt = input.runAt === undefined || input.runAt === null ? null : Timestamp.fromDate(input.runAt);
  const queued = pendingFields({ queue: input.queue, tags: input.tags ?? [] }, jobId, at, runAt);
  return {
    kind: input.kind,
    queue: input.queue,
    pendingShard: queued.pendingShard,
    runAt: queued.runAt,
    backoff: input.backoff ?? null,
    timeoutMs: input.timeoutMs ?? null,
    timeoutAt: null,
    concurrencyKey: input.concurrencyKey ?? null,
    concurrencyLimit:
      input.concurrencyKey === undefined || input.concurrencyKey === null ? null : (input.concurrencyLimit ?? 1),
    status: "PENDING",
    priority: input.priority ?? 0,
    tags: input.tags ?? [],
    teamId: input.teamId,
    ownerUid: input.ownerUid ?? null,
    tenantId: input.tenantId ?? null,
    workspaceId: input.workspaceId ?? null,
    payload: input.payload,
    attempts: 0,
    maxAttempts: input.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    lease: null,
    leaseExpiresAt: null,
    leaseMs: input.leaseMs,
    enqueuedAt: at,
    createdAt: at,
    updatedAt: at,
    startedAt: null,
    finishedAt: null,
    result: null,
    error: null,
    control: { cancelRequested: false, pauseRequested: false },
    completionHash: null,
    finishedBy: null,
    finishedLease: null,
    queueLabel: queueLabel({ kind: input.kind, tags: input.tags ?? [] }),
    leaseExpirations: 0,
    lastLeasedAt: null,
  };
}
