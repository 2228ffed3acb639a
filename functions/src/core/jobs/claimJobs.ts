import { randomBytes } from "node:crypto";
import { Timestamp, type QueryDocumentSnapshot } from "firebase-admin/firestore";
import { db } from "../../data/firestore";
import { pendingCandidates, pendingCandidatesInShard } from "../../data/jobs";
import { countJobMove } from "../metrics/countJobMove";
import { shardsOf, type JobDoc, type Lease } from "./model";

/** Candidates read per window: enough that concurrent claimers rarely pick the same one. */
export const CLAIM_WINDOW = 24;
/** Windows one claim may read (or wait for) before answering with what it has. */
export const CLAIM_ROUNDS = 4;
/** Conditional writes one claim may attempt: every candidate of every window it may read. */
const MAX_TRIES = CLAIM_ROUNDS * (CLAIM_WINDOW + 1);
/**
 * How long a window's unclaimed candidates stay in this process's pool for later claims. Short,
 * because a job queued meanwhile (even at a higher priority) waits behind the pooled ones.
 */
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
}

export interface ClaimedJob {
  id: string;
  job: JobDoc;
  lease: Lease;
}

/** What one process knows about a queue's head: candidates read and not yet handed to a claim. */
interface Pool {
  /** Unclaimed candidates of the last window, in random order. */
  docs: QueryDocumentSnapshot<JobDoc>[];
  /** When that window was read (performance.now()). */
  readAt: number;
  /** The window read under way: claims that find the pool empty meanwhile wait for it. */
  reading: { result: Promise<WindowRead>; startedAt: number } | null;
  /** When a claim here last lost a race (another process took the job first). */
  lostAt: number;
  /** The shard the next contended read takes (rotates). */
  nextShard: number;
  /**
   * Candidates handed to claims here lately: the version handed out, and when. A window read
   * while those claims were still writing may list that same version again, and handing it
   * out twice would make us race ourselves. (A newer version, such as the job given back to
   * the queue, is a new candidate.)
   */
  handedOut: Map<string, { version: Timestamp; at: number }>;
}

interface WindowRead {
  docs: readonly QueryDocumentSnapshot<JobDoc>[];
  /** When it was sent (performance.now()). */
  startedAt: number;
  /** When it was read (performance.now()). */
  at: number;
  /** Whether it came back with fewer documents than asked for: it saw its whole range. */
  short: boolean;
  /** Whether it covered the whole queue (every shard) rather than one shard. */
  wholeQueue: boolean;
}

const pools = new Map<string, Pool>();
let lastSweep = 0;

/**
 * Leases up to `limit` pending jobs to `holder`.
 *
 * Why this shape: a transaction that queries the queue head locks what it reads, so every
 * claimer would serialise on the same document. Instead a window of candidates is read outside
 * any transaction and each candidate is taken with a single-document write that holds only if
 * the job is unchanged since we read it (`lastUpdateTime`). A lost race costs one failed
 * precondition and we move on at once; nobody sleeps.
 *
 * Two refinements, measured under load (bench/README.md):
 * - The window is shared by every claim in this process (a function instance serves many
 *   runners at once). A claim takes candidates out of the pool, so claims here never race each
 *   other for a job, and one window read serves up to CLAIM_WINDOW claims instead of one.
 *   Claims that find the pool empty wait for the read already under way instead of all reading.
 * - A lost race means another process is emptying the same window: the rest of it is dropped,
 *   and for a while reads take one shard's head at a time, rotating, so processes claiming
 *   together spread over PENDING_SHARDS heads. Order then holds within a shard (priority, then
 *   age); across shards a job may go a few windows ahead of an older one.
 * Neither weakens the guarantee: every lease is still a conditional write on the job itself.
 */
