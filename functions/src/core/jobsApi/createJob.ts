import { createHash } from "node:crypto";
import { jobs } from "../../data/jobs";
import { MAX_DELAY_MS } from "../../../../contract/src/jobs";
import { assert, Conflict, InvalidArgument } from "../../http/errors";
import { DEFAULT_BACKOFF_MAX_MS, DEFAULT_BACKOFF_MS } from "../jobs/backoff";
import { canonicalJson } from "../jobs/canonicalJson";
import { recordTagSet } from "../jobs/tagSets";
import { faultPoint } from "../faults";
import { assertUnderQuota, runGuardedTransaction, teamPendingJobs } from "../quotas/guardCount";
import { QUOTAS } from "../quotas/quotas";
import type { Owner } from "../teams/owner";
import { planDependencies } from "./dependencies";
import { childJobId, genericJobDoc, queueOf } from "./model";
import { jobRef } from "./ownedJob";

export interface ChildSpec {
  name: string;
  type?: string;
  workflowPath?: string;
  params?: Record<string, unknown>;
  tags?: string[];
  priority?: number;
  /** `auto`: queued with the parent; `manual`: waits for `POST …/children/:name/start`. */
  start?: "auto" | "manual";
  /** Siblings this child waits for (see dependencies.ts). */
  dependsOn?: string[];
}

export interface CreateJobInput {
  type: string;
  workflowPath: string;
  params: Record<string, unknown>;
  tags?: string[];
  priority?: number;
  children?: ChildSpec[];
  /** Not leased before `now + delayMs`. */
  delayMs?: number;
  /** Not leased before this ISO time. */
  runAt?: string;
  maxAttempts?: number;
  backoffMs?: number;
  backoffMaxMs?: number;
  /** Longest one lease of it may run: past it the job ends FAILED with TIMED_OUT. */
  timeoutMs?: number;
  /** At most `concurrencyLimit` (default 1) of the team's jobs with this key leased at once (not its children). */
  concurrencyKey?: string;
  concurrencyLimit?: number;
}

export interface CreateJobResult {
  id: string;
  /** False when an idempotent retry found the job an earlier call made. */
  created: boolean;
}

/**
 * Creates a job (and its named children, in the same transaction).
 *
 * With an idempotency key the job id is derived from owner + key, so every retry addresses the
 * same document: the first commit creates it; a concurrent twin's transaction read the id as
 * absent, so it conflicts, retries, finds the job and compares request hashes. Without a key
 * the id is random. Either kind of id is alphanumeric, which `childJobId` relies on.
 */
