import { Timestamp, type DocumentReference, type Query } from "firebase-admin/firestore";
import type { JobDoc, JobStatus } from "./jobs";
import { COLLECTIONS } from "./collections";
import { db } from "./firestore";
import { jobs } from "./jobs";
import { runners, type RunnerDoc, type RunnerStatus } from "./runners";

/** Counts by queue key (`q` + hex of the queue label), then by name. */
export type QueueCounts = Record<string, Record<string, number>>;

/**
 * `metricTallies/{teamId}`: what a team's finished-jobs and lease-expiration counters owe to jobs
 * that ended before `through`. Firestore's TTL deletes ended jobs (core/retention), so counters
 * summed over the jobs alone would fall; a scrape folds ended jobs into the tally about once an
 * hour (`foldEndedJobs`), long before their retention is up, and counts only the rest live.
 * Nothing else writes it; never reset.
 */
export interface MetricTallyDoc {
  /** Jobs that ended (`finishedAt`) before this are counted here; later ones from the jobs. */
  through: Timestamp;
  /** Per queue key: ended jobs by outcome (`succeeded`, `failed`, `cancelled`) and their `expirations`. */
  queues: QueueCounts;
}

export function metricTally(teamId: string): DocumentReference<MetricTallyDoc> {
  return db().collection(COLLECTIONS.metricTallies).doc(teamId) as DocumentReference<MetricTallyDoc>;
}

/**
 * The team's first queue label after `after` (null: the first): a skip scan, one billed read per
 * queue the team has, lists its queues without a registry anyone must write.
 * Index: jobs (teamId ASC, queueLabel ASC).
 */
export function nextQueueLabel(teamId: string, after: string | null): Query {
  const query = jobs().where("teamId", "==", teamId).orderBy("queueLabel", "asc");
  return (after === null ? query : query.startAfter(after)).select("queueLabel").limit(1);
}

/** A team's jobs of one queue (by `queueLabel`); the filters below narrow it. */
function queueJobs(teamId: string, label: string): Query<JobDoc> {
  return jobs().where("teamId", "==", teamId).where("queueLabel", "==", label);
}

/** A queue's jobs in some states, to count. Index: jobs (teamId ASC, queueLabel ASC, status ASC). */
export function queueJobsIn(teamId: string, label: string, statuses: readonly JobStatus[]): Query<JobDoc> {
  const q = queueJobs(teamId, label);
  return statuses.length === 1 ? q.where("status", "==", statuses[0]) : q.where("status", "in", [...statuses]);
}

/**
 * A queue's PENDING jobs waiting for their `runAt` (delayed, or backing off: `runAt` is set only
 * while the job waits in its queue's later shard). Index: jobs (teamId, queueLabel, status, runAt).
 */
export function queueDelayedJobs(teamId: string, label: string): Query<JobDoc> {
  return queueJobsIn(teamId, label, ["PENDING"]).where("runAt", ">", Timestamp.fromMillis(0));
}

/**
 * A queue's jobs that ended in `status` at or after `from` (and before `until`, if given).
 * Index: jobs (teamId ASC, queueLabel ASC, status ASC, finishedAt ASC).
 */
export function queueJobsEnded(
  teamId: string,
  label: string,
  status: JobStatus,
  from: Timestamp,
  until: Timestamp | null = null,
): Query<JobDoc> {
  const q = queueJobsIn(teamId, label, [status]).where("finishedAt", ">=", from);
  return until === null ? q : q.where("finishedAt", "<", until);
}

/**
 * A queue's jobs not ended (`finishedAt` null) whose lease lapsed at least once, to sum their
 * expirations. Index: jobs (teamId ASC, queueLabel ASC, finishedAt ASC, leaseExpirations ASC).
 */
export function queueOpenJobsExpired(teamId: string, label: string): Query<JobDoc> {
  return queueJobs(teamId, label).where("finishedAt", "==", null).where("leaseExpirations", ">", 0);
}

/** Job timestamps a scrape samples by: first lease, end, queueing. */
export type SampledTime = "startedAt" | "finishedAt" | "enqueuedAt";

/**
 * The team's jobs whose `field` is at or after `since`, newest first, `limit` at most, with only
 * `fields` read (so a partial `JobDoc`). Indexes: jobs (teamId ASC, startedAt DESC), (teamId ASC, finishedAt DESC),
 * (teamId ASC, enqueuedAt DESC).
 */
export function teamJobsSince(
  teamId: string,
  field: SampledTime,
  since: Timestamp,
  limit: number,
  fields: readonly string[],
): Query {
  return jobs()
    .where("teamId", "==", teamId)
    .where(field, ">=", since)
    .orderBy(field, "desc")
    .limit(limit)
    .select(...fields);
}

/**
 * A queue's jobs whose `field` is at or after `since`, to count when the team's sample was cut
 * short. Indexes: jobs (teamId ASC, queueLabel ASC, startedAt ASC), (…, finishedAt ASC).
 */
export function queueJobsSince(
  teamId: string,
  label: string,
  field: "startedAt" | "finishedAt",
  since: Timestamp,
): Query<JobDoc> {
  return queueJobs(teamId, label).where(field, ">=", since);
}

/**
 * A team's registered runners in some states, for count and sum aggregations (billed one read per
 * 1000 runners; the runners quota keeps a team under that by default). Index: runners (teamId
 * ASC, status ASC, seq ASC) serves it.
 */
export function teamRunnersIn(teamId: string, statuses: readonly RunnerStatus[]): Query<RunnerDoc> {
  return runners()
    .where("teamId", "==", teamId)
    .where("status", "in", [...statuses]);
}
