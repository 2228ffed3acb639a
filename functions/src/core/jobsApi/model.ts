import type { GenericJob, GenericJobFields } from "../../data/genericJobs";
import { newJobDoc } from "../jobs/newJob";
import { personalTeamId } from "../teams/ensurePersonalTeam";
import { FINAL_STATUSES, HELD_STATUSES, type JobStatus } from "../jobs/model";

export {
  MAX_ARTIFACT_BYTES,
  MAX_ARTIFACTS_PER_JOB,
  MAX_CHILDREN,
  MAX_MESSAGE_CHARS,
} from "../../../../contract/src/jobs";

/** Lease length when the JOB_LEASE_MS param is unset (unit tests). */
export const DEFAULT_JOB_LEASE_MS = 5 * 60 * 1000;
/** Messages posted but not yet delivered to a holder; more are refused until a heartbeat takes some. */
export const MAX_UNDELIVERED_MESSAGES = 100;
/** Messages one heartbeat answer carries; the rest come with the next heartbeat. */
export const MAX_MESSAGES_PER_HEARTBEAT = 20;

/** The queue a user's jobs-API jobs wait in; only that user's runners (API keys) lease from it. */
export function queueOf(teamId: string): string {
  return `generic/user:${teamId}`;
}

/**
 * The lease holder for a runner that names itself `runnerId` under `teamId`'s keys. The owner
 * prefix keeps two owners' runners that chose the same name apart.
 */
export function holderOf(teamId: string, runnerId: string): string {
  return `${teamId}:${runnerId}`;
}

/** The runner id inside a holder, for display (the owner part is the caller's own uid). */
export function runnerIdOf(holder: string): string {
  const at = holder.indexOf(":");
  return at < 0 ? holder : holder.slice(at + 1);
}

/**
 * A child's job id: the parent's id, a dash, the child's name. Parent ids are alphanumeric (see
 * `createJob`), so the first dash always splits them, and a control finds the child without a query.
 */
export function childJobId(parentId: string, name: string): string {
  return `${parentId}-${name}`;
}

export function isFinal(status: JobStatus): boolean {
  return FINAL_STATUSES.includes(status);
}

export function isHeld(status: JobStatus): boolean {
  return HELD_STATUSES.includes(status);
}

export interface GenericJobInput {
  /** Who created it. */
  ownerUid: string;
  /** The team it belongs to; defaults to the creator's personal team. */
  teamId?: string;
  type: string;
  workflowPath: string;
  params: Record<string, unknown>;
  tags?: string[];
  priority?: number;
  leaseMs: number;
  /** Not leased before this. */
  runAt?: Date | null;
  /** Leases (and retries) it may use before it ends FAILED. */
  maxAttempts?: number;
  /** Per-job backoff override. */
  backoff?: { baseMs: number; maxMs: number } | null;
  /** Longest one lease of it may run. */
  timeoutMs?: number | null;
  /** At most `concurrencyLimit` (default 1) of the team's jobs with this key leased at once. */
  concurrencyKey?: string | null;
  concurrencyLimit?: number | null;
}

/** Defaults of the jobs-API fields for a fresh job. */
export function genericFields(overrides: Partial<GenericJobFields> = {}): GenericJobFields {
  return {
    idempotencyKey: null,
    requestHash: null,
    parentId: null,
    childName: null,
    childNames: [],
    awaitingStart: false,
    childOutcome: null,
    reruns: 0,
    messageSeq: 0,
    messageDeliveredSeq: 0,
    artifactCount: 0,
    logSeq: 0,
    logIntake: null,
    ...overrides,
  };
}

/** A PENDING jobs-API job document (the shared newJobDoc plus the fields above). */
export function genericJobDoc(
  jobId: string,
  input: GenericJobInput,
  now: Date,
  overrides: Partial<GenericJobFields> = {},
): GenericJob {
  const base = newJobDoc(
    jobId,
    {
      kind: "generic",
      queue: queueOf(input.teamId ?? personalTeamId(input.ownerUid)),
      teamId: input.teamId ?? personalTeamId(input.ownerUid),
      ownerUid: input.ownerUid,
      payload: { type: input.type, workflowPath: input.workflowPath, params: input.params },
      tags: input.tags ?? [],
      priority: input.priority ?? 0,
      leaseMs: input.leaseMs,
      runAt: input.runAt ?? null,
      maxAttempts: input.maxAttempts,
      backoff: input.backoff ?? null,
      timeoutMs: input.timeoutMs ?? null,
      concurrencyKey: input.concurrencyKey ?? null,
      concurrencyLimit: input.concurrencyLimit ?? null,
    },
    now,
  );
  return { ...base, ...genericFields(overrides) };
}

/** The job's `type` (payload field). */
export function typeOf(job: GenericJob): string {
  // A webhook delivery's payload is `{ pluginId, headers, rawBody }`: its type is its kind.
  if (job.kind === "webhook" || job.kind === "llm" || job.kind === "rpc") return job.kind;
  return typeof job.payload.type === "string" ? job.payload.type : "";
}

export function workflowPathOf(job: GenericJob): string {
  return typeof job.payload.workflowPath === "string" ? job.payload.workflowPath : "";
}

export function paramsOf(job: GenericJob): Record<string, unknown> {
  const params = job.payload.params;
  return typeof params === "object" && params !== null && !Array.isArray(params)
    ? (params as Record<string, unknown>)
    : {};
}
