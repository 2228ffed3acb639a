import { FieldPath, type Query, type Timestamp } from "firebase-admin/firestore";
import type { JobDoc, JobStatus } from "./jobs";
import type { JobLogFields } from "./jobLogs";
import { jobs } from "./jobs";

/** What a campaign child's control left behind when it ended the child without running it. */
export type ChildOutcome = "SKIPPED" | "ABANDONED";

/**
 * Fields the jobs API (seed 002, `kind: "generic"`) keeps on `jobs/{jobId}` beside the shared
 * JobDoc. Its payload is `{ type, workflowPath, params }`.
 */
export interface GenericJobFields extends JobLogFields {
  /** The caller's idempotency key, when the job was created with one. */
  idempotencyKey: string | null;
  /** SHA-256 of the canonical create request: a retry with another body is refused. */
  requestHash: string | null;
  /** Campaign children: the parent job's id; null for top-level jobs. */
  parentId: string | null;
  /** Campaign children: the child's name, unique within its parent. */
  childName: string | null;
  /** Campaign parents: the children's names in the order given at creation. */
  childNames: string[];
  /** A child created with `start: "manual"` waits (status PAUSED, out of the queue) for `start`. */
  awaitingStart: boolean;
  /** Set when `skip` or `abandon` ended a child; cleared by `rerun`. */
  childOutcome: ChildOutcome | null;
  /** How many times `rerun` put this child back in the queue. */
  reruns: number;
  /** Sequence number of the last message posted to the job. */
  messageSeq: number;
  /** Sequence number of the last message handed to a holder in a heartbeat answer. */
  messageDeliveredSeq: number;
  /** How many artifacts the job has (bounded by MAX_ARTIFACTS_PER_JOB). */
  artifactCount: number;
  /** Campaign children: sibling names this child waits for, as given at creation. */
  dependsOn?: string[];
  /** Campaign children: sibling names that depend on this child (the reverse edges, for end hooks). */
  dependents?: string[];
  /** Campaign children: dependencies not yet SUCCEEDED or skipped; the child waits (PAUSED) while any remain. */
  waitingOn?: string[];
  /** Campaign children: dependencies that ended otherwise (FAILED, cancelled), with why; cleared by their rerun or skip. */
  blockedBy?: BlockedBy[];
  /** The phases the runner reported for this run, in order. */
  phases?: string[];
  /** The phase the runner last reported being in. */
  phase?: string | null;
  /** Phase to start at when this run was queued again by a phase rerun; null for a run from the start. */
  startPhase?: string | null;
  /** A phase rerun asked of the holder, repeated in heartbeat answers until it acknowledges `seq`. */
  rerunPhase?: { phase: string; seq: number } | null;
  /** Sequence of phase-rerun requests on this job (the last one's `seq`). */
  rerunPhaseSeq?: number;
}

/** A dependency that ended without succeeding, which keeps its dependents waiting. */
export interface BlockedBy {
  /** The dependency's child name. */
  name: string;
  /** How it ended: FAILED or CANCELLED (cancelled or abandoned, not skipped). */
  status: string;
  /** Its error, when it gave one. */
  error: string | null;
}

export type GenericJob = JobDoc & GenericJobFields;

export interface JobListFilter {
  /** The owner's queue, `generic/user:<uid>`: one equality that means "this owner's jobs-API jobs". */
  queue: string;
  statuses?: readonly JobStatus[];
  type?: string;
}

/**
 * An owner's jobs, newest first, ties broken by id (descending) so that pages never overlap or
 * skip. Indexes (firestore.indexes.json): jobs (queue, createdAt DESC), (queue, status,
 * createdAt DESC), (queue, payload.type, createdAt DESC), (queue, status, payload.type,
 * createdAt DESC); `__name__` follows in the last field's direction.
 */
export function ownedJobsPage(
  filter: JobListFilter,
  after: { createdAt: Timestamp; id: string } | null,
  limit: number,
): Query<GenericJob> {
  let query = jobs().where("queue", "==", filter.queue) as Query<GenericJob>;
  if (filter.statuses !== undefined && filter.statuses.length > 0) {
    query =
      filter.statuses.length === 1
        ? query.where("status", "==", filter.statuses[0])
        : query.where("status", "in", filter.statuses);
  }
  if (filter.type !== undefined) query = query.where("payload.type", "==", filter.type);
  query = query.orderBy("createdAt", "desc").orderBy(FieldPath.documentId(), "desc");
  if (after !== null) query = query.startAfter(after.createdAt, after.id);
  return query.limit(limit);
}
