/**
 * The bench's own line to the stack's Firestore: firebase-admin for seeding and checking, and
 * the offline Firestore's operation counters (`/emulator/v1/stats`) for cost figures.
 */
import { getApps, initializeApp } from "firebase-admin/app";
import type { Query } from "firebase-admin/firestore";
import { db } from "../../functions/src/data/firestore";
import { jobs } from "../../functions/src/data/jobs";
import { shardsOf, type JobDoc } from "../../functions/src/core/jobs/model";
import { PROJECT_ID } from "../../scripts/stack";

/** The counters this bench reads from the offline Firestore (see firestore-offline/src/stats.ts). */
export interface OpCounts {
  documentReads: number;
  documentWrites: number;
  documentDeletes: number;
  queries: number;
  commits: number;
  /** Commits outside a transaction refused by a precondition: lost claim races, on every path. */
  commitsRefused: number;
  transactionsBegun: number;
  transactionsAborted: number;
}

const ZERO: OpCounts = {
  documentReads: 0,
  documentWrites: 0,
  documentDeletes: 0,
  queries: 0,
  commits: 0,
  commitsRefused: 0,
  transactionsBegun: 0,
  transactionsAborted: 0,
};

let firestoreHost = "";

/**
 * Points firebase-admin (and so the shipped core, imported from source) at `host`. Must run
 * before the first `db()`: the Admin SDK reads FIRESTORE_EMULATOR_HOST when it builds its client.
 */
export function connectFirestore(host: string): void {
  firestoreHost = host;
  process.env.FIRESTORE_EMULATOR_HOST = host;
  process.env.GCLOUD_PROJECT ??= PROJECT_ID;
  if (getApps().length === 0) initializeApp({ projectId: PROJECT_ID });
  db();
}

function adminUrl(path: string): string {
  if (firestoreHost === "") throw new Error("connectFirestore() first");
  return `http://${firestoreHost}${path}`;
}

interface RawStats {
  documentReads: number;
  documentWrites: number;
  documentDeletes: number;
  queries: number;
  commits: number;
  /** Absent from offline Firestores older than this counter. */
  commitsRefused?: number;
  transactionsBegun: number;
  transactionsAborted: { total: number };
}

export async function readCounts(): Promise<OpCounts> {
  const response = await fetch(adminUrl("/emulator/v1/stats"));
  if (!response.ok) throw new Error(`GET /emulator/v1/stats answered ${response.status}`);
  const raw = (await response.json()) as RawStats;
  return {
    documentReads: raw.documentReads,
    documentWrites: raw.documentWrites,
    documentDeletes: raw.documentDeletes,
    queries: raw.queries,
    commits: raw.commits,
    commitsRefused: raw.commitsRefused ?? 0,
    transactionsBegun: raw.transactionsBegun,
    transactionsAborted: raw.transactionsAborted.total,
  };
}

export async function resetCounts(): Promise<void> {
  const response = await fetch(adminUrl("/emulator/v1/stats:reset"), { method: "POST" });
  if (!response.ok) throw new Error(`POST /emulator/v1/stats:reset answered ${response.status}`);
}

export function subtractCounts(after: OpCounts, before: OpCounts): OpCounts {
  const out = { ...ZERO };
  for (const key of Object.keys(ZERO) as (keyof OpCounts)[]) out[key] = after[key] - before[key];
  return out;
}

/** Empties the whole database between scenarios, so each one starts from the same state. */
export async function clearDatabase(): Promise<void> {
  const response = await fetch(adminUrl(`/emulator/v1/projects/${PROJECT_ID}/databases/(default)/documents`), {
    method: "DELETE",
  });
  if (!response.ok) throw new Error(`clearing Firestore answered ${response.status}`);
}

/** The claim query's filter without its limit: every job still pending in `queue`. */
function pendingIn(queue: string): Query<JobDoc> {
  return jobs().where("pendingShard", "in", shardsOf(queue));
}

/** Pending jobs left in `queue`, and the reads that count cost (so runs can take them out again). */
export async function pendingCount(queue: string): Promise<{ count: number; billedReads: number }> {
  const snap = await pendingIn(queue).count().get();
  const count = snap.data().count;
  // Billed like the offline Firestore bills it: one read per 1000 documents counted, at least one.
  return { count, billedReads: Math.max(1, Math.ceil(count / 1000)) };
}

/** Every job of `queue`, by id, as stored now. */
export async function jobsOfQueue(queue: string): Promise<Map<string, JobDoc>> {
  const snap = await jobs().where("queue", "==", queue).get();
  return new Map(snap.docs.map((doc) => [doc.id, doc.data()]));
}
