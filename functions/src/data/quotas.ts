import type { CollectionReference, DocumentReference, Query, Timestamp } from "firebase-admin/firestore";
import { COLLECTIONS } from "./collections";
import { credentials } from "./credentials";
import { db } from "./firestore";
import { jobs } from "./jobs";
import { runners } from "./runners";
import { workspaces } from "./workspaces";

/**
 * `quotas/{quota}:{scope}`: one document per quota and scope (`team:<teamId>`,
 * `tenant:<tenantId>`, `caller:<uid or credential id>`). A count-guarded create reads it (for an
 * operator's `limit`); pending-jobs creates only read it (they conflict through their count),
 * keys, runners and workspaces also bump `guardedCreates` so that racing creates conflict here
 * (see core/quotas/guardCount.ts). Stream slots and rate windows keep their state here.
 */
export interface QuotaDoc {
  /** Operator override of this scope's limit (absent: the param's value). Never written by the service. */
  limit?: number;
  /** Last stream opened (see streamSlots.ts); older documents also have it from guarded creates. */
  touchedAt?: Timestamp;
  /** Lock-guarded creates so far: bumped by each, so every one changes the document (see guardCount.ts). */
  guardedCreates?: number;
  /** Open SSE streams of a caller: stream id → when its slot lapses if never released (ms since epoch). */
  open?: Record<string, number>;
  /** Rate windows: start of the current window (ms since epoch). */
  windowStart?: number;
  /** Rate windows: events counted in the current window. */
  used?: number;
}

export function quotas(): CollectionReference<QuotaDoc> {
  return db().collection(COLLECTIONS.quotas);
}

export function quotaDoc(quota: string, scope: string): DocumentReference<QuotaDoc> {
  return quotas().doc(`${quota}:${scope}`);
}

// What each quota counts. Equality filters only: served by merging Firestore's automatic
// single-field indexes, no composite index needed. Counted with `limit(max).count()`, so a
// check costs at most one read per 1,000 entries up to the limit, however many there are.

/** A team's queued jobs (jobs API, fleet tasks, workspace jobs). */
export function pendingJobsOfTeam(teamId: string): Query {
  return jobs().where("teamId", "==", teamId).where("status", "==", "PENDING");
}

/** A Coderunner tenant's queued executions. */
export function pendingJobsOfTenant(tenantId: string): Query {
  return jobs().where("tenantId", "==", tenantId).where("status", "==", "PENDING");
}

/** A team's unrevoked credentials of every kind. */
export function activeKeysOfTeam(teamId: string): Query {
  return credentials().where("teamId", "==", teamId).where("revokedAt", "==", null);
}

/** A team's registered fleet runners. */
export function runnersOfTeam(teamId: string): Query {
  return runners().where("teamId", "==", teamId);
}

/** A team's workspaces. */
export function workspacesOfTeam(teamId: string): Query {
  return workspaces().where("teamId", "==", teamId);
}