export async function createJob(
  owner: Owner,
  input: CreateJobInput,
  idempotencyKey: string | null,
  leaseMs: number,
  now: Date,
): Promise<CreateJobResult> {
  const requestHash = hashRequest(input);
  const { teamId } = owner;
  const id = idempotencyKey === null ? jobs().doc().id : idempotentJobId(teamId, idempotencyKey);
  const ref = jobRef(id);
  const children = input.children ?? [];
  // Refused (400) before the transaction: nothing is written for unknown names or a cycle.
  const dependencies = planDependencies(children);
  const queue = queueOf(teamId);
  const runAt = runAtOf(input, now);
  const backoff = backoffOf(input);
  for (const tags of [input.tags ?? [], ...children.map((c) => c.tags ?? input.tags ?? [])])
    await recordTagSet(queue, tags);
  // Creates of one team meet on the count of its pending jobs (queued per instance, see guardCount).
  const result = await runGuardedTransaction(
    QUOTAS.pendingJobs,
    `team:${teamId}`,
    async (tx): Promise<CreateJobResult> => {
      const existing = (await tx.get(ref)).data();
      if (existing !== undefined) {
        // Only an idempotent id can already exist (random ids are 120 bits).
        if (existing.teamId === teamId && existing.requestHash === requestHash) return { id, created: false };
        throw new Conflict("IDEMPOTENCY_KEY_REUSED", "This idempotency key was already used for a different request.");
      }
      const queued = 1 + children.filter((c) => c.start !== "manual").length;
      await assertUnderQuota(tx, teamPendingJobs(teamId, queued));
      const common = { teamId, ownerUid: owner.uid, leaseMs };
      const parent = genericJobDoc(
        id,
        {
          ...common,
          type: input.type,
          workflowPath: input.workflowPath,
          params: input.params,
          tags: input.tags,
          priority: input.priority,
          runAt,
          maxAttempts: input.maxAttempts,
          backoff,
          timeoutMs: input.timeoutMs ?? null,
          concurrencyKey: input.concurrencyKey ?? null,
          concurrencyLimit: input.concurrencyLimit ?? null,
        },
        now,
        {
          idempotencyKey,
          requestHash,
          childNames: children.map((c) => c.name),
        },
      );
      tx.create(ref, parent);
      for (const child of children) {
        const cid = childJobId(id, child.name);
        const doc = genericJobDoc(
          cid,
          {
            ...common,
            type: child.type ?? input.type,
            workflowPath: child.workflowPath ?? input.workflowPath,
            params: child.params ?? {},
            tags: child.tags ?? input.tags,
            priority: child.priority ?? input.priority,
            // How each run is retried and bounded is the campaign's, for every child.
            maxAttempts: input.maxAttempts,
            backoff,
            timeoutMs: input.timeoutMs ?? null,
          },
          now,
          {
            parentId: id,
            childName: child.name,
            awaitingStart: child.start === "manual",
            ...dependencies.get(child.name),
          },
        );
        // A manual child waits out of the queue until `start`, one with dependencies until they are done.
        const waits = child.start === "manual" || (child.dependsOn ?? []).length > 0;
        const queuedDoc = waits ? { ...doc, status: "PAUSED" as const, pendingShard: null } : doc;
        tx.create(jobRef(cid), queuedDoc);
      }
      return { id, created: true };
    },
  );
  // Committed but not yet answered: the caller sees a dropped connection and retries.
  await faultPoint("createJob.afterCommit");
  return result;
}

/** When a job created now with `delayMs` or `runAt` may first be leased (null: at once). */
export function runAtOf(input: Pick<CreateJobInput, "delayMs" | "runAt">, now: Date): Date | null {
  if (input.delayMs !== undefined) return input.delayMs > 0 ? new Date(now.getTime() + input.delayMs) : null;
  if (input.runAt === undefined) return null;
  const at = new Date(input.runAt);
  assert(
    at.getTime() - now.getTime() <= MAX_DELAY_MS,
    new InvalidArgument("INVALID_ARGUMENT", "runAt is more than 30 days ahead."),
  );
  return at.getTime() > now.getTime() ? at : null;
}

/** The job's own backoff, when it sends one (either bound alone keeps the other's default). */
export function backoffOf(input: Pick<CreateJobInput, "backoffMs" | "backoffMaxMs">) {
  if (input.backoffMs === undefined && input.backoffMaxMs === undefined) return null;
  const baseMs = input.backoffMs ?? Math.min(DEFAULT_BACKOFF_MS, input.backoffMaxMs ?? DEFAULT_BACKOFF_MS);
  return { baseMs, maxMs: Math.max(baseMs, input.backoffMaxMs ?? DEFAULT_BACKOFF_MAX_MS) };
}

/** Alphanumeric (hex), prefixed so it can never equal a random 20-character id. */
export function idempotentJobId(teamId: string, key: string): string {
  return `k${createHash("sha256").update(`${teamId}\u0000${key}`, "utf8").digest("hex").slice(0, 40)}`;
}

/** SHA-256 of the request with object keys sorted: the same request in another key order matches. */
export function hashRequest(input: CreateJobInput): string {
  const normalised = {
    type: input.type,
    workflowPath: input.workflowPath,
    params: input.params,
    tags: input.tags ?? [],
    priority: input.priority ?? 0,
    children: input.children ?? [],
    delayMs: input.delayMs,
    runAt: input.runAt,
    maxAttempts: input.maxAttempts,
    backoffMs: input.backoffMs,
    backoffMaxMs: input.backoffMaxMs,
    timeoutMs: input.timeoutMs,
    concurrencyKey: input.concurrencyKey,
    concurrencyLimit: input.concurrencyLimit,
  };
  return createHash("sha256").update(canonicalJson(normalised), "utf8").digest("hex");
}
