import type { Timestamp } from "firebase-admin/firestore";
import type { JobLogCounter } from "../jobs/jobLogs";
import type { JobDoc, JobStatus } from "../jobs/model";
import { runnerIdOf } from "./ids";

import type { TaskPhase } from "../../../../contract/src/fleet";
import type { ReviewTask } from "../../../../contract/src/fleet";

export { TASK_PHASES, type TaskPhase } from "../../../../contract/src/fleet";

/** One changed file of the commit under review. */
export interface FileChange {
  path: string;
  status: "added" | "modified" | "removed" | "renamed";
  previousPath?: string;
  patch?: string;
  additions?: number;
  deletions?: number;
}

/** How the runner should run the review. */
export interface AiConfig {
  /** Which agent runs it, e.g. `claude-code` (seed 003 shows it as `agent_type_id`). */
  agentType: string;
  model?: string;
  /** Instructions for the agent (seed 003's `initial_prompt`). */
  prompt?: string;
  options?: Record<string, string | number | boolean>;
}

/** `payload` of a review job: what a claimed task carries (seed 004). */
export interface ReviewPayload {
  repositoryUrl: string;
  branch: string;
  commitSha: string;
  files: FileChange[];
  aiConfig: AiConfig;
}

/** Job fields only review tasks write, beside the core's. */
export interface ReviewJobFields extends JobLogCounter {
  /** Runner document (`teamId:runnerId`) that claimed it last: seed 003 lists it among that runner's pods. */
  ranBy?: string | null;
  /** Phase its holder reported last; reset to null on every claim. */
  phase?: TaskPhase | null;
  /** When `phase` was reported. */
  phaseAt?: Timestamp | null;
}

export type ReviewJob = JobDoc & ReviewJobFields;

/** Review payloads are written only by `queueReviewTask`, from the validated request. */
export function reviewPayload(job: JobDoc): ReviewPayload {
  return job.payload as unknown as ReviewPayload;
}

export function iso(at: Timestamp | null | undefined): string | null {
  return at === null || at === undefined ? null : at.toDate().toISOString();
}

/** A task as seed 004 answers it: the payload a runner needs, and where the task stands. */
export function taskView(id: string, job: ReviewJob): ReviewTask {
  const payload = reviewPayload(job);
  return {
    id,
    status: job.status.toLowerCase(),
    phase: job.phase ?? null,
    repositoryUrl: payload.repositoryUrl,
    branch: payload.branch,
    commitSha: payload.commitSha,
    files: payload.files,
    aiConfig: payload.aiConfig,
    tags: job.tags,
    priority: job.priority,
    attempts: job.attempts,
    maxAttempts: job.maxAttempts,
    // The holder while it is held, then the runner that finished it.
    runnerId: runnerOf(job),
    leaseExpiresAt: iso(job.lease?.expiresAt),
    result: job.result,
    error: job.error,
    createdAt: iso(job.createdAt),
    finishedAt: iso(job.finishedAt),
  };
}

function runnerOf(job: ReviewJob): string | null {
  const doc = job.lease?.holder ?? job.finishedBy;
  return doc === null || doc === undefined ? null : runnerIdOf(doc);
}

/** Seed 003 pod statuses, each standing for some job statuses. */
export const POD_STATUSES = {
  pending: ["PENDING"],
  running: ["LEASED", "RUNNING"],
  paused: ["PAUSED"],
  terminated: ["SUCCEEDED", "FAILED", "CANCELLED"],
} as const satisfies Record<string, readonly JobStatus[]>;
export type PodStatus = keyof typeof POD_STATUSES;
export const POD_STATUS_NAMES = Object.keys(POD_STATUSES) as PodStatus[];

export function podStatusOf(status: JobStatus): PodStatus {
  return POD_STATUS_NAMES.find((name) => (POD_STATUSES[name] as readonly JobStatus[]).includes(status)) ?? "pending";
}

/** A job as a seed 003 pod. */
export function podView(id: string, job: ReviewJob) {
  const ai = reviewPayload(job).aiConfig;
  return {
    key: id,
    status: podStatusOf(job.status),
    agent_type_id: ai.agentType,
    initial_prompt: ai.prompt ?? null,
    created_at: iso(job.createdAt),
  };
}
