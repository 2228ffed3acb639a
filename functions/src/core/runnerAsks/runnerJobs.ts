import { randomBytes } from "node:crypto";
import type { Transaction } from "firebase-admin/firestore";
import type { GenericJob } from "../../data/genericJobs";
import { jobs } from "../../data/jobs";
import { assertUnderQuota, teamPendingJobs } from "../quotas/guardCount";
import { newJobDoc } from "../jobs/newJob";
import { recordTagSet } from "../jobs/tagSets";
import { genericFields, queueOf } from "../jobsApi/model";

/**
 * Fields an `llm` job keeps beside the jobs-API ones: its output so far (the chunks are
 * `jobs/{jobId}/tokens/{seq}`) and its budget.
 */
export interface LlmFields {
  /** Chunks stored, in order from seq 0. */
  chunks: number;
  /** Output tokens so far: what the runner reported, and at least one a chunk. */
  outputTokens: number;
  /** Most output tokens this turn may use (the per-turn cap, or what is left of the session's). */
  maxOutputTokens: number;
  /** How many chunks the current lease's runner has sent (its offset), keyed by lease token. */
  intake: { token: string; next: number } | null;
  /** Set when the server cut the turn: `budget`. */
  stoppedFor: string | null;
}

export type LlmJob = GenericJob & { llm: LlmFields };

/** A fresh id for a job of the routes a runner answers (the same alphabet as jobs-API ids). */
export function newRunnerJobId(): string {
  return randomBytes(15).toString("base64url").replace(/[-_]/g, "x");
}

export interface RunnerJobInput {
  kind: "llm" | "rpc";
  teamId: string;
  /** Who asked: a uid or `apiKey:<credentialId>`. */
  actor: string;
  /** The routing tag a runner must offer (`cap:llm`, `plugin:github`). */
  offer: string;
  payload: Record<string, unknown>;
  leaseMs: number;
  /** Kind-specific fields written with it. */
  extra?: Record<string, unknown>;
}

/** Records the job's tag set first (outside any transaction): a job is never hidden from the runners that offer its tag. */
export async function prepareRunnerJob(input: RunnerJobInput): Promise<void> {
  await recordTagSet(queueOf(input.teamId), [input.offer]);
}

/**
 * Writes a PENDING job of the team's queue in `tx` (after the transaction's reads): one attempt
 * only (a turn or a request is not worth running twice), counted against the team's pending jobs.
 */
export async function queueRunnerJob(tx: Transaction, jobId: string, input: RunnerJobInput, now: Date): Promise<void> {
  await assertUnderQuota(tx, teamPendingJobs(input.teamId));
  const job = newJobDoc(
    jobId,
    {
      kind: input.kind,
      queue: queueOf(input.teamId),
      teamId: input.teamId,
      ownerUid: input.actor.startsWith("apiKey:") ? null : input.actor,
      payload: input.payload,
      tags: [input.offer],
      maxAttempts: 1,
      leaseMs: input.leaseMs,
    },
    now,
  );
  // `askedBy`: who asked (a uid or `apiKey:<credentialId>`), for the job's readers.
  const own: Record<string, unknown> = { ...(input.extra ?? {}), askedBy: input.actor };
  tx.create(jobs().doc(jobId), { ...job, ...genericFields(), ...own });
}

/** A turn's output tokens: the most of what its token posts counted and what its completion reported. */
export function turnOutputTokens(job: LlmJob): number {
  const usage = job.result?.usage;
  const reported =
    typeof usage === "object" && usage !== null ? (usage as { outputTokens?: unknown }).outputTokens : undefined;
  return Math.max(job.llm?.outputTokens ?? 0, typeof reported === "number" ? reported : 0);
}