export async function claimJobs(request: ClaimRequest): Promise<ClaimedJob[]> {
  const startedAt = performance.now();
  sweepPools();
  const pool = poolFor(request.queue);
  const size = CLAIM_WINDOW + request.limit;
  const claimed: ClaimedJob[] = [];
  let last: WindowRead | undefined;
  let wholeQueueNext = false;
  for (let reads = 0, tries = 0; claimed.length < request.limit;) {
    const candidate = tries < MAX_TRIES * request.limit ? takeEligible(pool, request.tags) : undefined;
    if (candidate !== undefined) {
      tries++;
      const won = await tryClaim(candidate, request);
      if (won !== null) {
        claimed.push(won);
      } else {
        pool.lostAt = performance.now();
        pool.docs = [];
      }
      continue;
    }
    // Nothing here for us. If nobody lost a race since the last read, that read tells us why,
    // but an answer of "nothing" must rest on a read begun after this call was made (a job
    // queued just before the call is seen by it), not on one that another claim had under way.
    let currentOnly = false;
    if (last !== undefined && pool.lostAt < last.at) {
      const current = last.startedAt >= startedAt;
      const offeredUs = last.docs.some((doc) => carriesTags(request.tags, doc.data().tags));
      // Short: it saw every pending job of its range. On the whole queue: drained. On a shard:
      // the other shards may still hold work, so look at the whole queue next.
      if (last.short && !last.wholeQueue) wholeQueueNext = true;
      // Whole queue drained, or a full window with nothing we may take (what we could take is
      // not near the head): that is the answer, once it is current.
      else if ((last.short && last.wholeQueue) || !offeredUs) {
        if (current) break;
        currentOnly = true;
      }
    }
    if (reads >= CLAIM_ROUNDS) break;
    reads++;
    last = await readWindow(
      pool,
      request.queue,
      size,
      wholeQueueNext,
      currentOnly ? startedAt : Number.NEGATIVE_INFINITY,
    );
  }
  return claimed;
}

function poolFor(queue: string): Pool {
  let pool = pools.get(queue);
  if (pool === undefined) {
    pool = {
      docs: [],
      readAt: 0,
      reading: null,
      lostAt: Number.NEGATIVE_INFINITY,
      nextShard: Math.floor(Math.random() * shardsOf(queue).length),
      handedOut: new Map(),
    };
    pools.set(queue, pool);
  }
  return pool;
}

/** Forgets pools nobody used for a while, so a process serving many queues stays small. */
function sweepPools(): void {
  const now = performance.now();
  if (now - lastSweep < CLAIM_POOL_MS) return;
  lastSweep = now;
  for (const [queue, pool] of pools) {
    if (pool.reading === null && now - Math.max(pool.readAt, pool.lostAt) >= CLAIM_POOL_MS) pools.delete(queue);
  }
}

/** Removes and returns a pooled candidate this claimer may take. */
function takeEligible(pool: Pool, tags: readonly string[] | undefined): QueryDocumentSnapshot<JobDoc> | undefined {
  if (performance.now() - pool.readAt >= CLAIM_POOL_MS) {
    pool.docs = [];
    return undefined;
  }
  const index = pool.docs.findIndex((doc) => carriesTags(tags, doc.data().tags));
  const taken = index < 0 ? undefined : pool.docs.splice(index, 1)[0];
  if (taken !== undefined) pool.handedOut.set(taken.id, { version: taken.updateTime, at: performance.now() });
  return taken;
}

/** Refills the pool with a fresh window, or waits for the refill under way if it began after `notBefore`. */
async function readWindow(
  pool: Pool,
  queue: string,
  size: number,
  wholeQueue: boolean,
  notBefore: number,
): Promise<WindowRead> {
  if (pool.reading !== null && pool.reading.startedAt >= notBefore) return pool.reading.result;
  const shards = shardsOf(queue);
  const contended = performance.now() - pool.lostAt < CLAIM_POOL_MS;
  const shard = !wholeQueue && contended ? shards[pool.nextShard++ % shards.length] : undefined;
  const query = shard === undefined ? pendingCandidates(queue, size) : pendingCandidatesInShard(shard, size);
  const startedAt = performance.now();
  const reading = {
    startedAt,
    result: query.get().then((snap): WindowRead => {
      const at = performance.now();
      for (const [id, handed] of pool.handedOut) if (at - handed.at >= CLAIM_POOL_MS) pool.handedOut.delete(id);
      pool.docs = shuffle(
        snap.docs.filter((doc) => pool.handedOut.get(doc.id)?.version.isEqual(doc.updateTime) !== true),
      );
      pool.readAt = at;
      return { docs: snap.docs, startedAt, at, short: snap.size < size, wholeQueue: shard === undefined };
    }),
  };
  pool.reading = reading;
  try {
    return await reading.result;
  } finally {
    if (pool.reading === reading) pool.reading = null;
  }
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
    const batch = db().batch().update(candidate.ref, update, { lastUpdateTime: candidate.updateTime });
    countJobMove(batch, job, job.status, "LEASED", request.now);
    await batch.commit();
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
