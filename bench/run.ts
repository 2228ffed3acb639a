/**
 * `npm run bench`: starts the local stack (throwaway data), measures the lease paths and their
 * Firestore cost, writes bench/results/latest.json and latest.svg, and exits non-zero if any
 * job was handed out twice or a stored lease disagrees with what its claimer was told.
 * Run it under the shared stack lock (the npm script does): the stack uses fixed ports.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { claimJobs, CLAIM_ROUNDS, CLAIM_WINDOW } from "../functions/src/core/jobs/claimJobs";
import { PENDING_SHARDS } from "../functions/src/core/jobs/model";
import { reviewQueue } from "../functions/src/core/runners/ids";
import { buildAndLock, parseCli } from "../scripts/cli";
import { ROOT, startStack, type Stack } from "../scripts/stack";
import { clearAuth, createApiKey, createInstances, leaseOverHttp, signUp, type RunnerInstance } from "./lib/api";
import { leaseChart, type ChartSeries } from "./lib/chart";
import {
  emptyCallCosts,
  fleetLifecycle,
  jobsApiLifecycle,
  type EmptyCallCost,
  PRICES_PER_100K,
  PRICE_SOURCE,
  usdPerMillion,
  workspaceLifecycle,
  type LifecycleCost,
} from "./lib/cost";
import { CLAIM_LIMIT, claimTasks, fleetClaimer, registerRunners, seedReviewTasks } from "./lib/fleet";
import { clearDatabase, connectFirestore } from "./lib/firestore";
import { percentile, runLoad, type CallOutcome } from "./lib/load";
import { naiveClaim } from "./lib/naiveClaim";
import { installProbe, probed } from "./lib/probe";
import { descendants, killLeftovers } from "./lib/processes";
import { seedQueue } from "./lib/seed";
import {
  idleCost,
  priorityOrder,
  starvation,
  timeToStart,
  type IdleCost,
  type PriorityOrder,
  type Starvation,
  type TimeToStart,
} from "./lib/scheduler";
import { startFunctionsInChild } from "./lib/serveChild";
import { distribution, runSweep, type Distribution, type PhasePlan, type SweepResult } from "./lib/sweep";

const RESULTS_DIR = join(ROOT, "bench", "results");
/** Lease length written by the in-process claims: far longer than the bench, so nothing lapses. */
const BENCH_LEASE_MS = 10 * 60 * 1000;
const CONCURRENCY = [1, 10, 50] as const;
/** The concurrency the issue's targets are stated at. */
const TARGET_CONCURRENCY = 50;
const TARGET_RATIO = 5;
const TARGET_P99_OVER_P50 = 4;

interface Plan {
  /** Jobs in each lease sweep's queue. */
  jobs: number;
  /** Leases taken at 1 and 10 runners before 50 runners drain the rest. */
  share: [number, number];
  httpJobs: number;
  httpShare: [number, number];
  fleetTasks: number;
  fleetShare: [number, number];
  phaseMaxMs: number;
  /** Time bound per HTTP phase: the functions emulator serves a few hundred claims a minute here. */
  httpPhaseMaxMs: number;
  /** Empty polls per concurrency level for the HTTP floor. */
  emptyPolls: number;
  /** Empty-queue calls at the top concurrency before each HTTP sweep (worker boots). */
  warmUpCalls: number;
  costJobs: number;
  /** Pending jobs ahead of each lease in the busy-queue lifecycle: at least one claim window. */
  busyDepth: number;
  /** Empty polls and empty waits per face for the cost floor. */
  emptyCalls: number;
  /** Idle cost: one runner's consecutive waits of idleWaitMs. */
  idleWaitMs: number;
  idleCalls: number;
  /** Time-to-start: jobs per waiter count, and the waiters' waitMs. */
  startSamples: number;
  startWaitMs: number;
  /** Ineligible jobs ahead of the eligible one. */
  starvationAhead: number;
  /** Jobs leased one by one at 1 runner; jobs per priority level (3 levels) at 50 claimers. */
  priorityJobs: number;
  priorityPerLevel: number;
}

const FULL: Plan = {
  jobs: 3000,
  share: [300, 700],
  httpJobs: 3000,
  httpShare: [150, 450],
  fleetTasks: 1000,
  fleetShare: [50, 250],
  phaseMaxMs: 150_000,
  httpPhaseMaxMs: 240_000,
  emptyPolls: 100,
  warmUpCalls: 150,
  costJobs: 10,
  busyDepth: 2 * CLAIM_WINDOW,
  emptyCalls: 5,
  idleWaitMs: 25_000,
  idleCalls: 6,
  startSamples: 100,
  startWaitMs: 20_000,
  starvationAhead: 1000,
  priorityJobs: 60,
  priorityPerLevel: 100,
};

