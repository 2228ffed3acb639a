import { randomBytes } from "node:crypto";
import { Timestamp, type QueryDocumentSnapshot, type Transaction } from "firebase-admin/firestore";
import { db } from "../../data/firestore";
import { pendingCandidates } from "../../data/jobs";
import { runContendedTransaction } from "../runners/contendedTransaction";
import {
  forgetSlot,
  hasKey,
  noteParked,
  parkedShardOf,
  slotHasRoom,
  slotWritten,
  takeSlot,
  withSlot,
  type SlotState,
  type SlotWrites,
} from "./concurrency";
import { shardsOf, type JobDoc, type Lease } from "./model";
import { promoteDueJobsOf } from "./promoteDueJobs";
import type { HeldLease } from "./releaseLease";
import { isQueuePaused } from "./queuePause";
import { carriesTags, eligibleTagSets } from "./tagSets";
import { cappedExpiry, timeoutAtFrom } from "./timeout";

/**
 * Most candidates read per window beyond the claim's own limit: enough that concurrent claimers
 * rarely pick the same one. A window is only as large as the claims waiting for it need
 * (`windowSize`), so a lone claim reads its limit and one spare, not the whole window.
 */
export const CLAIM_WINDOW = 24;
/** Windows one claim may read (or wait for) before answering with what it has. */
export const CLAIM_ROUNDS = 4;
/** Conditional writes one claim may attempt: every candidate of every window it may read. */
const MAX_TRIES = CLAIM_ROUNDS * (CLAIM_WINDOW + 1);
/** How long a lost race counts as contention, and a handed-out candidate is remembered. */
export const CLAIM_POOL_MS = 1000;

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
  /** The queue may hold delayed jobs (jobs API, fleet): move its due ones in first. */
  delayed?: boolean;
  /** The queue may be paused (jobs API, fleet): no leases while it is. */
  pausable?: boolean;
  /**
   * Jobs a listener offered this claim (see `queueWatch`), best first: tried before any read, each
   * with its conditional write on the version offered. The claim reads only if it lost them all.
   */
  hint?: readonly QueryDocumentSnapshot<JobDoc>[];
  /**
   * Whether the holder may take one more job, read in the transaction that takes it (each lease
   * is then that transaction instead of a lone conditional write). False ends the claim with what
   * it has. The transaction commits only if what `admit` read is unchanged, so a check on the
   * holder's own leases (the fleet's `maxConcurrency`) is exact under concurrent claims.
   */
  admit?: (tx: Transaction) => Promise<boolean>;
}

export interface ClaimedJob {
  id: string;
  job: JobDoc;
  lease: Lease;
}

/** The job and lease a claim holds (see `leaseOrWait`'s `leaseOf`). */
export function heldLease(claimed: ClaimedJob): HeldLease {
  return { id: claimed.id, token: claimed.lease.token };
}

/** What one process knows about a queue's head: candidates read and not yet handed to a claim. */
interface Pool {
  /** Unclaimed candidates of the last window, best first (see `orderForClaims`). */
  docs: QueryDocumentSnapshot<JobDoc>[];
  /** The last window read. */
  last: WindowRead | null;
  /** The window read under way: claims begun before it started share it. */
  reading: { result: Promise<WindowRead>; startedAt: number } | null;
  /** The read that starts when the one under way ends, shared by the claims begun meanwhile. */
  queued: Promise<WindowRead> | null;
  /** The largest window those claims asked for. */
  queuedSize: number;
  /** When a claim here last lost a race (another process took the job first). */
  lostAt: number;
  /** Jobs the claims under way here still want: how large the next window needs to be. */
  wanted: number;
  /**
   * Candidates handed to claims here lately: the version handed out, and when. A window read
   * while those claims were still writing may list that same version again, and handing it
   * out twice would make us race ourselves. (A newer version, such as the job given back to
   * the queue, is a new candidate.)
   */
  handedOut: Map<string, { version: Timestamp; at: number }>;
}

