import type { CollectionReference, DocumentReference, Query, Timestamp } from "firebase-admin/firestore";
import { HELD_STATUSES, type JobDoc, type JobStatus } from "./jobs";
import { COLLECTIONS } from "./collections";
import { db } from "./firestore";
import { jobs } from "./jobs";

export type RunnerStatus = "online" | "busy" | "offline";

/**
 * `runners/{teamId}:{runnerId}`: a seed 004 runner. Runner ids are chosen by the runner and two
 * owners may well both call theirs `runner-001`, so the document id is prefixed with the owner
 * (Firebase uids never contain `:`); answers show the runner's own id. What it holds is not
 * stored here: it is counted from the tasks (`heldJobsOf`), so claims and results write only
 * the tasks (documents written before may still carry the old `heldJobs` and `claimLock`).
 */
export interface RunnerDoc {
  /** The team whose key registered it; only its members (and its keys) see and touch it. */
  teamId: string;
  /** The user who minted the key that registered it first. */
  ownerUid: string;
  /** The id the runner chose (`x-runner-id`), unique per owner. */
  runnerId: string;
  /** Seed 003's integer id, from `counters/runnerSeq`, given once at first registration. */
  seq: number;
  /** The API key that registered it last. */
  credentialId: string;
  /** Human-readable name (`x-runner-name`, defaults to the id). */
  name: string;
  /** Runner software version (`x-runner-version`, defaults to `unknown`). */
  version: string;
  /** Operating system (`x-runner-os`, defaults to `unknown`). */
  os: string;
  /** CPU architecture (`x-runner-arch`, defaults to `unknown`). */
  arch: string;
  /** Tags a task may require (`x-runner-tags`); seed 003 calls them labels. */
  tags: string[];
  /** Most tasks it may hold at once (`x-runner-max-concurrency`). */
  maxConcurrency: number;
  /** Last state it reported, or `offline` once deregistered or reaped. */
  status: RunnerStatus;
  /** What its last heartbeat said it was running (`currentJobs`); informational. */
  reportedJobs: number;
  /** Last registration or heartbeat: the liveness clock the reaper reads. */
  lastHeartbeatAt: Timestamp;
  /** When it went offline; null while online or busy. The deletion clock. */
  offlineAt: Timestamp | null;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

/** `counters/runnerSeq`: the last seed 003 id handed out. */
export interface CounterDoc {
  /** Last value handed out (ids start at 1). */
  value: number;
}

export const RUNNER_SEQ_COUNTER = "runnerSeq";

export function runners(): CollectionReference<RunnerDoc> {
  return db().collection(COLLECTIONS.runners) as CollectionReference<RunnerDoc>;
}

export function runnerSeqCounter(): DocumentReference<CounterDoc> {
  return db().collection(COLLECTIONS.counters).doc(RUNNER_SEQ_COUNTER) as DocumentReference<CounterDoc>;
}

/** An owner's runners, most recent heartbeat first. Index: runners (teamId ASC, lastHeartbeatAt DESC). */
export function ownedRunnersByHeartbeat(teamId: string, limit: number): Query<RunnerDoc> {
  return runners().where("teamId", "==", teamId).orderBy("lastHeartbeatAt", "desc").limit(limit);
}

/** An owner's runners by seed 003 id. Index: runners (teamId ASC, seq ASC). */
export function ownedRunnersBySeq(teamId: string, limit: number): Query<RunnerDoc> {
  return runners().where("teamId", "==", teamId).orderBy("seq", "asc").limit(limit);
}

/** An owner's runners in one status by seed 003 id. Index: runners (teamId ASC, status ASC, seq ASC). */
export function ownedRunnersInStatus(teamId: string, status: RunnerStatus, limit: number): Query<RunnerDoc> {
  return runners().where("teamId", "==", teamId).where("status", "==", status).orderBy("seq", "asc").limit(limit);
}

/** The runner with a seed 003 id (unique across owners). Index: single-field `seq` (automatic). */
export function runnerBySeq(seq: number): Query<RunnerDoc> {
  return runners().where("seq", "==", seq).limit(1);
}

/** Live runners whose last heartbeat is at or before `cutoff`. Index: runners (status ASC, lastHeartbeatAt ASC). */
export function staleRunners(cutoff: Timestamp, batch: number): Query<RunnerDoc> {
  return runners()
    .where("status", "in", ["online", "busy"])
    .where("lastHeartbeatAt", "<=", cutoff)
    .orderBy("lastHeartbeatAt", "asc")
    .limit(batch);
}

/** Runners offline since at or before `cutoff`. Index: runners (status ASC, offlineAt ASC). */
export function longOfflineRunners(cutoff: Timestamp, batch: number): Query<RunnerDoc> {
  return runners()
    .where("status", "==", "offline")
    .where("offlineAt", "<=", cutoff)
    .orderBy("offlineAt", "asc")
    .limit(batch);
}

// Jobs seen from a runner: the queries on `jobs` that only the runner faces make.

/**
 * Jobs a runner holds now (expired-but-unreaped leases included: it may still be working on
 * them). Index: jobs (lease.holder ASC, status ASC).
 */
export function heldJobsOf(runnerDocId: string, limit: number): Query<JobDoc> {
  return jobs()
    .where("lease.holder", "==", runnerDocId)
    .where("status", "in", [...HELD_STATUSES])
    .limit(limit);
}

/**
 * Jobs a runner ran last (`ranBy`, set on every claim), newest first, optionally in some statuses.
 * Indexes: jobs (ranBy ASC, createdAt DESC) and jobs (ranBy ASC, status ASC, createdAt DESC).
 */
export function jobsRanBy(runnerDocId: string, statuses: readonly JobStatus[] | null): Query<JobDoc> {
  const base = jobs().where("ranBy", "==", runnerDocId);
  const filtered = statuses === null ? base : base.where("status", "in", [...statuses]);
  return filtered.orderBy("createdAt", "desc");
}