const QUICK: Plan = {
  jobs: 400,
  share: [50, 100],
  httpJobs: 300,
  httpShare: [30, 70],
  fleetTasks: 200,
  fleetShare: [20, 60],
  phaseMaxMs: 30_000,
  httpPhaseMaxMs: 60_000,
  emptyPolls: 30,
  warmUpCalls: 100,
  costJobs: 3,
  busyDepth: 2 * CLAIM_WINDOW,
  emptyCalls: 2,
  idleWaitMs: 5000,
  idleCalls: 2,
  startSamples: 20,
  startWaitMs: 20_000,
  starvationAhead: 1000,
  priorityJobs: 30,
  priorityPerLevel: 34,
};

function phases(share: [number, number]): PhasePlan[] {
  return [
    { concurrency: CONCURRENCY[0], leases: share[0] },
    { concurrency: CONCURRENCY[1], leases: share[1] },
    { concurrency: CONCURRENCY[2], leases: Number.POSITIVE_INFINITY },
  ];
}

const log = (line: string) => process.stdout.write(`${line}\n`);

async function inProcessSweeps(plan: Plan): Promise<{ shipped: SweepResult; naive: SweepResult }> {
  const queue = "workspace/user:bench-in-process";
  const seed = () =>
    seedQueue({
      queue,
      ownerUid: "bench-in-process",
      count: plan.jobs,
      leaseMs: BENCH_LEASE_MS,
      withWorkspaces: false,
    });

  await clearDatabase();
  await seed();
  log(`In-process shipped claim (claimJobs, limit 1) over ${plan.jobs} pending jobs:`);
  const shipped = await runSweep(
    {
      label: "shipped",
      queue,
      phases: phases(plan.share),
      phaseMaxMs: plan.phaseMaxMs,
      claim: async (worker): Promise<CallOutcome> => {
        const holder = `bench-runner-${worker}`;
        const { value, probe } = await probed(() =>
          claimJobs({ queue, holder, limit: 1, leaseMs: BENCH_LEASE_MS, now: new Date() }),
        );
        return {
          grants: value.map((c) => ({ id: c.id, holder, token: c.lease.token })),
          aborts: 0,
          lostRaces: probe.lostRaces,
          queries: probe.queries,
        };
      },
    },
    log,
  );

  await clearDatabase();
  await seed();
  log(`In-process naive claim (one transaction: oldest pending, limit 1) over ${plan.jobs} pending jobs:`);
  const naive = await runSweep(
    {
      label: "naive",
      queue,
      phases: phases(plan.share),
      phaseMaxMs: plan.phaseMaxMs,
      claim: async (worker): Promise<CallOutcome> => {
        const holder = `bench-runner-${worker}`;
        const claimed = await naiveClaim(queue, holder, BENCH_LEASE_MS, new Date());
        return { grants: claimed.lease === null ? [] : [claimed.lease], aborts: claimed.retries };
      },
    },
    log,
  );
  return { shipped, naive };
}

interface PollFloor {
  concurrency: number;
  polls: number;
  latencyMs: Distribution;
}

interface WarmUp {
  calls: number;
  latencyMs: Distribution;
}

/**
 * Empty-queue calls at the top concurrency before a measured HTTP sweep. The functions emulator
 * boots a worker process (the whole functions bundle) the first time it needs one more for a
 * function, seconds each on two cores; production keeps warm instances for a steady stream of
 * polls. Without this the first phase that needs more workers measures emulator boots, not
 * claims. What the warm-up saw is recorded beside the sweep.
 */
async function warmUp(
  what: string,
  calls: number,
  maxMs: number,
  call: (worker: number) => Promise<number>,
): Promise<WarmUp> {
  const ms: number[] = [];
  await runLoad({
    concurrency: Math.max(...CONCURRENCY),
    maxMs,
    maxCalls: calls,
    maxLeases: Number.POSITIVE_INFINITY,
    pendingLeft: () => Promise.resolve(1),
    claim: async (worker) => {
      const t0 = performance.now();
      const got = await call(worker);
      ms.push(performance.now() - t0);
      if (got > 0) throw new Error(`${what} warm-up: an empty queue handed out work`);
      return { grants: [], aborts: 0 };
    },
  });
  const latencyMs = distribution(ms);
  log(
    `  warm-up ${what}: ${ms.length} empty calls at ${Math.max(...CONCURRENCY)} runners, p50 ${latencyMs.p50} ms, max ${latencyMs.max} ms`,
  );
  return { calls: ms.length, latencyMs };
}

