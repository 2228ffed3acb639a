/**
 * Drives N concurrent claimers against one queue until it drains (or a bound is hit), and
 * checks the outcome: no job handed out twice, every stored lease held by whoever was told
 * they got it, no lease nobody was told about, nothing left pending.
 */
import { FINAL_STATUSES, HELD_STATUSES, type JobDoc } from "../../functions/src/core/jobs/model";

/** One job a claim call said it leased, and to whom. */
export interface Grant {
  id: string;
  holder: string;
  /** The lease token, when the path hands it out (the workspace face does not). */
  token?: string;
}

/** What one claim call answered. */
export interface CallOutcome {
  grants: Grant[];
  /** Aborted transaction attempts inside this call (the naive baseline's retries). */
  aborts: number;
  /** Conditional writes this call lost (in-process shipped claim only; else undefined). */
  lostRaces?: number;
  /** Windows read by this call (in-process shipped claim only). */
  queries?: number;
  /**
   * How long the claim itself took, when the call also did follow-up work (completing what it
   * claimed) that must not count as claim latency. Defaults to the whole call.
   */
  claimMs?: number;
}

export interface LoadOptions {
  concurrency: number;
  /** Stop starting calls after this long, drained or not. */
  maxMs: number;
  /** Stop starting calls after this many in all (errors and empty answers included). */
  maxCalls: number;
  /** Stop starting calls once this many jobs were granted (Infinity: run until drained). */
  maxLeases: number;
  claim: (worker: number) => Promise<CallOutcome>;
  /** Pending jobs left, asked after an empty answer: 0 means this claimer is done. */
  pendingLeft: () => Promise<number>;
}

/** Per leasing call. */
export interface CallSample {
  ms: number;
  grants: number;
  aborts: number;
  lostRaces?: number;
  queries?: number;
}

export interface DoubleLease {
  id: string;
  first: Grant;
  second: Grant;
}

export interface LoadRun {
  concurrency: number;
  calls: number;
  /** Calls that answered "nothing to lease". */
  emptyCalls: number;
  /** Empty answers given while jobs were still pending (the queue only shrinks during a run). */
  falseEmpties: number;
  errors: number;
  errorSamples: string[];
  /** From the first call to the last lease granted: the window throughput is computed over. */
  leaseWindowMs: number;
  wallMs: number;
  drained: boolean;
  /** A time or call bound stopped the run (rather than its lease budget or a drained queue). */
  timedOut: boolean;
  samples: CallSample[];
  granted: Map<string, Grant>;
  doubleLeases: DoubleLease[];
  /** `pendingLeft` calls made (the bench's own reads, to take out of cost figures). */
  pendingChecks: number;
}

const MAX_ERROR_SAMPLES = 5;

export async function runLoad(options: LoadOptions): Promise<LoadRun> {
  const granted = new Map<string, Grant>();
  const doubleLeases: DoubleLease[] = [];
  const samples: CallSample[] = [];
  const errorSamples: string[] = [];
  let calls = 0;
  let emptyCalls = 0;
  let falseEmpties = 0;
  let errors = 0;
  let pendingChecks = 0;
  let finishedWorkers = 0;
  let timedOut = false;
  let lastLeaseAt = 0;
  const start = performance.now();
  const deadline = start + options.maxMs;

  const worker = async (index: number) => {
    for (;;) {
      if (performance.now() > deadline || calls >= options.maxCalls) {
        timedOut = true;
        return;
      }
      if (granted.size >= options.maxLeases) return;
      calls++;
      const t0 = performance.now();
      let outcome: CallOutcome;
      try {
        outcome = await options.claim(index);
      } catch (error) {
        errors++;
        if (errorSamples.length < MAX_ERROR_SAMPLES)
          errorSamples.push(error instanceof Error ? error.message.slice(0, 300) : String(error));
        continue;
      }
      const ms = outcome.claimMs ?? performance.now() - t0;
      if (outcome.grants.length === 0) {
        emptyCalls++;
        pendingChecks++;
        if ((await options.pendingLeft()) === 0) {
          finishedWorkers++;
          return;
        }
        falseEmpties++;
        continue;
      }
      lastLeaseAt = performance.now();
      samples.push({
        ms,
        grants: outcome.grants.length,
        aborts: outcome.aborts,
        lostRaces: outcome.lostRaces,
        queries: outcome.queries,
      });
      for (const grant of outcome.grants) {
        const first = granted.get(grant.id);
        if (first === undefined) granted.set(grant.id, grant);
        else doubleLeases.push({ id: grant.id, first, second: grant });
      }
    }
  };

  await Promise.all(Array.from({ length: options.concurrency }, (_, i) => worker(i)));
  const end = performance.now();
  return {
    concurrency: options.concurrency,
    calls,
    emptyCalls,
    falseEmpties,
    errors,
    errorSamples,
    leaseWindowMs: (lastLeaseAt > 0 ? lastLeaseAt : end) - start,
    wallMs: end - start,
    drained: finishedWorkers === options.concurrency,
    timedOut,
    samples,
    granted,
    doubleLeases,
    pendingChecks,
  };
}

export interface StoredCheck {
  /** Granted jobs neither held (lease holder and token as granted) nor finished by their grantee. */
  holderMismatches: string[];
  /** Jobs out of the queue that no claimer was told it got: lost until the reaper. */
  orphanLeases: string[];
  /** Jobs still pending after the run. */
  pendingLeft: number;
}

/** Compares what claimers were told with what Firestore holds. */
export function checkStored(granted: ReadonlyMap<string, Grant>, stored: ReadonlyMap<string, JobDoc>): StoredCheck {
  const holderMismatches: string[] = [];
  const orphanLeases: string[] = [];
  let pendingLeft = 0;
  for (const [id, job] of stored) {
    const grant = granted.get(id);
    if (job.status === "PENDING") pendingLeft++;
    if (grant === undefined) {
      if (job.status !== "PENDING") orphanLeases.push(id);
      continue;
    }
    const lease = job.lease;
    const holds =
      HELD_STATUSES.includes(job.status) &&
      lease !== null &&
      lease.holder === grant.holder &&
      (grant.token === undefined || lease.token === grant.token);
    // A claimer that went on to finish the job leaves it ended, stamped with its name.
    const finished = FINAL_STATUSES.includes(job.status) && job.finishedBy === grant.holder;
    if (!holds && !finished) holderMismatches.push(id);
  }
  for (const id of granted.keys()) if (!stored.has(id)) holderMismatches.push(id);
  return { holderMismatches, orphanLeases, pendingLeft };
}

/** Nearest-rank percentile (p in 0..100) of unsorted values; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}
