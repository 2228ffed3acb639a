import type { DocumentReference, Query, Timestamp } from "firebase-admin/firestore";
import { COLLECTIONS } from "./collections";
import { db } from "./firestore";
import { runners, type RunnerDoc, type RunnerStatus } from "./runners";

/** Counts by queue key (`q` + hex of the queue label), then by name. */
export type QueueCounts = Record<string, Record<string, number>>;

/**
 * `metricShards/{teamId}~{n}`: one of a team's counter shards. Every write that changes a job's
 * state adds its delta to one shard picked at random (a hot team spreads over them); a scrape
 * reads all of them and adds up. Values are running sums: never reset.
 */
export interface MetricShardDoc {
  /** Jobs now in each gauge state (`pending`, `leased`, `paused`), per queue. */
  jobs?: QueueCounts;
  /** Jobs ended since metrics began, by outcome (`succeeded`, `failed`, `cancelled`), per queue. */
  finished?: QueueCounts;
  /** Leases the reaper found lapsed, per queue (`{ n }`). */
  expirations?: QueueCounts;
}

/**
 * `metricWindows/{teamId}~{window}~{n}`: a team's per-minute histograms and moves for one
 * 15-minute window (`window` = minutes since the epoch / 15), sharded like the counters. Each
 * map is keyed `m<minute since epoch>`, then by queue key. Deleted by the TTL on `expireAt`.
 */
export interface MetricWindowDoc {
  /** Wait samples (queued → first leased) by histogram bucket `b<i>`. */
  wait?: Record<string, QueueCounts>;
  /** Run samples (leased → ended) by histogram bucket `b<i>`. */
  run?: Record<string, QueueCounts>;
  /** Net change of each gauge state in the minute: the last hour's depth is rebuilt from them. */
  moves?: Record<string, QueueCounts>;
  /** Jobs ended in the minute, by outcome. */
  ends?: Record<string, QueueCounts>;
  /** When Firestore's TTL policy may delete it: well after the last hour stops reading it. */
  expireAt?: Timestamp;
}

export function metricShard(teamId: string, shard: number): DocumentReference<MetricShardDoc> {
  return db().collection(COLLECTIONS.metricShards).doc(`${teamId}~${shard}`);
}

export function metricWindow(teamId: string, window: number, shard: number): DocumentReference<MetricWindowDoc> {
  return db().collection(COLLECTIONS.metricWindows).doc(`${teamId}~${window}~${shard}`);
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