async function httpSweep(plan: Plan): Promise<{ sweep: SweepResult; emptyPolls: PollFloor[]; warmUp: WarmUp }> {
  await clearDatabase();
  await clearAuth();
  const user = await signUp();
  const runners: RunnerInstance[] = await createInstances(user, Math.max(...CONCURRENCY));
  const queue = `workspace/user:${user.uid}`;
  const warm = await warmUp("POST /leaseWorkspaceJob", plan.warmUpCalls, plan.phaseMaxMs, async (worker) => {
    const runner = runners[worker];
    if (runner === undefined) throw new Error(`no runner for worker ${worker}`);
    return (await leaseOverHttp(runner)).leased ? 1 : 0;
  });
  await seedQueue({ queue, ownerUid: user.uid, count: plan.httpJobs, leaseMs: BENCH_LEASE_MS, withWorkspaces: true });
  log(`HTTP shipped claim (POST /leaseWorkspaceJob, runner keys) over ${plan.httpJobs} pending workspace jobs:`);
  const sweep = await runSweep(
    {
      label: "http",
      queue,
      phases: phases(plan.httpShare),
      phaseMaxMs: plan.httpPhaseMaxMs,
      claim: async (worker): Promise<CallOutcome> => {
        const runner = runners[worker];
        if (runner === undefined) throw new Error(`no runner for worker ${worker}`);
        const reply = await leaseOverHttp(runner);
        const jobId = reply.workspace?.jobId;
        if (!reply.leased) return { grants: [], aborts: 0 };
        if (jobId === undefined) throw new Error("lease answer without a job id");
        return { grants: [{ id: jobId, holder: runner.instanceId }], aborts: 0 };
      },
    },
    log,
  );
  // The floor every HTTP claim stands on: the same call against an empty queue.
  const emptyPolls: PollFloor[] = [];
  for (const concurrency of CONCURRENCY) {
    const ms: number[] = [];
    await runLoad({
      concurrency,
      maxMs: plan.phaseMaxMs,
      maxCalls: plan.emptyPolls,
      maxLeases: Number.POSITIVE_INFINITY,
      pendingLeft: () => Promise.resolve(1),
      claim: async (worker) => {
        const runner = runners[worker];
        if (runner === undefined) throw new Error(`no runner for worker ${worker}`);
        const t0 = performance.now();
        const reply = await leaseOverHttp(runner);
        ms.push(performance.now() - t0);
        if (reply.leased) throw new Error("empty poll leased a job");
        return { grants: [], aborts: 0 };
      },
    });
    emptyPolls.push({ concurrency, polls: ms.length, latencyMs: distribution(ms) });
    log(
      `  empty poll over HTTP c=${concurrency}: p50 ${percentile(ms, 50).toFixed(1)} ms, p99 ${percentile(ms, 99).toFixed(1)} ms`,
    );
  }
  return { sweep, emptyPolls, warmUp: warm };
}

async function fleetSweep(
  plan: Plan,
): Promise<{ sweep: SweepResult; mode: "http" | "in-process stand-in"; note?: string; warmUp?: WarmUp }> {
  await clearDatabase();
  const user = await signUp();
  let apiKey: string;
  let runners;
  try {
    apiKey = await createApiKey(user, ["runners:write", "jobs:write"]);
    runners = await registerRunners(user, apiKey, Math.max(...CONCURRENCY));
  } catch (error) {
    // The fleet face is being built alongside: without it, claimJobs with limit 5 stands in.
    const note = `fleet routes unavailable (${error instanceof Error ? error.message : String(error)}); measured claimJobs limit ${CLAIM_LIMIT} in-process instead`;
    log(`  ${note}`);
    const queue = reviewQueue(user.uid);
    await seedReviewTasks(user.uid, plan.fleetTasks);
    const sweep = await runSweep(
      {
        label: "fleet (stand-in)",
        queue,
        phases: phases(plan.fleetShare),
        phaseMaxMs: plan.phaseMaxMs,
        claim: async (worker) => {
          const holder = `bench-runner-${worker}`;
          const claimed = await claimJobs({
            queue,
            holder,
            limit: CLAIM_LIMIT,
            leaseMs: BENCH_LEASE_MS,
            now: new Date(),
          });
          return { grants: claimed.map((c) => ({ id: c.id, holder, token: c.lease.token })), aborts: 0 };
        },
      },
      log,
    );
    return { sweep, mode: "in-process stand-in", note };
  }
  const fleetRunners = runners;
  const warm = await warmUp(
    `GET /api/runners/tasks/pending (limit ${CLAIM_LIMIT})`,
    plan.warmUpCalls,
    plan.phaseMaxMs,
    async (worker) => {
      const runner = fleetRunners[worker];
      if (runner === undefined) throw new Error(`no runner for worker ${worker}`);
      return (await claimTasks(apiKey, runner, CLAIM_LIMIT)).length;
    },
  );
  await seedReviewTasks(user.uid, plan.fleetTasks);
  log(
    `HTTP fleet claim (GET /api/runners/tasks/pending, limit ${CLAIM_LIMIT}, results posted between claims) over ${plan.fleetTasks} review tasks:`,
  );
  const sweep = await runSweep(
    {
      label: "fleet",
      queue: reviewQueue(user.uid),
      phases: phases(plan.fleetShare),
      phaseMaxMs: plan.httpPhaseMaxMs,
      claim: fleetClaimer(apiKey, runners),
    },
    log,
  );
  return { sweep, mode: "http", warmUp: warm };
}