interface WindowRead {
  /** When it was sent (performance.now()). */
  startedAt: number;
  /** When it was read (performance.now()). */
  at: number;
  /** Whether it came back with fewer documents than asked for: it saw every pending job it may take. */
  short: boolean;
}

const pools = new Map<string, Pool>();
let lastSweep = 0;

/**
 * Leases up to `limit` pending jobs to `holder`, best first: priority, then age.
 *
 * Why this shape: a transaction that queries the queue head locks what it reads, so every
 * claimer would serialise on the same document. Instead a window of candidates is read outside
 * any transaction and each candidate is taken with a single-document write that holds only if
 * the job is unchanged since we read it (`lastUpdateTime`). A lost race costs one failed
 * precondition and we move on at once; nobody sleeps.
 *
 * Routing: the window holds only jobs this claimer may take. The pending index keeps each tag set
 * of a queue apart (`pendingShardFor`) and the queue's summary names its tag sets, so a claim
 * reads the shards of the sets the runner carries and nothing else: jobs nobody present can take
 * never fill its window, however many there are.
 *
 * Order: the window is read in priority-then-age order and, while nobody competes, tried in that
 * order, exactly. After a lost race (another process is emptying the same head), candidates of
 * equal priority are tried in random order so competing processes spread out; a lower priority
 * is never tried before a higher one of the same window. A lost race drops only the candidate
 * lost: the claim goes on down the rest of the window (reordered so), and reads again when it is
 * empty.
 *
 * The window is shared by the claims of this process that began before it was read (a function
 * instance serves many runners at once): they take candidates out of it, so they never race each
 * other, and one read serves up to CLAIM_WINDOW claims. A claim never answers from a window read
 * before it began, so a job queued just before the call is seen by it.
 */
export async function claimJobs(request: ClaimRequest): Promise<ClaimedJob[]> {
  const startedAt = performance.now();
  sweepPools();
  if (request.pausable === true && (await isQueuePaused(request.queue))) return [];
  if (request.delayed === true) await promoteDueJobsOf(request.queue, request.now);
  const shards = shardsOf(request.queue, await eligibleTagSets(request.queue, request.tags));
  const pool = poolFor(shards);
  const claimed: ClaimedJob[] = [];
  pool.wanted += request.limit;
  try {
    const full = request.hint !== undefined && (await claimOffered(claimed, pool, shards, request)) === "full";
    if (claimed.length === 0 && !full) await claimInto(claimed, pool, shards, request, startedAt);
  } finally {
    pool.wanted -= request.limit - claimed.length;
  }
  return claimed;
}

/**
 * Tries the jobs a listener offered, best first, while they are for this claimer: no read.
 * "full" when the holder has no room left (see `admit`).
 */
async function claimOffered(
  claimed: ClaimedJob[],
  pool: Pool,
  shards: readonly string[],
  request: ClaimRequest,
): Promise<"full" | undefined> {
  const ours = new Set(shards);
  for (const candidate of request.hint ?? []) {
    if (claimed.length >= request.limit) return undefined;
    const job = candidate.data();
    if (job.pendingShard === null || !ours.has(job.pendingShard) || !carriesTags(request.tags, job.tags)) continue;
    pool.handedOut.set(candidate.id, { version: candidate.updateTime, at: performance.now() });
    const won = await tryClaim(candidate, request, pool);
    if (won === "parked") continue;
    if (won === "full") {
      // The holder has no room left: the claim ends with what it has.
      pool.handedOut.delete(candidate.id);
      return "full";
    }
    if (won === "lost") {
      // Lost to another process, or on its key's slot with the job unchanged: a window read by
      // this claim may offer it again.
      pool.handedOut.delete(candidate.id);
      continue;
    }
    claimed.push(won);
    pool.wanted--;
  }
  return undefined;
}

