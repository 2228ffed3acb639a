/**
 * Issue 16 item 8: the scheduler's figures over HTTP on the jobs API face (`POST /jobs`,
 * `POST /jobs/runner/lease`): time-to-start with waiting runners, starvation behind ineligible
 * jobs, priority order at 1 and 50 claimers, and idle cost per runner-hour.
 *
 * Time-to-start, starvation and priority call the functions served from one child process
 * (`serveChild.ts`: N waiting calls would need N emulator workers); idle cost goes through
 * Hosting and the functions emulator, the deployed path, with one waiting runner.
 */
import { Timestamp } from "firebase-admin/firestore";
import { pendingShardFor } from "../../functions/src/core/jobs/model";
import { db } from "../../functions/src/data/firestore";
import { jobs } from "../../functions/src/data/jobs";
import { LAST_USED_GRANULARITY_MS } from "../../functions/src/auth/authenticate";
import { call, createApiKey, expectStatus, signUp } from "./api";
import { readCounts, resetCounts, type OpCounts } from "./firestore";
import { percentile } from "./load";
import { distribution, type Distribution } from "./sweep";

type Log = (line: string) => void;

export interface JobsTeam {
  uid: string;
  writeKey: string;
  runnerKey: string;
}

/** A fresh user (its own team, so its own queue) with a `jobs:write` key and a `runners:write` key. */
export async function jobsTeam(base?: string): Promise<JobsTeam> {
  const user = await signUp();
  const [writeKey, runnerKey] = await Promise.all([
    createApiKey(user, ["jobs:read", "jobs:write"], base),
    createApiKey(user, ["runners:write"], base),
  ]);
  return { uid: user.uid, writeKey, runnerKey };
}

export interface Created {
  id: string;
  priority: number;
  /** Server clock (same machine), ms. */
  createdAtMs: number;
  enqueuedAtMs: number;
}

export async function createJob(
  base: string | undefined,
  team: JobsTeam,
  extra: Record<string, unknown> = {},
): Promise<Created> {
  const reply = await call<{ id: string; priority: number; createdAt: string; enqueuedAt: string }>("POST", "/jobs", {
    base,
    token: team.writeKey,
    body: { type: "bench", workflowPath: "workflows/bench.md", params: {}, ...extra },
  });
  const body = expectStatus(reply, 201, "POST /jobs");
  return {
    id: body.id,
    priority: body.priority,
    createdAtMs: Date.parse(body.createdAt),
    enqueuedAtMs: Date.parse(body.enqueuedAt),
  };
}

export interface LeasedJob {
  id: string;
  leaseToken: string;
  priority: number;
}

export async function leaseJobs(
  base: string | undefined,
  team: JobsTeam,
  runnerId: string,
  body: Record<string, unknown> = {},
  signal?: AbortSignal,
): Promise<LeasedJob[]> {
  const reply = await call<{ jobs: LeasedJob[] }>("POST", "/jobs/runner/lease", {
    base,
    token: team.runnerKey,
    body: { runnerId, ...body },
    signal,
  });
  return expectStatus(reply, 200, "POST /jobs/runner/lease").jobs;
}

/**
 * Writes `count` copies of job `templateId` (made through `POST /jobs`, so its tag set is
 * recorded and its fields are what the API writes), the i-th with `shape(i)`, straight through
 * the Admin SDK: creating a thousand through the API takes over a minute here (creates of one
 * team meet on its quota document). Gives the team room past the default 1,000 pending jobs.
 */