interface Target {
  name: string;
  value: number;
  target: string;
  met: boolean;
}

function phaseAt(sweep: SweepResult, concurrency: number) {
  const phase = sweep.phases.find((p) => p.concurrency === concurrency);
  if (phase === undefined) throw new Error(`${sweep.label}: no phase at ${concurrency}`);
  return phase;
}

function targets(shipped: SweepResult, naive: SweepResult): Target[] {
  const a = phaseAt(shipped, TARGET_CONCURRENCY);
  const b = phaseAt(naive, TARGET_CONCURRENCY);
  const ratio = Number((a.throughput / b.throughput).toFixed(2));
  return [
    {
      name: "double leases (shipped, whole run)",
      value: shipped.check.doubleLeases,
      target: "= 0",
      met: shipped.check.doubleLeases === 0,
    },
    {
      name: `aborted transactions per lease, median (shipped, ${TARGET_CONCURRENCY} runners)`,
      value: a.abortsPerCall.p50,
      target: "= 0",
      met: a.abortsPerCall.p50 === 0,
    },
    {
      name: `throughput shipped / naive (${TARGET_CONCURRENCY} runners)`,
      value: ratio,
      target: `>= ${TARGET_RATIO}`,
      met: ratio >= TARGET_RATIO,
    },
    {
      name: `p99 / p50 latency (shipped, ${TARGET_CONCURRENCY} runners)`,
      value: a.p99OverP50,
      target: `<= ${TARGET_P99_OVER_P50}`,
      met: a.p99OverP50 <= TARGET_P99_OVER_P50,
    },
  ];
}

/** Correctness failures across every sweep: each one fails the run. */
function correctnessFailures(sweeps: SweepResult[]): string[] {
  const failures: string[] = [];
  for (const s of sweeps) {
    if (s.check.doubleLeases > 0) failures.push(`${s.label}: ${s.check.doubleLeases} job(s) handed out twice`);
    if (s.check.holderMismatches.length > 0)
      failures.push(
        `${s.label}: ${s.check.holderMismatches.length} stored lease(s) not held by their grantee, e.g. ${s.check.holderMismatches.slice(0, 3).join(", ")}`,
      );
    if (s.check.orphanLeases.length > 0)
      failures.push(
        `${s.label}: ${s.check.orphanLeases.length} job(s) leased but handed to nobody, e.g. ${s.check.orphanLeases.slice(0, 3).join(", ")}`,
      );
    if (s.check.drained && s.check.pendingLeft > 0)
      failures.push(`${s.label}: ${s.check.pendingLeft} job(s) left pending after the queue was reported drained`);
  }
  return failures;
}

function chartSeries(
  shipped: SweepResult,
  naive: SweepResult,
  http: SweepResult,
  fleet: SweepResult,
  fleetLabel: string,
): ChartSeries[] {
  const points = (s: SweepResult) =>
    s.phases.map((p) => ({
      concurrency: p.concurrency,
      throughput: p.throughput,
      p50: p.latencyMs.p50,
      p99: p.latencyMs.p99,
    }));
  return [
    { name: "shipped claimJobs (in-process)", color: "#1f77b4", points: points(shipped) },
    { name: "naive transaction (in-process)", color: "#d62728", points: points(naive) },
    { name: "shipped over HTTP", color: "#2ca02c", points: points(http) },
    { name: fleetLabel, color: "#9467bd", points: points(fleet) },
  ];
}

/** What `--only` may name; a run without it runs them all. */
const SECTIONS = ["in-process", "http", "fleet", "cost", "idle", "start", "starvation", "priority"] as const;
type Section = (typeof SECTIONS)[number];

interface SchedulerResults {
  cost?: { jobsApi: LifecycleCost; emptyCalls: EmptyCallCost[] };
  idle?: IdleCost;
  timeToStart?: TimeToStart[];
  starvation?: Starvation;
  priority?: PriorityOrder;
}

/** Issue 16 item 5's floors: an empty poll or wait ≤ 1 billed read and 0 writes; lifecycles in writes. */
const FLOOR = { emptyReads: 1, emptyWrites: 0, jobsApiWrites: 4, fleetWrites: 4, workspaceWrites: 6 } as const;
/** Issue 16 item 8's targets. */
const START_TARGET = { p50: 250, p99: 1000, waiters: 50 } as const;
const IDLE_TARGET_OPS_PER_HOUR = 60;

