import { createHash } from "node:crypto";
import { jobs } from "../../data/jobs";
import { Conflict } from "../../http/errors";
import { faultPoint } from "../faults";
import { assertUnderQuota, runGuardedTransaction, teamPendingJobs } from "../quotas/guardCount";
import { QUOTAS } from "../quotas/quotas";
import type { Owner } from "../teams/owner";
import { childJobId, genericJobDoc } from "./model";
import { jobRef } from "./ownedJob";
import { countJobMove } from "../metrics/countJobMove";

export interface ChildSpec {
  name: string;
  type?: string;
  workflowPath?: string;
  params?: Record<string, unknown>;
  tags?: string[];
  priority?: number;
  /** `auto`: queued with the parent; `manual`: waits for `POST …/children/:name/start`. */
  start?: "auto" | "manual";
}

export interface CreateJobInput {
  type: string;
  workflowPath: string;
  params: Record<string, unknown>;
  tags?: string[];
  priority?: number;
  children?: ChildSpec[];
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
  // Creates of one team meet on its pending-jobs quota document (queued per instance, see guardCount).
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
      await assertUnderQuota(tx, teamPendingJobs(teamId, queued), now);
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
        },
        now,
        {
          idempotencyKey,
          requestHash,
          childNames: children.map((c) => c.name),
        },
      );
      tx.create(ref, parent);
      countJobMove(tx, parent, null, parent.status, now);
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
          },
          now,
          { parentId: id, childName: child.name, awaitingStart: child.start === "manual" },
        );
        // A manual child waits out of the queue until `start`.
        const queuedDoc = child.start === "manual" ? { ...doc, status: "PAUSED" as const, pendingShard: null } : doc;
        tx.create(jobRef(cid), queuedDoc);
        countJobMove(tx, queuedDoc, null, queuedDoc.status, now);
      }
      return { id, created: true };
    },
  );
  // Committed but not yet answered: the caller sees a dropped connection and retries.
  await faultPoint("createJob.afterCommit");
  return result;
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
  };
  return createHash("sha256").update(canonicalJson(normalised), "utf8").digest("hex");
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