async function claimInto(
  claimed: ClaimedJob[],
  pool: Pool,
  shards: readonly string[],
  request: ClaimRequest,
  startedAt: number,
): Promise<void> {
  // A job held back by its full concurrency key was parked: the head holds more like it, so the
  // next reads take whole windows (a lone claim's small read would park two at a time).
  let parked = false;
  for (let reads = 0, tries = 0; claimed.length < request.limit && tries < MAX_TRIES * request.limit;) {
    const candidate = takeCandidate(pool, request.tags, startedAt);
    if (candidate !== undefined) {
      tries++;
      const won = await tryClaim(candidate, request, pool);
      if (won === "lost") {
        // Another process took this one (or its key's slot). The window's other candidates are
        // still worth a conditional write each: dropping the window for a fresh read instead cost
        // 50 claimers at once their rounds on the last jobs of a priority level, and one answered
        // empty with 61 pending. Reordered for contention, so competitors stop trying the same
        // candidates in step; a lost job that is unchanged (lost on its slot) may be read again.
        if (!contendedNow(pool)) pool.docs = orderForClaims(pool.docs, true);
        pool.lostAt = performance.now();
        pool.handedOut.delete(candidate.id);
      } else if (won === "parked") {
        parked = true;
      } else if (won === "full") {
        // The holder has no room left: the candidate goes back for this process's other claims.
        pool.handedOut.delete(candidate.id);
        pool.docs.unshift(candidate);
        break;
      } else {
        claimed.push(won);
        pool.wanted--;
      }
      continue;
    }
    // Nothing pooled for us. A read begun since this call that saw every pending job we may take,
    // with no race lost since, is the answer.
    const last = pool.last;
    if (last !== null && last.startedAt >= startedAt && last.short && pool.lostAt < last.at) break;
    if (reads >= CLAIM_ROUNDS) break;
    reads++;
    const contended = contendedNow(pool);
    await readWindow(pool, shards, windowSize(pool.wanted, request.limit, contended || parked), startedAt);
  }
}

/** Whether another process won a race for this head within CLAIM_POOL_MS. */
function contendedNow(pool: Pool): boolean {
  return performance.now() - pool.lostAt < CLAIM_POOL_MS;
}

/**
 * How many candidates a window read asks for: what the claims waiting here still want (at most
 * CLAIM_WINDOW), one spare for a lost race, and at least this claim's limit. Every document a
 * query returns is a billed read, so a lone claim reads `limit + 1` rather than a whole window;
 * many claims in one process share one larger read. While another process competes for the same
 * head (a race lost within CLAIM_POOL_MS) the whole window is read, so the shuffle has room to
 * spread the competitors. A read that comes back short saw every pending job it may take,
 * whatever the size.
 */
export function windowSize(wanted: number, limit: number, contended: boolean): number {
  if (contended) return CLAIM_WINDOW + limit;
  return Math.max(limit, Math.min(wanted, CLAIM_WINDOW)) + 1;
}

function poolFor(shards: readonly string[]): Pool {
  const key = shards.join("\u0000");
  let pool = pools.get(key);
  if (pool === undefined) {
    pool = {
      docs: [],
      last: null,
      reading: null,
      queued: null,
      queuedSize: 0,
      lostAt: Number.NEGATIVE_INFINITY,
      wanted: 0,
      handedOut: new Map(),
    };
    pools.set(key, pool);
  }
  return pool;
}

/** Forgets pools nobody used for a while, so a process serving many queues stays small. */
function sweepPools(): void {
  const now = performance.now();
  if (now - lastSweep < CLAIM_POOL_MS) return;
  lastSweep = now;
  for (const [key, pool] of pools) {
    if (
      pool.reading === null &&
      pool.queued === null &&
      pool.wanted === 0 &&
      now - Math.max(pool.last?.at ?? 0, pool.lostAt) >= CLAIM_POOL_MS
    )
      pools.delete(key);
  }
}

/**
 * Removes and returns the best pooled candidate this claimer may take, from a window read since
 * the claim began (older windows may miss a job queued since, even one of higher priority).
 */