async function cloneJob(
  team: JobsTeam,
  templateId: string,
  count: number,
  shape: (i: number) => { priority: number; enqueuedAt: Date },
): Promise<Created[]> {
  const template = (await jobs().doc(templateId).get()).data();
  if (template === undefined) throw new Error(`no job ${templateId}`);
  await db()
    .collection("quotas")
    .doc(`pendingJobs:team:${team.uid}`)
    .set({ limit: count + 1000 }, { merge: true });
  const made: Created[] = [];
  for (let start = 0; start < count; start += 400) {
    const batch = db().batch();
    for (let i = start; i < Math.min(count, start + 400); i++) {
      const ref = jobs().doc();
      const { priority, enqueuedAt } = shape(i);
      batch.create(ref, {
        ...template,
        priority,
        enqueuedAt: Timestamp.fromDate(enqueuedAt),
        pendingShard: pendingShardFor(template.queue, ref.id, template.tags),
      });
      made.push({ id: ref.id, priority, createdAtMs: enqueuedAt.getTime(), enqueuedAtMs: enqueuedAt.getTime() });
    }
    await batch.commit();
  }
  return made;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every job of `ids` stored as leased by the runner it was handed to (`holder` = `team:runnerId`). */
async function storedHolderMismatches(team: JobsTeam, grants: Map<string, string>): Promise<number> {
  let mismatches = 0;
  const ids = [...grants.keys()];
  for (let i = 0; i < ids.length; i += 100) {
    const snaps = await Promise.all(ids.slice(i, i + 100).map((id) => jobs().doc(id).get()));
    for (const snap of snaps) {
      const holder = snap.data()?.lease?.holder ?? null;
      if (holder !== `${team.uid}:${grants.get(snap.id) ?? ""}`) mismatches++;
    }
  }
  return mismatches;
}

// ---------------------------------------------------------------------------------------------
// Time-to-start

export interface TimeToStart {
  waiters: number;
  waitMs: number;
  samples: number;
  /** Job created (its stored `createdAt`) → the lease answer received by the runner, ms. */
  startMs: Distribution;
  /** Samples not leased within the bound (counted as missing, not in the distribution). */
  missing: number;
  doubleLeases: number;
  holderMismatches: number;
  /** Empty answers (a wait that reached its deadline) during the level. */
  emptyAnswers: number;
}

/**
 * `waiters` runners hold `POST /jobs/runner/lease` with `waitMs` open; jobs are created one at a
 * time, each once every waiter is back in its call, and the time from the job's creation to the
 * winner receiving it is recorded. Every job must reach exactly one runner.
 */
export async function timeToStart(
  base: string,
  waiters: number,
  samples: number,
  waitMs: number,
  log: Log,
): Promise<TimeToStart> {
  const team = await jobsTeam(base);
  await leaseJobs(base, team, "warm"); // the key's first use writes lastUsedAt; modules load
  const grants = new Map<string, string>();
  const receivedAt = new Map<string, number>();
  const arrivals = new Map<string, () => void>();
  let doubleLeases = 0;
  let emptyAnswers = 0;
  let inCall = 0;
  let stopping = false;
  const abort = new AbortController();
  const loops = Array.from({ length: waiters }, async (_, i) => {
    const runnerId = `w${i}`;
    while (!stopping) {
      inCall++;
      let got: LeasedJob[] = [];
      try {
        got = await leaseJobs(base, team, runnerId, { waitMs }, abort.signal);
      } catch (error) {
        if (stopping) return;
        throw error;
      } finally {
        inCall--;
      }
      const at = Date.now();
      if (got.length === 0) emptyAnswers++;
      for (const job of got) {
        if (grants.has(job.id)) doubleLeases++;
        grants.set(job.id, runnerId);
        receivedAt.set(job.id, at);
        arrivals.get(job.id)?.();
      }
    }
  });
  const failed = Promise.all(loops).then(
    () => undefined,
    (error: unknown) => error,
  );
  const startMs: number[] = [];
  let missing = 0;
  const created: Created[] = [];
  for (let s = 0; s < samples; s++) {
    // Every waiter back in its call, and a moment for the server to open its listeners.
    const waitedFrom = Date.now();
    while (inCall < waiters && Date.now() - waitedFrom < 5000) await sleep(5);
    await sleep(150);
    const job = await createJob(base, team);
    created.push(job);
    const arrived = new Promise<boolean>((resolve) => {
      if (receivedAt.has(job.id)) return resolve(true);
      arrivals.set(job.id, () => resolve(true));
      setTimeout(() => resolve(false), waitMs + 10_000);
    });
    if (await arrived) startMs.push((receivedAt.get(job.id) ?? 0) - job.createdAtMs);
    else missing++;
    arrivals.delete(job.id);
  }
  stopping = true;
  abort.abort();
  const loopError = await failed;
  if (loopError !== undefined && !(loopError instanceof Error && loopError.name === "AbortError"))
    log(`  (a waiter's call failed: ${loopError instanceof Error ? loopError.message : JSON.stringify(loopError)})`);
  const holderMismatches = await storedHolderMismatches(team, grants);
  const result: TimeToStart = {
    waiters,
    waitMs,
    samples,
    startMs: distribution(startMs),
    missing,
    doubleLeases,
    holderMismatches,
    emptyAnswers,
  };
  log(
    `  ${waiters} waiting runner(s): time-to-start p50 ${result.startMs.p50} ms, p99 ${result.startMs.p99} ms, max ${result.startMs.max} ms over ${startMs.length} jobs; missing ${missing}, double leases ${doubleLeases}, stored holder mismatches ${holderMismatches}`,
  );
  return result;
}

// ---------------------------------------------------------------------------------------------
// Starvation

export interface Starvation {
  ineligibleAhead: number;
  /** Lease calls the untagged runner made until it had the eligible job. */
  calls: number;
  /** Their total time, ms. */
  ms: number;
  leasedTheEligibleJob: boolean;
  /** Jobs it was handed that it may not take (must be 0). */
  wrongJobs: number;
}

/**
 * `ahead` jobs tagged for a runner nobody runs (higher priority, older), then one untagged job;
 * an untagged runner leases until it has it (at most 10 calls).
 */
export async function starvation(base: string, ahead: number, log: Log): Promise<Starvation> {
  const team = await jobsTeam(base);
  await leaseJobs(base, team, "warm");
  const template = await createJob(base, team, { tags: ["gpu", "cuda-12"], priority: 10 });
  const from = Date.now() - 3_600_000;
  await cloneJob(team, template.id, ahead - 1, (i) => ({ priority: 10, enqueuedAt: new Date(from + i) }));
  log(`  ${ahead} ineligible jobs (tags [gpu, cuda-12], priority 10, older) ahead of one untagged job (priority 0)`);
  const eligible = await createJob(base, team, { priority: 0 });
  let calls = 0;
  let wrongJobs = 0;
  let got = false;
  const started = performance.now();
  while (!got && calls < 10) {
    calls++;
    for (const job of await leaseJobs(base, team, "untagged")) {
      if (job.id === eligible.id) got = true;
      else wrongJobs++;
    }
  }
  const result = {
    ineligibleAhead: ahead,
    calls,
    ms: Number((performance.now() - started).toFixed(1)),
    leasedTheEligibleJob: got,
    wrongJobs,
  };
  log(
    `  eligible job behind ${ahead} ineligible: leased ${got ? "yes" : "NO"} after ${calls} call(s), ${result.ms} ms; ineligible jobs handed out: ${wrongJobs}`,
  );
  return result;
}

// ---------------------------------------------------------------------------------------------
// Priority order

export interface PriorityOrder {
  oneRunner: { jobs: number; inExactOrder: number; share: number };
  concurrent: {
    claimers: number;
    jobs: number;
    rounds: number;
    leases: number;
    /** Leases of a job while a job of a higher priority stayed pending after that round. */
    inversionsAcrossLevels: number;
    doubleLeases: number;
    holderMismatches: number;
    /** Round latency (all claimers answered), ms. */
    roundMs: Distribution;
  };
}

const LEVELS = [0, 5, 10] as const;

function randomLevel(): number {
  return LEVELS[Math.floor(Math.random() * LEVELS.length)] ?? 0;
}

/**
 * One runner: `n` jobs at random priorities created one after another, leased one at a time;
 * the share of leases equal to the expected one (priority, then age). Then `claimers` concurrent
 * calls per round over `levels × perLevel` jobs until drained: a lease of a lower level while a
 * higher level still has a job pending after the round is an inversion across levels.
 */
export async function priorityOrder(
  base: string,
  n: number,
  claimers: number,
  perLevel: number,
  log: Log,
): Promise<PriorityOrder> {
  const solo = await jobsTeam(base);
  await leaseJobs(base, solo, "warm");
  const made: Created[] = [];
  for (let i = 0; i < n; i++) made.push(await createJob(base, solo, { priority: randomLevel() }));
  const expected = [...made]
    .sort((a, b) => b.priority - a.priority || a.enqueuedAtMs - b.enqueuedAtMs)
    .map((j) => j.id);
  const order: string[] = [];
  for (let calls = 0; order.length < n && calls < 2 * n; calls++)
    order.push(...(await leaseJobs(base, solo, "solo")).map((j) => j.id));
  const inExactOrder = order.filter((id, i) => expected[i] === id).length;
  const oneRunner = { jobs: n, inExactOrder, share: Number((inExactOrder / n).toFixed(3)) };
  log(`  1 runner: ${inExactOrder} of ${n} leases in exact order (priority, then age); ${order.length} leased`);

  const team = await jobsTeam(base);
  await leaseJobs(base, team, "warm");
  const total = perLevel * LEVELS.length;
  const template = await createJob(base, team, { priority: 0 });
  const priorities = LEVELS.flatMap((p) => Array.from({ length: perLevel }, () => p)).sort(() => Math.random() - 0.5);
  const from = Date.now() - 3_600_000;
  const clones = await cloneJob(team, template.id, total - 1, (i) => ({
    priority: priorities[i] ?? 0,
    enqueuedAt: new Date(from + i),
  }));
  const jobsMade = [{ ...template, priority: 0 }, ...clones];
  const priorityOf = new Map(jobsMade.map((j) => [j.id, j.priority]));
  const pending = new Set(jobsMade.map((j) => j.id));
  const grants = new Map<string, string>();
  let doubleLeases = 0;
  let inversions = 0;
  let rounds = 0;
  const roundMs: number[] = [];
  while (pending.size > 0 && rounds < Math.ceil((2 * total) / claimers) + 5) {
    rounds++;
    const t0 = performance.now();
    const answers = await Promise.all(
      Array.from({ length: claimers }, (_, i) => leaseJobs(base, team, `r${i}`).then((got) => ({ i, got }))),
    );
    roundMs.push(performance.now() - t0);
    const leasedNow: string[] = [];
    for (const { i, got } of answers)
      for (const job of got) {
        if (grants.has(job.id)) doubleLeases++;
        grants.set(job.id, `r${i}`);
        pending.delete(job.id);
        leasedNow.push(job.id);
      }
    const highestLeft = Math.max(Number.NEGATIVE_INFINITY, ...[...pending].map((id) => priorityOf.get(id) ?? 0));
    inversions += leasedNow.filter((id) => (priorityOf.get(id) ?? 0) < highestLeft).length;
    if (leasedNow.length === 0) break;
  }
  const holderMismatches = await storedHolderMismatches(team, grants);
  const concurrent = {
    claimers,
    jobs: total,
    rounds,
    leases: grants.size,
    inversionsAcrossLevels: inversions,
    doubleLeases,
    holderMismatches,
    roundMs: distribution(roundMs),
  };
  log(
    `  ${claimers} concurrent claimers over ${total} jobs (${LEVELS.length} levels): ${grants.size} leased in ${rounds} rounds, inversions across levels ${inversions}, double leases ${doubleLeases}, stored holder mismatches ${holderMismatches}, round p50 ${concurrent.roundMs.p50} ms`,
  );
  return { oneRunner, concurrent };
}

// ---------------------------------------------------------------------------------------------
// Idle cost

export interface IdleCost {
  waitMs: number;
  calls: number;
  elapsedS: number;
  /** The first wait of the process on that queue: the listeners it opens (once per process, kept while used). */
  opening: Pick<OpCounts, "documentReads" | "documentWrites" | "documentDeletes">;
  counted: Pick<OpCounts, "documentReads" | "documentWrites" | "documentDeletes">;
  /** Billed reads + writes + deletes per call (all empty answers). */
  opsPerCall: number;
  /** Counted ops × 3600 / elapsed, plus the key's lastUsedAt refresh (`keyOpsPerHour`). */
  opsPerRunnerHour: number;
  /** The key's `lastUsedAt` refresh alone: one write per LAST_USED_GRANULARITY_MS. */
  keyWritesPerHour: number;
  /**
   * What that refresh costs an hour: its write, and the read of the changed key document by the
   * listener the process keeps on it. Added to the measured figure: a refresh rarely falls inside
   * the measured minutes (the warm-up wrote it just before).
   */
  keyOpsPerHour: number;
}

/**
 * One runner waiting on an empty queue with `waitMs`, call after call, through Hosting and the
 * functions emulator, for `calls` calls; every billed operation the offline Firestore counted
 * meanwhile, extrapolated to an hour. Before counting, one poll (boots the worker, writes the
 * key's lastUsedAt) and one short wait, counted apart: it opens the listeners the process keeps
 * for the queue, a cost paid once per process, not per hour.
 */
export async function idleCost(waitMs: number, calls: number, log: Log): Promise<IdleCost> {
  const team = await jobsTeam();
  await leaseJobs(undefined, team, "idle"); // boots the worker, writes lastUsedAt once
  await resetCounts();
  await leaseJobs(undefined, team, "idle", { waitMs: 500 });
  const open = await readCounts();
  await resetCounts();
  const started = performance.now();
  for (let i = 0; i < calls; i++) {
    const got = await leaseJobs(undefined, team, "idle", { waitMs });
    if (got.length > 0) throw new Error("idle: an empty queue handed out a job");
  }
  const elapsedS = (performance.now() - started) / 1000;
  const c = await readCounts();
  const ops = c.documentReads + c.documentWrites + c.documentDeletes;
  const keyWritesPerHour = Math.round(3_600_000 / LAST_USED_GRANULARITY_MS);
  const keyOpsPerHour = 2 * keyWritesPerHour;
  const result: IdleCost = {
    waitMs,
    calls,
    elapsedS: Number(elapsedS.toFixed(1)),
    opening: {
      documentReads: open.documentReads,
      documentWrites: open.documentWrites,
      documentDeletes: open.documentDeletes,
    },
    counted: { documentReads: c.documentReads, documentWrites: c.documentWrites, documentDeletes: c.documentDeletes },
    opsPerCall: Number((ops / calls).toFixed(2)),
    opsPerRunnerHour: Math.round((ops * 3600) / elapsedS) + keyOpsPerHour,
    keyWritesPerHour,
    keyOpsPerHour,
  };
  log(
    `  idle runner (jobs API, waitMs ${waitMs}, ${calls} calls in ${result.elapsedS} s): ${c.documentReads} reads, ${c.documentWrites} writes, + the key's lastUsedAt refresh (${keyWritesPerHour} writes/h and their ${keyWritesPerHour} listener reads) → ${result.opsPerRunnerHour} billed ops per runner-hour; the process's first wait on the queue opened its listeners for ${open.documentReads} reads, ${open.documentWrites} writes, once`,
  );
  return result;
}

export { percentile };
