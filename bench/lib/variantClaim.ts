/**
 * Claim designs tried against the shipped one (bench/experiments.ts), parameterised so each
 * idea is one switch. Not used by the service: whichever wins is written into
 * functions/src/core/jobs/claimJobs.ts, and bench/README.md records the figures.
 */
import { randomBytes } from "node:crypto";
import { Timestamp, type QueryDocumentSnapshot } from "firebase-admin/firestore";
import { isLostRace, shuffle } from "../../functions/src/core/jobs/claimJobs";
import type { JobDoc, Lease } from "../../functions/src/core/jobs/model";
import { shardsOf } from "../../functions/src/core/jobs/model";
import { jobs, pendingHead } from "../../functions/src/data/jobs";

export interface Variant {
  name: string;
  /** Candidates read per round (beyond `limit`). */
  window: number;
  rounds: number;
  /** `all`: one `pendingShard in [...]` window; `one`: the head of one shard per round (see below). */
  shards: "all" | "one";
  /** Candidates tried from one window before reading a fresh one (Infinity: all of them). */
  triesPerWindow: number;
}

export interface VariantOutcome {
  claimed: { id: string; token: string }[];
  lostRaces: number;
  windows: number;
}

function shardWindow(shard: string, size: number) {
  return jobs().where("pendingShard", "==", shard).orderBy("priority", "desc").orderBy("enqueuedAt", "asc").limit(size);
}

export async function variantClaim(
  v: Variant,
  queue: string,
  holder: string,
  limit: number,
  leaseMs: number,
  now: Date,
): Promise<VariantOutcome> {
  const claimed: { id: string; token: string }[] = [];
  const tried = new Set<string>();
  let lostRaces = 0;
  let windows = 0;
  const shards = shuffle(shardsOf(queue));
  // "one": start at a random shard's head, move to the next shard after a lost race, and fall
  // back to the whole queue's window once a shard looks drained.
  let wholeQueue = v.shards === "all";
  for (let round = 0; round < v.rounds && claimed.length < limit; round++) {
    const size = v.window + limit;
    const shard = shards[round % shards.length];
    const query = wholeQueue || shard === undefined ? pendingHead(shardsOf(queue), size) : shardWindow(shard, size);
    const window = await query.get();
    windows++;
    const eligible = shuffle(window.docs.filter((doc) => !tried.has(doc.id)));
    let lostRace = false;
    let tries = 0;
    for (const candidate of eligible) {
      if (claimed.length >= limit || tries >= v.triesPerWindow) break;
      tries++;
      tried.add(candidate.id);
      const token = await tryClaim(candidate, holder, leaseMs, now);
      if (token === null) {
        lostRace = true;
        lostRaces++;
      } else claimed.push({ id: candidate.id, token });
    }
    const drained = (!lostRace && window.size < size) || eligible.length === 0;
    if (drained && wholeQueue) break;
    if (drained) wholeQueue = true;
  }
  return { claimed, lostRaces, windows };
}

async function tryClaim(
  candidate: QueryDocumentSnapshot<JobDoc>,
  holder: string,
  leaseMs: number,
  now: Date,
): Promise<string | null> {
  const at = Timestamp.fromDate(now);
  const lease: Lease = {
    holder,
    token: randomBytes(16).toString("base64url"),
    expiresAt: Timestamp.fromMillis(now.getTime() + leaseMs),
    leasedAt: at,
  };
  try {
    await candidate.ref.update(
      {
        status: "LEASED",
        pendingShard: null,
        lease,
        leaseExpiresAt: lease.expiresAt,
        leaseMs,
        updatedAt: at,
        startedAt: candidate.data().startedAt ?? at,
      },
      { lastUpdateTime: candidate.updateTime },
    );
    return lease.token;
  } catch (error) {
    if (isLostRace(error)) return null;
    throw error;
  }
}

/**
 * "pool": windows read for a queue are shared by every claim running in this process. A claim
 * takes candidates out of the pool (so two claims here never race each other for one job),
 * reads a new window only when the pool is empty or older than `poolMs`, and concurrent claims
 * that find it empty wait for the one read already under way instead of issuing their own.
 */
interface Pool {
  docs: QueryDocumentSnapshot<JobDoc>[];
  readAt: number;
  reading: Promise<number> | null;
  nextShard: number;
}

const pools = new Map<string, Pool>();

export async function pooledClaim(
  v: Variant & { poolMs: number },
  queue: string,
  holder: string,
  limit: number,
  leaseMs: number,
  now: Date,
): Promise<VariantOutcome> {
  const claimed: { id: string; token: string }[] = [];
  let lostRaces = 0;
  let windows = 0;
  const size = v.window + limit;
  let pool = pools.get(queue);
  if (pool === undefined) {
    pool = { docs: [], readAt: 0, reading: null, nextShard: Math.floor(Math.random() * 4) };
    pools.set(queue, pool);
  }
  const p = pool;
  let wholeQueue = v.shards === "all";
  let lostSinceRead = false;
  for (let reads = 0; claimed.length < limit;) {
    const fresh = performance.now() - p.readAt < v.poolMs;
    const next = fresh ? p.docs.shift() : undefined;
    if (next !== undefined) {
      const token = await tryClaim(next, holder, leaseMs, now);
      if (token === null) {
        lostRaces++;
        lostSinceRead = true;
      } else claimed.push({ id: next.id, token });
      continue;
    }
    if (reads >= v.rounds) break;
    reads++;
    let got: number;
    if (p.reading !== null) {
      got = await p.reading;
    } else {
      const shards = shardsOf(queue);
      const shard = shards[p.nextShard++ % shards.length];
      const query = wholeQueue || shard === undefined ? pendingHead(shardsOf(queue), size) : shardWindow(shard, size);
      windows++;
      p.reading = query.get().then((snap) => {
        p.docs = shuffle([...snap.docs]);
        p.readAt = performance.now();
        return snap.size;
      });
      try {
        got = await p.reading;
      } finally {
        p.reading = null;
      }
    }
    const short = got < size;
    if (short && !lostSinceRead && p.docs.length === 0) {
      if (wholeQueue) break;
      wholeQueue = true;
    }
    lostSinceRead = false;
  }
  return { claimed, lostRaces, windows };
}
