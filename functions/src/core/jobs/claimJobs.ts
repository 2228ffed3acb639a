import { randomBytes } from "node:crypto";
import { Timestamp, type QueryDocumentSnapshot } from "firebase-admin/firestore";
import { pendingCandidates } from "../../data/jobs";
import type { JobDoc, Lease } from "./model";

/** Candidates read per round: enough that concurrent claimers rarely pick the same one. */
export const CLAIM_WINDOW = 24;
/** Rounds of (read window, try candidates) before answering "nothing to lease". */
export const CLAIM_ROUNDS = 4;

export interface ClaimRequest {
  queue: string;
  holder: string;
  /** Tags the claimer carries; a job is eligible when all its tags are among them. */
  tags?: readonly string[];
  /** How many jobs at most. */
  limit: number;
  leaseMs: number;
  now: Date;
  /** Extra fields written with the claim (e.g. the runner's display name). */
  extra?: (job: JobDoc) => Record<string, unknown>;
}

export interface ClaimedJob {
  id: string;
  job: JobDoc;
  lease: Lease;
}

/**
 * Leases up to `limit` pending jobs to `holder`.
 *
 * Why this shape: a transaction that queries the queue head locks what it reads, so every
 * claimer would serialise on the same document. Instead the window of candidates is read
 * outside any transaction and tried in shuffled order, each with a single-document write that
 * holds only if the job is unchanged since we read it (`lastUpdateTime`). A lost race costs one
 * failed precondition and we move to the next candidate at once; nobody sleeps.
 */
export async function claimJobs(request: ClaimRequest): Promise<ClaimedJob[]> {
  const claimed: ClaimedJob[] = [];
  const tried = new Set<string>();
  for (let round = 0; round < CLAIM_ROUNDS && claimed.length < request.limit; round++) {
    const window = await pendingCandidates(request.queue, CLAIM_WINDOW + request.limit).get();
    const eligible = shuffle(window.docs.filter((doc) => !tried.has(doc.id) && carriesTags(request.tags, doc.data().tags)));
    if (eligible.length === 0) break;
    let lostRace = false;
    for (const candidate of eligible) {
      if (claimed.length >= request.limit) break;
      tried.add(candidate.id);
      const won = await tryClaim(candidate, request);
      if (won === null) lostRace = true;
      else claimed.push(won);
    }
    // A window with no contention that still left us short means the queue is drained.
    if (!lostRace && window.size < CLAIM_WINDOW + request.limit) break;
  }
  return claimed;
}

async function tryClaim(candidate: QueryDocumentSnapshot<JobDoc>, request: ClaimRequest): Promise<ClaimedJob | null> {
  const job = candidate.data();
  const now = Timestamp.fromDate(request.now);
  const lease: Lease = {
    holder: request.holder,
    token: randomBytes(16).toString("base64url"),
    expiresAt: Timestamp.fromMillis(request.now.getTime() + request.leaseMs),
    leasedAt: now,
  };
  const update = {
    status: "LEASED" as const,
    pendingShard: null,
    lease,
    leaseExpiresAt: lease.expiresAt,
    leaseMs: request.leaseMs,
    updatedAt: now,
    startedAt: job.startedAt ?? now,
    ...request.extra?.(job),
  };
  try {
    await candidate.ref.update(update, { lastUpdateTime: candidate.updateTime });
  } catch (error) {
    if (isLostRace(error)) return null;
    throw error;
  }
  return { id: candidate.id, job: { ...job, ...update }, lease };
}

/** FAILED_PRECONDITION: changed since we read it; NOT_FOUND: deleted meanwhile. */
export function isLostRace(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 9 || code === 5 || code === "failed-precondition" || code === "not-found";
}

function carriesTags(runnerTags: readonly string[] | undefined, jobTags: readonly string[]): boolean {
  if (jobTags.length === 0) return true;
  if (runnerTags === undefined) return false;
  return jobTags.every((tag) => runnerTags.includes(tag));
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    const a = items[i];
    const b = items[j];
    if (a !== undefined && b !== undefined) {
      items[i] = b;
      items[j] = a;
    }
  }
  return items;
}