function takeCandidate(
  pool: Pool,
  tags: readonly string[] | undefined,
  claimStartedAt: number,
): QueryDocumentSnapshot<JobDoc> | undefined {
  if (pool.last === null || pool.last.startedAt < claimStartedAt) return undefined;
  const index = pool.docs.findIndex((doc) => carriesTags(tags, doc.data().tags));
  const taken = index < 0 ? undefined : pool.docs.splice(index, 1)[0];
  if (taken !== undefined) pool.handedOut.set(taken.id, { version: taken.updateTime, at: performance.now() });
  return taken;
}

/**
 * Refills the pool with a fresh window for a claim that began at `notBefore`: joins the read under
 * way if it began since, else the one read queued behind it. One read in flight per pool and at
 * most one waiting: however many claims arrive while a read is out, they share the next one
 * instead of each sending its own (which listed the same head again, 25 reads per lease at 50
 * claims in one process).
 */
async function readWindow(pool: Pool, shards: readonly string[], size: number, notBefore: number): Promise<WindowRead> {
  const under = pool.reading;
  if (under !== null && under.startedAt >= notBefore) return under.result;
  if (under === null) return startRead(pool, shards, size);
  pool.queuedSize = Math.max(pool.queuedSize, size);
  pool.queued ??= under.result
    .catch(() => undefined)
    .then(() => {
      const queuedSize = pool.queuedSize;
      pool.queued = null;
      pool.queuedSize = 0;
      return startRead(pool, shards, Math.max(queuedSize, windowSize(pool.wanted, 1, contendedNow(pool))));
    });
  return pool.queued;
}

async function startRead(pool: Pool, shards: readonly string[], size: number): Promise<WindowRead> {
  const startedAt = performance.now();
  const reading = {
    startedAt,
    result: pendingCandidates(shards, size).then((docs): WindowRead => {
      const at = performance.now();
      for (const [id, handed] of pool.handedOut) if (at - handed.at >= CLAIM_POOL_MS) pool.handedOut.delete(id);
      const fresh = docs.filter((doc) => pool.handedOut.get(doc.id)?.version.isEqual(doc.updateTime) !== true);
      pool.docs = orderForClaims(fresh, contendedNow(pool));
      const read = { startedAt, at, short: docs.length < size };
      pool.last = read;
      return read;
    }),
  };
  pool.reading = reading;
  try {
    return await reading.result;
  } finally {
    if (pool.reading === reading) pool.reading = null;
  }
}

/**
 * The order claims try a window in: as read (priority, then age) while nobody competes; under
 * contention, shuffled within each priority so competing processes pick different jobs, but
 * never a lower priority before a higher one.
 */
export function orderForClaims<T extends { data(): { priority: number } }>(docs: T[], contended: boolean): T[] {
  if (!contended) return docs;
  return shuffle(docs).sort((a, b) => b.data().priority - a.data().priority);
}

/**
 * Takes one candidate with one conditional write (a batch with its key's slot when it has one), or
 * parks it when its key is full (see `concurrency.ts`), together with the window's other jobs of
 * that key: "lost" when another process changed a document first.
 */
async function tryClaim(
  candidate: QueryDocumentSnapshot<JobDoc>,
  request: ClaimRequest,
  pool: Pool,
): Promise<ClaimedJob | "lost" | "parked" | "full"> {
  const job = candidate.data();
  if (!hasKey(job)) return lease(candidate, request, null);
  return withSlot(job, async (slot) => {
    if (slotHasRoom(slot, job)) return lease(candidate, request, slot);
    const sameKey = (doc: QueryDocumentSnapshot<JobDoc>) =>
      doc.data().teamId === job.teamId && doc.data().concurrencyKey === job.concurrencyKey;
    const siblings = pool.docs.filter(sameKey);
    pool.docs = pool.docs.filter((doc) => !sameKey(doc));
    return parkJobs([candidate, ...siblings], slot, Timestamp.fromDate(request.now));
  });
}