/**
 * Item 5's lifecycles and empty calls, through Hosting. The workspace and fleet lifecycles are
 * the ones the sweeps' cost table always had; the jobs API lifecycle and the empty waits are new.
 */
async function costSection(plan: Plan) {
  log("Firestore cost per lifecycle (counted by the offline Firestore):");
  const batches = Math.max(1, Math.round(plan.costJobs / CLAIM_LIMIT));
  const wsIdle = await workspaceLifecycle(0, plan.costJobs);
  const wsBusy = await workspaceLifecycle(plan.busyDepth, plan.costJobs);
  const fleetIdle = await fleetLifecycle(0, batches);
  const fleetBusy = await fleetLifecycle(plan.busyDepth, batches);
  const jobsApi = await jobsApiLifecycle(plan.costJobs);
  const costLine = (name: string, c: LifecycleCost, wanted: number) =>
    log(
      `  ${name} (queue depth ${c.queueDepth}): ${c.total.reads} reads, ${c.total.writes} writes (target ≤ ${wanted}), ${c.total.abortedTransactions} aborted tx per job → $${c.usdPerMillionJobs} per million jobs; per step ${Object.entries(
        c.steps,
      )
        .map(([step, ops]) => `${step} ${ops.reads}r/${ops.writes}w`)
        .join(", ")}`,
    );
  costLine("workspace lifecycle", wsIdle.lifecycle, FLOOR.workspaceWrites);
  costLine("workspace lifecycle", wsBusy.lifecycle, FLOOR.workspaceWrites);
  costLine("fleet lifecycle", fleetIdle.lifecycle, FLOOR.fleetWrites);
  costLine("fleet lifecycle", fleetBusy.lifecycle, FLOOR.fleetWrites);
  costLine("jobs API lifecycle", jobsApi, FLOOR.jobsApiWrites);
  log(`Empty calls, each after a ${plan.emptyCalls > 0 ? "1.1 s" : ""} pause (target ≤ 1 read, 0 writes):`);
  const emptyCalls = await emptyCallCosts(plan.emptyCalls);
  for (const e of emptyCalls)
    log(
      `  ${e.face}: poll ${e.poll.reads} reads, ${e.poll.writes} writes; wait (${e.waitMs} ms) ${e.wait.reads} reads, ${e.wait.writes} writes`,
    );
  return { wsIdle, wsBusy, fleetIdle, fleetBusy, jobsApi, emptyCalls };
}

function schedulerTargets(r: SchedulerResults): Target[] {
  const out: Target[] = [];
  if (r.cost !== undefined) {
    for (const e of r.cost.emptyCalls)
      for (const [what, ops] of [
        ["empty poll", e.poll],
        ["empty wait", e.wait],
      ] as const) {
        out.push({
          name: `${what} reads, ${e.face}`,
          value: ops.reads,
          target: `<= ${FLOOR.emptyReads}`,
          met: ops.reads <= FLOOR.emptyReads,
        });
        out.push({
          name: `${what} writes, ${e.face}`,
          value: ops.writes,
          target: `= ${FLOOR.emptyWrites}`,
          met: ops.writes <= FLOOR.emptyWrites,
        });
      }
    out.push({
      name: "jobs API lifecycle writes per job",
      value: r.cost.jobsApi.total.writes,
      target: `<= ${FLOOR.jobsApiWrites}`,
      met: r.cost.jobsApi.total.writes <= FLOOR.jobsApiWrites,
    });
  }
  const at = r.timeToStart?.find((l) => l.waiters === START_TARGET.waiters);
  if (at !== undefined) {
    out.push({
      name: `time-to-start p50 ms, ${at.waiters} waiting runners`,
      value: at.startMs.p50,
      target: `<= ${START_TARGET.p50}`,
      met: at.startMs.p50 <= START_TARGET.p50,
    });
    out.push({
      name: `time-to-start p99 ms, ${at.waiters} waiting runners`,
      value: at.startMs.p99,
      target: `<= ${START_TARGET.p99}`,
      met: at.startMs.p99 <= START_TARGET.p99,
    });
  }
  if (r.idle !== undefined)
    out.push({
      name: "idle billed ops per runner-hour",
      value: r.idle.opsPerRunnerHour,
      target: `<= ${IDLE_TARGET_OPS_PER_HOUR}`,
      met: r.idle.opsPerRunnerHour <= IDLE_TARGET_OPS_PER_HOUR,
    });
  if (r.starvation !== undefined)
    out.push({
      name: `lease calls for an eligible job behind ${r.starvation.ineligibleAhead} ineligible`,
      value: r.starvation.leasedTheEligibleJob ? r.starvation.calls : Number.POSITIVE_INFINITY,
      target: "= 1",
      met: r.starvation.leasedTheEligibleJob && r.starvation.calls === 1,
    });
  if (r.priority !== undefined) {
    out.push({
      name: "share of leases in exact order, 1 runner",
      value: r.priority.oneRunner.share,
      target: "= 1",
      met: r.priority.oneRunner.share === 1,
    });
    out.push({
      name: `inversions across priority levels, ${r.priority.concurrent.claimers} claimers`,
      value: r.priority.concurrent.inversionsAcrossLevels,
      target: "= 0",
      met: r.priority.concurrent.inversionsAcrossLevels === 0,
    });
  }
  return out;
}

