/**
 * A lease sweep: one deep queue, consumed by 1, then 10, then 50 concurrent claimers (each
 * phase takes its share of leases; the last drains what is left), with Firestore's counters
 * read around every phase and the stored state checked at the end.
 */
import { jobsOfQueue, pendingCount, readCounts, resetCounts, type OpCounts } from "./firestore";
import { checkStored, percentile, runLoad, type CallOutcome, type Grant, type LoadRun, type StoredCheck } from "./load";

export interface PhasePlan {
  concurrency: number;
  /** Leases this phase takes; Infinity for the last phase, which drains the queue. */
  leases: number;
}

export interface SweepPlan {
  label: string;
  queue: string;
  phases: PhasePlan[];
  /** Time bound per phase. */
  phaseMaxMs: number;
  claim: (worker: number) => Promise<CallOutcome>;
}

export interface Distribution {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export interface PhaseResult {
  concurrency: number;
  leases: number;
  calls: number;
  /** Leases per second over the phase's lease window. */
  throughput: number;
  latencyMs: Distribution;
  p99OverP50: number;
  /** Aborted transactions per leasing call, median and p99 (in-process: counted per call). */
  abortsPerCall: { p50: number; p99: number };
  /** Lost conditional writes and windows read per leasing call (in-process shipped claim only). */
  lostRacesPerCall?: { p50: number; p99: number; mean: number };
  windowsPerCall?: { p50: number; p99: number; mean: number };
  emptyCalls: number;
  falseEmpties: number;
  errors: number;
  errorSamples: string[];
  drained: boolean;
  timedOut: boolean;
  wallS: number;
  doubleLeases: number;
  /** Firestore operations per lease in this phase (the bench's own pending counts taken out). */
  perLease: {
    reads: number;
    writes: number;
    abortedTransactions: number;
    transactions: number;
    refusedCommits: number;
  };
}

export interface SweepResult {
  label: string;
  phases: PhaseResult[];
  check: StoredCheck & { doubleLeases: number; falseEmpties: number; drained: boolean };
}

const round = (value: number, digits = 2) => (Number.isFinite(value) ? Number(value.toFixed(digits)) : null) as number;

export function distribution(values: readonly number[]): Distribution {
  const mean = values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length;
  return {
    p50: round(percentile(values, 50)),
    p90: round(percentile(values, 90)),
    p99: round(percentile(values, 99)),
    max: round(percentile(values, 100)),
    mean: round(mean),
  };
}

function summary(values: readonly number[]) {
  const d = distribution(values);
  return { p50: d.p50, p99: d.p99, mean: d.mean };
}

/** Upper bound on calls in one phase: generous against errors, still finite. */
const CALLS_PER_LEASE_BOUND = 4;
const MIN_CALL_BOUND = 2000;

export async function runSweep(plan: SweepPlan, log: (line: string) => void): Promise<SweepResult> {
  const phases: PhaseResult[] = [];
  const granted = new Map<string, Grant>();
  let doubleLeases = 0;
  let falseEmpties = 0;
  let drained = false;
  const seeded = (await pendingCount(plan.queue)).count;
  for (const phase of plan.phases) {
    let benchReads = 0;
    let benchQueries = 0;
    const budget = Number.isFinite(phase.leases) ? phase.leases : seeded;
    await resetCounts();
    const run = await runLoad({
      concurrency: phase.concurrency,
      maxMs: plan.phaseMaxMs,
      maxCalls: Math.max(MIN_CALL_BOUND, budget * CALLS_PER_LEASE_BOUND),
      maxLeases: phase.leases,
      claim: plan.claim,
      pendingLeft: async () => {
        const left = await pendingCount(plan.queue);
        benchReads += left.billedReads;
        benchQueries++;
        return left.count;
      },
    });
    const counts = await readCounts();
    counts.documentReads -= benchReads;
    counts.queries -= benchQueries;
    for (const [id, grant] of run.granted) {
      if (granted.has(id)) doubleLeases++;
      else granted.set(id, grant);
    }
    doubleLeases += run.doubleLeases.length;
    falseEmpties += run.falseEmpties;
    drained = run.drained;
    const result = phaseResult(run, counts);
    phases.push(result);
    log(
      `  ${plan.label} c=${phase.concurrency}: ${result.leases} leases, ${result.throughput}/s, p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms, ` +
        `${result.perLease.reads} reads + ${result.perLease.writes} writes + ${result.perLease.refusedCommits} lost races per lease, aborts p50 ${result.abortsPerCall.p50}, errors ${result.errors}, ${result.wallS} s` +
        (result.timedOut ? " (time bound hit)" : ""),
    );
  }
  const stored = await jobsOfQueue(plan.queue);
  const check = checkStored(granted, stored);
  return { label: plan.label, phases, check: { ...check, doubleLeases, falseEmpties, drained } };
}

function phaseResult(run: LoadRun, counts: OpCounts): PhaseResult {
  const ms = run.samples.map((s) => s.ms);
  const latency = distribution(ms);
  const leases = run.samples.reduce((n, s) => n + s.grants, 0);
  const perLease = (n: number) => round(leases === 0 ? Number.NaN : n / leases, 3);
  const aborts = run.samples.map((s) => s.aborts);
  const lost = run.samples.flatMap((s) => (s.lostRaces === undefined ? [] : [s.lostRaces]));
  const windows = run.samples.flatMap((s) => (s.queries === undefined ? [] : [s.queries]));
  return {
    concurrency: run.concurrency,
    leases,
    calls: run.calls,
    throughput: round(leases / (run.leaseWindowMs / 1000), 1),
    latencyMs: latency,
    p99OverP50: round(latency.p99 / latency.p50),
    abortsPerCall: { p50: round(percentile(aborts, 50)), p99: round(percentile(aborts, 99)) },
    ...(lost.length > 0 ? { lostRacesPerCall: summary(lost) } : {}),
    ...(windows.length > 0 ? { windowsPerCall: summary(windows) } : {}),
    emptyCalls: run.emptyCalls,
    falseEmpties: run.falseEmpties,
    errors: run.errors,
    errorSamples: run.errorSamples,
    drained: run.drained,
    timedOut: run.timedOut,
    wallS: round(run.wallMs / 1000, 1),
    doubleLeases: run.doubleLeases.length,
    perLease: {
      reads: perLease(counts.documentReads),
      writes: perLease(counts.documentWrites),
      abortedTransactions: perLease(counts.transactionsAborted),
      transactions: perLease(counts.transactionsBegun),
      refusedCommits: perLease(counts.commitsRefused),
    },
  };
}