/** A write batch (a lone claim) or a transaction (an admitted one): what a lease writes with. */
type LeaseWrites = SlotWrites;

async function lease(
  candidate: QueryDocumentSnapshot<JobDoc>,
  request: ClaimRequest,
  slot: SlotState | null,
): Promise<ClaimedJob | "lost" | "full"> {
  const job = candidate.data();
  const now = Timestamp.fromDate(request.now);
  const timeoutAt = timeoutAtFrom(job, request.now);
  const lease: Lease = {
    holder: request.holder,
    token: randomBytes(16).toString("base64url"),
    expiresAt: cappedExpiry({ timeoutAt }, request.now, request.leaseMs),
    leasedAt: now,
  };
  const update = {
    status: "LEASED" as const,
    pendingShard: null,
    lease,
    leaseExpiresAt: lease.expiresAt,
    timeoutAt,
    leaseMs: request.leaseMs,
    updatedAt: now,
    startedAt: job.startedAt ?? now,
    lastLeasedAt: now,
    ...request.extra?.(job),
  };
  // The job's write (conditional on the version read) and its key's slot: one commit.
  const stage = (w: LeaseWrites): (() => void) | null => {
    w.update(candidate.ref, update, { lastUpdateTime: candidate.updateTime });
    return slot === null ? null : takeSlot(w, slot, job, candidate.id, now);
  };
  try {
    const admit = request.admit;
    if (admit === undefined) {
      const batch = db().batch();
      const took = stage(batch);
      const results = await batch.commit();
      if (slot !== null && took !== null) slotWritten(slot, writeTimeOf(results, 1), took);
    } else {
      const admitted = await runContendedTransaction(async (tx) => {
        if (!(await admit(tx))) return false;
        stage(tx);
        return true;
      });
      // A transaction does not answer its write times: the next claim reads the slot again.
      if (slot !== null) forgetSlot(slot);
      if (!admitted) return "full";
    }
  } catch (error) {
    if (!isLostRace(error)) throw error;
    if (slot !== null) forgetSlot(slot);
    return "lost";
  }
  return { id: candidate.id, job: { ...job, ...update }, lease };
}

/** Moves jobs whose key is full out of the claim windows, noting them on the slot in the same batch. */
async function parkJobs(
  candidates: QueryDocumentSnapshot<JobDoc>[],
  slot: SlotState,
  now: Timestamp,
): Promise<"lost" | "parked"> {
  const batch = db().batch();
  for (const candidate of candidates) {
    const job = candidate.data();
    const shard = parkedShardOf(job.queue, job.teamId ?? "", job.concurrencyKey ?? "");
    batch.update(candidate.ref, { pendingShard: shard, updatedAt: now }, { lastUpdateTime: candidate.updateTime });
  }
  const first = candidates[0]?.data();
  if (first === undefined) return "parked";
  const noted = noteParked(batch, slot, first, candidates.length, now);
  try {
    slotWritten(slot, writeTimeOf(await batch.commit(), candidates.length), noted);
    return "parked";
  } catch (error) {
    if (!isLostRace(error)) throw error;
    forgetSlot(slot);
    return "lost";
  }
}

function writeTimeOf(results: { writeTime: Timestamp }[], index: number): Timestamp {
  const result = results[index];
  if (result === undefined) throw new Error("A batch answered fewer write results than it had writes.");
  return result.writeTime;
}

/** FAILED_PRECONDITION: changed since we read it; NOT_FOUND: deleted meanwhile; ALREADY_EXISTS: created meanwhile (a slot). */
export function isLostRace(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return (
    code === 9 ||
    code === 5 ||
    code === 6 ||
    code === "failed-precondition" ||
    code === "not-found" ||
    code === "already-exists"
  );
}

/** Fisher–Yates, in place. */
export function shuffle<T>(items: T[]): T[] {
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