/** Double leases and stored holders that disagree, in the scheduler sections: each fails the run. */
function schedulerCorrectness(r: SchedulerResults): string[] {
  const failures: string[] = [];
  for (const level of r.timeToStart ?? []) {
    if (level.doubleLeases > 0)
      failures.push(`time-to-start, ${level.waiters} waiters: ${level.doubleLeases} double leases`);
    if (level.holderMismatches > 0)
      failures.push(`time-to-start, ${level.waiters} waiters: ${level.holderMismatches} stored holders differ`);
  }
  const c = r.priority?.concurrent;
  if (c !== undefined && c.doubleLeases > 0)
    failures.push(`priority, ${c.claimers} claimers: ${c.doubleLeases} double leases`);
  if (c !== undefined && c.holderMismatches > 0)
    failures.push(`priority, ${c.claimers} claimers: ${c.holderMismatches} stored holders differ`);
  if (r.starvation !== undefined && r.starvation.wrongJobs > 0)
    failures.push(`starvation: ${r.starvation.wrongJobs} job(s) handed to a runner without their tags`);
  return failures;
}

/** How long to wait for the previous lock holder's stack to finish going away. */
const STACK_FREE_WAIT_MS = 120_000;

/**
 * `flock` hands the lock over as soon as the previous holder's command exits, but that run's
 * stack may take a few seconds more to let go of its ports and its `.runnerplane/stack.lock`.
 * Those two refusals are retried for a bounded while; anything else fails at once.
 */
async function startStackWhenFree(options: Parameters<typeof startStack>[0]): Promise<Stack> {
  const deadline = performance.now() + STACK_FREE_WAIT_MS;
  for (;;) {
    try {
      return await startStack(options);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const stillGoing = /already running|is in use/.test(message);
      if (!stillGoing || performance.now() > deadline) throw error;
      log(`  waiting for the previous stack to go away (${message.slice(0, 120)})`);
      await new Promise((resolve) => setTimeout(resolve, 5000));
    }
  }
}

const USAGE = `
Usage: npm run bench [-- --quick] [-- --only in-process,http,fleet,cost,idle,start,starvation,priority]

Builds, starts a throwaway local stack, measures the lease paths (in-process and over HTTP) and
their Firestore cost, writes bench/results/latest.json and latest.svg, and prints the figures.
Exits non-zero if any job was handed out twice or a stored lease disagrees with its claimer.
A full run takes 6–8 minutes on 2 cores; --quick is a smaller plan for a smoke run.

  --quick      the small plan
  --only LIST  run only these sections (comma-separated): in-process, http, fleet (the lease
               throughput sweeps), cost (lifecycles, empty polls and waits), idle (a waiting
               runner's cost per hour), start (time-to-start with 1/10/50 waiting runners),
               starvation, priority. Unless the three sweeps and cost all run, writes
               results/partial.json instead of latest.json.
  -h, --help   this text
`;

function parseSections(only: string | undefined): Set<Section> {
  if (only === undefined) return new Set(SECTIONS);
  const names = only.split(",").map((n) => n.trim());
  const unknown = names.filter((n) => !(SECTIONS as readonly string[]).includes(n));
  if (unknown.length > 0 || names.length === 0) {
    process.stderr.write(`--only: unknown section(s) ${unknown.join(", ")}; known: ${SECTIONS.join(", ")}\n`);
    process.exit(2);
  }
  return new Set(names as Section[]);
}

