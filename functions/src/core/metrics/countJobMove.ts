import { FieldValue, Timestamp, type DocumentReference, type SetOptions } from "firebase-admin/firestore";
import { metricShard, metricWindow } from "../../data/metrics";
import type { JobDoc } from "../jobs/model";
import {
  bucketOf,
  gaugeStateOfJob,
  METRIC_SHARDS,
  type GaugedJob,
  minuteOf,
  outcomeOf,
  queueKey,
  queueLabel,
  WINDOW_KEEP_MS,
  windowOf,
} from "./model";

/** A transaction or a write batch: counters are written with the job's own write, atomically. */
export interface MetricWrites {
  set(ref: DocumentReference, data: Record<string, unknown>, options: SetOptions): unknown;
}

type Job = Pick<JobDoc, "kind" | "tags" | "teamId" | "status" | "enqueuedAt" | "startedAt" | "lease">;

/**
 * Counts a job moving from `from` to `to` (null: created, or deleted) in its team's metrics,
 * inside the write that moves it: each is the job's status with, for a PENDING job, its
 * `pendingShard` (the later shard counts as delayed), usually the job as read and the fields
 * written. `job` is the job as read before the move. Adds to one random
 * counter shard (gauges, outcome counters) and to the current minute of one histogram window
 * (a first lease's wait, an end's run time, the minute's moves). Jobs without a team (Coderunner
 * tenants' executions) are not counted: metrics are a team's.
 */
export function countJobMove(
  w: MetricWrites,
  job: Job,
  from: GaugedJob | null,
  to: GaugedJob | null,
  now: Date,
  opts: { leaseExpired?: boolean } = {},
): void {
  if (job.teamId === null) return;
  const fromState = from === null ? null : gaugeStateOfJob(from);
  const toState = to === null ? null : gaugeStateOfJob(to);
  const outcome = to === null || from?.status === to.status ? null : outcomeOf(to.status);
  const key = queueKey(queueLabel(job));
  const shard = Math.floor(Math.random() * METRIC_SHARDS);

  const gauges: Record<string, FieldValue> = {};
  if (fromState !== toState) {
    if (fromState !== null) gauges[fromState] = FieldValue.increment(-1);
    if (toState !== null) gauges[toState] = FieldValue.increment(1);
  }
  const counters: Record<string, unknown> = {};
  if (Object.keys(gauges).length > 0) counters.jobs = { [key]: gauges };
  if (outcome !== null) counters.finished = { [key]: { [outcome]: FieldValue.increment(1) } };
  if (opts.leaseExpired === true) counters.expirations = { [key]: { n: FieldValue.increment(1) } };
  if (Object.keys(counters).length === 0) return;
  w.set(metricShard(job.teamId, shard), counters, { merge: true });

  const minute = minuteOf(now.getTime());
  const m = `m${minute}`;
  const window: Record<string, unknown> = {};
  if (Object.keys(gauges).length > 0) window.moves = { [m]: { [key]: gauges } };
  if (outcome !== null) window.ends = { [m]: { [key]: { [outcome]: FieldValue.increment(1) } } };
  if (toState === "leased" && fromState !== "leased" && job.startedAt === null) {
    const wait = (now.getTime() - job.enqueuedAt.toMillis()) / 1000;
    window.wait = { [m]: { [key]: { [`b${bucketOf(wait)}`]: FieldValue.increment(1) } } };
  }
  const leasedAt = job.lease?.leasedAt ?? null;
  if (fromState === "leased" && outcome !== null && leasedAt !== null) {
    const run = (now.getTime() - leasedAt.toMillis()) / 1000;
    window.run = { [m]: { [key]: { [`b${bucketOf(run)}`]: FieldValue.increment(1) } } };
  }
  if (Object.keys(window).length === 0) return;
  window.expireAt = Timestamp.fromMillis(now.getTime() + WINDOW_KEEP_MS);
  w.set(metricWindow(job.teamId, windowOf(minute), shard), window, { merge: true });
}