async function main(): Promise<void> {
  // tsx maps every Error's stack through source maps; deployed functions run plain JS without
  // that, and a lost claim race throws one, so leaving it on would bill the claim for tooling.
  process.setSourceMapsEnabled(false);
  const values = parseCli(USAGE, { quick: { type: "boolean", default: false }, only: { type: "string" } });
  const sections = parseSections(values.only);
  buildAndLock();
  const plan = values.quick ? QUICK : FULL;
  const started = performance.now();
  const loadBefore = loadavg();
  const stackLog: string[] = [];
  log("Starting the local stack (throwaway data)…");
  const stack = await startStackWhenFree({
    dataDir: null,
    scheduler: false,
    log: (line) => {
      stackLog.push(line);
      if (stackLog.length > 5000) stackLog.splice(0, 1000);
    },
  });
  let exitCode = 0;
  try {
    connectFirestore(stack.firestoreHost);
    installProbe();
    log(`Stack up in ${((performance.now() - started) / 1000).toFixed(0)} s.`);

    const all = sections.size === SECTIONS.length;
    const inProcessRun = sections.has("in-process") ? await inProcessSweeps(plan) : null;
    const httpRun = sections.has("http") ? await httpSweep(plan) : null;
    const fleetRun = sections.has("fleet") ? await fleetSweep(plan) : null;
    const sweepRun =
      inProcessRun !== null && httpRun !== null && fleetRun !== null
        ? { inProcess: inProcessRun, http: httpRun, fleet: fleetRun }
        : null;
    const scheduler: SchedulerResults = {};
    const costs = sections.has("cost") ? await costSection(plan) : null;
    if (costs !== null) scheduler.cost = { jobsApi: costs.jobsApi, emptyCalls: costs.emptyCalls };
    if (sections.has("idle")) {
      log(`Idle cost (one runner waiting, waitMs ${plan.idleWaitMs}, through Hosting):`);
      scheduler.idle = await idleCost(plan.idleWaitMs, plan.idleCalls, log);
    }
    if (sections.has("start") || sections.has("starvation") || sections.has("priority")) {
      log("Scheduler over HTTP, functions served from one child process (see bench/README.md):");
      const served = await startFunctionsInChild();
      try {
        if (sections.has("start")) {
          log(`Time-to-start (jobs API, waitMs ${plan.startWaitMs}):`);
          const levels = [];
          for (const waiters of CONCURRENCY)
            levels.push(await timeToStart(served.base, waiters, plan.startSamples, plan.startWaitMs, log));
          scheduler.timeToStart = levels;
        }
        if (sections.has("starvation")) {
          log("Starvation (jobs API):");
          scheduler.starvation = await starvation(served.base, plan.starvationAhead, log);
        }
        if (sections.has("priority")) {
          log("Priority order (jobs API):");
          scheduler.priority = await priorityOrder(
            served.base,
            plan.priorityJobs,
            TARGET_CONCURRENCY,
            plan.priorityPerLevel,
            log,
          );
        }
      } finally {
        await served.stop();
      }
    }
    const schedulerChecks = schedulerTargets(scheduler);
    if (schedulerChecks.length > 0) {
      log("Scheduler targets (issue 16):");
      for (const t of schedulerChecks) log(`  ${t.met ? "met    " : "MISSED "} ${t.name}: ${t.value} (${t.target})`);
    }
    const schedulerFailures = schedulerCorrectness(scheduler);

    if (sweepRun === null || costs === null) {
      const partialFailures = [
        ...schedulerFailures,
        ...correctnessFailures(
          [inProcessRun?.shipped, inProcessRun?.naive, httpRun?.sweep, fleetRun?.sweep].filter(
            (x): x is SweepResult => x !== undefined,
          ),
        ),
      ];
      const partial = {
        generatedAt: new Date().toISOString(),
        durationS: Number(((performance.now() - started) / 1000).toFixed(1)),
        machine: {
          cpus: cpus().length,
          node: process.version,
          loadAverageBefore: loadBefore,
          loadAverageAfter: loadavg(),
        },
        plan: { ...plan, mode: values.quick ? "quick" : "full", sections: [...sections] },
        sweeps: { inProcess: inProcessRun, http: httpRun, fleet: fleetRun },
        cost: costs,
        scheduler,
        targets: schedulerChecks,
        correctness: { ok: partialFailures.length === 0, failures: partialFailures },
      };
      mkdirSync(RESULTS_DIR, { recursive: true });
      writeFileSync(join(RESULTS_DIR, "partial.json"), `${JSON.stringify(partial, null, 2)}\n`);
      if (partialFailures.length > 0) {
        exitCode = 1;
        log("CORRECTNESS FAILURES:");
        for (const f of partialFailures) log(`  ${f}`);
      }
      log(`Wrote bench/results/partial.json in ${partial.durationS} s (sections: ${[...sections].join(", ")}).`);
      return;
    }

    const { inProcess, http, fleet } = sweepRun;
    const { wsIdle, wsBusy, fleetIdle, fleetBusy } = costs;
    const ratios = CONCURRENCY.map((concurrency) => {
      const a = phaseAt(inProcess.shipped, concurrency);
      const b = phaseAt(inProcess.naive, concurrency);
      return {
        concurrency,
        shipped: a.throughput,
        naive: b.throughput,
        ratio: Number((a.throughput / b.throughput).toFixed(2)),
      };
    });
    const checks = targets(inProcess.shipped, inProcess.naive);
    const sweeps = [inProcess.shipped, inProcess.naive, http.sweep, fleet.sweep];
    const failures = [...correctnessFailures(sweeps), ...schedulerFailures];
    const loadAfter = loadavg();
    const fleetLabel =
      fleet.mode === "http"
        ? `fleet claim over HTTP (limit ${CLAIM_LIMIT}, tasks/s)`
        : `claimJobs limit ${CLAIM_LIMIT} (in-process stand-in)`;

    const results = {
      generatedAt: new Date().toISOString(),
      durationS: Number(((performance.now() - started) / 1000).toFixed(1)),
      machine: {
        cpus: cpus().length,
        node: process.version,
        loadAverageBefore: loadBefore.map((l) => Number(l.toFixed(2))),
        loadAverageAfter: loadAfter.map((l) => Number(l.toFixed(2))),
      },
      plan: { ...plan, mode: values.quick ? "quick" : "full" },
      claimDesign: { CLAIM_WINDOW, CLAIM_ROUNDS, PENDING_SHARDS },
      lease: {
        inProcess: { shipped: inProcess.shipped, naive: inProcess.naive, ratio: ratios },
        http: {
          shipped: http.sweep,
          warmUp: http.warmUp,
          emptyPollFloor: http.emptyPolls,
          naive: "not measured: a naive claim cannot be deployed from bench code (see bench/README.md)",
        },
        fleet: { mode: fleet.mode, note: fleet.note ?? null, warmUp: fleet.warmUp ?? null, sweep: fleet.sweep },
      },
      cost: {
        prices: { per100k: PRICES_PER_100K, source: PRICE_SOURCE },
        workspace: { idleQueue: wsIdle.lifecycle, busyQueue: wsBusy.lifecycle, emptyPoll: wsIdle.emptyPoll ?? null },
        fleet: {
          idleQueue: fleetIdle.lifecycle,
          busyQueue: fleetBusy.lifecycle,
          emptyPoll: fleetIdle.emptyPoll ?? null,
        },
        leaseOnlyPerMillion: Object.fromEntries(
          sweeps.map((s) => [
            s.label,
            s.phases.map((p) => ({
              concurrency: p.concurrency,
              ...p.perLease,
              usd: usdPerMillion({
                reads: p.perLease.reads,
                writes: p.perLease.writes,
                deletes: 0,
                transactions: 0,
                abortedTransactions: 0,
              }),
            })),
          ]),
        ),
      },
      correctness: {
        ok: failures.length === 0,
        failures,
        perSweep: sweeps.map((s) => ({
          label: s.label,
          ...s.check,
          holderMismatches: s.check.holderMismatches.length,
          orphanLeases: s.check.orphanLeases.length,
        })),
      },
      targets: checks,
      scheduler,
      schedulerTargets: schedulerChecks,
      complete: all,
      chart: "latest.svg",
    };
    mkdirSync(RESULTS_DIR, { recursive: true });
    writeFileSync(join(RESULTS_DIR, all ? "latest.json" : "partial.json"), `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(
      join(RESULTS_DIR, "latest.svg"),
      leaseChart(
        "Runnerplane lease claim: shipped vs naive",
        `${new Date().toISOString().slice(0, 10)} · ${cpus().length} CPUs · offline Firestore + functions emulator · ${plan.jobs} jobs in-process, ${plan.httpJobs} over HTTP`,
        chartSeries(inProcess.shipped, inProcess.naive, http.sweep, fleet.sweep, fleetLabel),
      ),
    );

    log("Ratios shipped / naive (in-process throughput):");
    for (const r of ratios) log(`  ${r.concurrency} runners: ${r.shipped} / ${r.naive} = ${r.ratio}×`);
    log("Targets at 50 runners:");
    for (const t of checks) log(`  ${t.met ? "met    " : "MISSED "} ${t.name}: ${t.value} (${t.target})`);
    if (failures.length > 0) {
      exitCode = 1;
      log("CORRECTNESS FAILURES:");
      for (const f of failures) log(`  ${f}`);
    } else {
      log("Correctness: no double leases, every stored lease held by its grantee, nothing orphaned.");
    }
    log(`Wrote bench/results/${all ? "latest" : "partial"}.json and latest.svg in ${results.durationS} s.`);
  } catch (error) {
    exitCode = 1;
    log(`Bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    log("Last stack output:");
    for (const line of stackLog.slice(-40)) log(`  ${line}`);
  } finally {
    const ours = descendants(process.pid);
    await stack.stop();
    const leftovers = killLeftovers(ours);
    if (leftovers > 0) log(`Ended ${leftovers} emulator process(es) the stack left running after stop.`);
  }
  process.exit(exitCode);
}

void main();
