/**
 * Firestore operations per job lifecycle (queue → lease → one heartbeat → complete) and per
 * empty poll, counted by the offline Firestore's billing-style counters around each step of
 * real HTTP calls, and priced per million jobs.
 */
import { call, createApiKey, createInstances, expectStatus, leaseOverHttp, signUp, type RunnerInstance } from "./api";
import { clearDatabase, readCounts, resetCounts, type OpCounts } from "./firestore";
import {
  claimTasks,
  CLAIM_LIMIT,
  queueTask,
  registerRunners,
  reportPhase,
  seedReviewTasks,
  submitResult,
} from "./fleet";
import { seedQueue } from "./seed";

/**
 * Firestore Standard edition list prices per 100,000 operations, the figures the issue names
 * (https://cloud.google.com/firestore/pricing; see bench/README.md for which locations they
 * match and when they were taken).
 */
export const PRICES_PER_100K = { reads: 0.06, writes: 0.18, deletes: 0.02 } as const;
export const PRICE_SOURCE =
  "Firestore Standard list prices per 100k ops as stated in issue 9 (multi-region nam5/eur3 row; regional us-central1 is listed at half), taken 2025; see bench/README.md";

export interface OpsPerJob {
  reads: number;
  writes: number;
  deletes: number;
  transactions: number;
  abortedTransactions: number;
}

export interface LifecycleCost {
  /** Pending jobs ahead of each measured lease (0: idle queue; ≥ the claim window: busy). */
  queueDepth: number;
  jobs: number;
  steps: Record<string, OpsPerJob>;
  total: OpsPerJob;
  /** Dollars per million jobs at PRICES_PER_100K. */
  usdPerMillionJobs: number;
}

export interface PollCost {
  polls: number;
  perPoll: OpsPerJob;
  /** Dollars per million empty polls. */
  usdPerMillionPolls: number;
}

const zeroOps = (): OpsPerJob => ({ reads: 0, writes: 0, deletes: 0, transactions: 0, abortedTransactions: 0 });

function add(into: OpsPerJob, counts: OpCounts): void {
  into.reads += counts.documentReads;
  into.writes += counts.documentWrites;
  into.deletes += counts.documentDeletes;
  into.transactions += counts.transactionsBegun;
  into.abortedTransactions += counts.transactionsAborted;
}

function per(ops: OpsPerJob, n: number): OpsPerJob {
  const r = (v: number) => Number((v / n).toFixed(3));
  return {
    reads: r(ops.reads),
    writes: r(ops.writes),
    deletes: r(ops.deletes),
    transactions: r(ops.transactions),
    abortedTransactions: r(ops.abortedTransactions),
  };
}

export function usdPerMillion(ops: OpsPerJob): number {
  const perOp = (price: number) => price / 100_000;
  return Number(
    (
      1_000_000 *
      (ops.reads * perOp(PRICES_PER_100K.reads) +
        ops.writes * perOp(PRICES_PER_100K.writes) +
        ops.deletes * perOp(PRICES_PER_100K.deletes))
    ).toFixed(2),
  );
}

/** Counts what `step` costs in Firestore operations. Nothing else may touch Firestore meanwhile. */
async function measured(into: OpsPerJob, step: () => Promise<unknown>): Promise<void> {
  await resetCounts();
  await step();
  add(into, await readCounts());
}

function lifecycle(queueDepth: number, jobs: number, steps: Record<string, OpsPerJob>): LifecycleCost {
  const perStep: Record<string, OpsPerJob> = {};
  const total = zeroOps();
  for (const [name, ops] of Object.entries(steps)) {
    perStep[name] = per(ops, jobs);
    total.reads += ops.reads;
    total.writes += ops.writes;
    total.deletes += ops.deletes;
    total.transactions += ops.transactions;
    total.abortedTransactions += ops.abortedTransactions;
  }
  const perJob = per(total, jobs);
  return { queueDepth, jobs, steps: perStep, total: perJob, usdPerMillionJobs: usdPerMillion(perJob) };
}

/** The runner key's first use writes `lastUsedAt` (then at most once a minute): done before measuring. */
async function warmRunnerKey(runner: RunnerInstance): Promise<void> {
  const reply = await call("POST", "/heartbeatWorkspaceJob", {
    token: runner.runnerToken,
    body: { workspaceId: "bench-warmup" },
  });
  if (reply.status !== 409) throw new Error(`warm-up heartbeat: expected 409, got ${reply.status}`);
}

/**
 * Seed 001 lifecycle through the public API, one job at a time: the Studio queues a generation,
 * the runner leases, heartbeats once and completes. With `queueDepth` > 0 that many other jobs
 * wait in the same queue, so each lease reads a full claim window as it would in a busy queue.
 */
export async function workspaceLifecycle(
  queueDepth: number,
  jobs: number,
): Promise<{ lifecycle: LifecycleCost; emptyPoll?: PollCost }> {
  await clearDatabase();
  const user = await signUp();
  const [runner] = await createInstances(user, 1);
  if (runner === undefined) throw new Error("no runner instance");
  await warmRunnerKey(runner);
  if (queueDepth > 0)
    await seedQueue({
      queue: `workspace/user:${user.uid}`,
      ownerUid: user.uid,
      count: queueDepth,
      leaseMs: 600_000,
      withWorkspaces: true,
    });
  const workspaceIds: string[] = [];
  for (let i = 0; i < jobs; i++) {
    const created = await call<{ workspace: { id: string } }>("POST", "/api/workspaces", {
      token: user.idToken,
      body: { title: `cost ${i}`, idea: "Count the operations." },
    });
    workspaceIds.push(expectStatus(created, 201, "create workspace").workspace.id);
  }
  const steps = { queue: zeroOps(), lease: zeroOps(), heartbeat: zeroOps(), complete: zeroOps() };
  for (const workspaceId of workspaceIds) {
    await measured(steps.queue, async () =>
      expectStatus(
        await call("POST", `/api/workspaces/${workspaceId}/generate`, {
          token: user.idToken,
          body: { target: "user" },
        }),
        201,
        "generate",
      ),
    );
    let leased: string | undefined;
    await measured(steps.lease, async () => {
      leased = (await leaseOverHttp(runner)).workspaceId;
    });
    if (leased === undefined) throw new Error("lifecycle: nothing leased");
    const ws = leased;
    await measured(steps.heartbeat, async () =>
      expectStatus(
        await call("POST", "/heartbeatWorkspaceJob", { token: runner.runnerToken, body: { workspaceId: ws } }),
        200,
        "heartbeat",
      ),
    );
    await measured(steps.complete, async () =>
      expectStatus(
        await call("POST", "/completeWorkspaceJob", {
          token: runner.runnerToken,
          body: { workspaceId: ws, assistantMessage: "Done." },
        }),
        200,
        "complete",
      ),
    );
  }
  if (queueDepth > 0) return { lifecycle: lifecycle(queueDepth, jobs, steps) };
  const polls = zeroOps();
  for (let i = 0; i < jobs; i++) {
    await measured(polls, async () => {
      if ((await leaseOverHttp(runner)).leased) throw new Error("empty poll leased a job");
    });
  }
  const perPoll = per(polls, jobs);
  return {
    lifecycle: lifecycle(queueDepth, jobs, steps),
    emptyPoll: { polls: jobs, perPoll, usdPerMillionPolls: usdPerMillion(perPoll) },
  };
}

/**
 * Seed 004 lifecycle through the public API, CLAIM_LIMIT tasks at a time: queue them, claim
 * them in one call, report one phase each (the per-task proof of life that extends the lease),
 * post each result. Figures are per task.
 */
export async function fleetLifecycle(
  queueDepth: number,
  batches: number,
): Promise<{ lifecycle: LifecycleCost; emptyPoll?: PollCost }> {
  await clearDatabase();
  const user = await signUp();
  const apiKey = await createApiKey(user, ["runners:write", "jobs:write"]);
  const [runner] = await registerRunners(user, apiKey, 1);
  if (runner === undefined) throw new Error("no fleet runner");
  if (queueDepth > 0) await seedReviewTasks(user.uid, queueDepth);
  const steps = { queue: zeroOps(), lease: zeroOps(), heartbeat: zeroOps(), complete: zeroOps() };
  for (let b = 0; b < batches; b++) {
    await measured(steps.queue, async () => {
      for (let i = 0; i < CLAIM_LIMIT; i++) await queueTask(apiKey);
    });
    let ids: string[] = [];
    await measured(steps.lease, async () => {
      ids = await claimTasks(apiKey, runner, CLAIM_LIMIT);
    });
    if (ids.length !== CLAIM_LIMIT) throw new Error(`fleet lifecycle: claimed ${ids.length} of ${CLAIM_LIMIT}`);
    await measured(steps.heartbeat, async () => {
      for (const id of ids) await reportPhase(apiKey, runner, id);
    });
    await measured(steps.complete, async () => {
      for (const id of ids) await submitResult(apiKey, runner, id);
    });
  }
  const tasks = batches * CLAIM_LIMIT;
  if (queueDepth > 0) return { lifecycle: lifecycle(queueDepth, tasks, steps) };
  const polls = zeroOps();
  for (let i = 0; i < tasks; i++) {
    await measured(polls, async () => {
      if ((await claimTasks(apiKey, runner, CLAIM_LIMIT)).length > 0) throw new Error("empty poll claimed a task");
    });
  }
  const perPoll = per(polls, tasks);
  return {
    lifecycle: lifecycle(queueDepth, tasks, steps),
    emptyPoll: { polls: tasks, perPoll, usdPerMillionPolls: usdPerMillion(perPoll) },
  };
}

/** An empty poll (no wait) and an empty wait on one face, per call. */
export interface EmptyCallCost {
  face: string;
  calls: number;
  /** Seconds between calls: at least the 1 s per-process caches, as a runner polling every few seconds. */
  gapMs: number;
  poll: OpsPerJob;
  wait: OpsPerJob;
  waitMs: number;
}

const EMPTY_GAP_MS = 1100;
const EMPTY_WAIT_MS = 1000;

async function perCall(calls: number, step: () => Promise<unknown>): Promise<OpsPerJob> {
  const ops = zeroOps();
  for (let i = 0; i < calls; i++) {
    await new Promise((resolve) => setTimeout(resolve, EMPTY_GAP_MS));
    await measured(ops, step);
  }
  return per(ops, calls);
}

/**
 * Empty poll and empty wait (`waitMs` 1,000) on the workspace, jobs API (untagged and tagged
 * runner) and fleet faces, through Hosting, `calls` times each, after each runner's key was used
 * once (its first use writes `lastUsedAt`).
 */
export async function emptyCallCosts(calls: number): Promise<EmptyCallCost[]> {
  await clearDatabase();
  const user = await signUp();
  const [instance] = await createInstances(user, 1);
  if (instance === undefined) throw new Error("no runner instance");
  await warmRunnerKey(instance);
  const runnerKey = await createApiKey(user, ["runners:write", "jobs:write"]);
  const [fleetRunner] = await registerRunners(user, runnerKey, 1);
  if (fleetRunner === undefined) throw new Error("no fleet runner");
  const jobsLease = async (body: Record<string, unknown>) => {
    const reply = await call<{ jobs: unknown[] }>("POST", "/jobs/runner/lease", {
      token: runnerKey,
      body: { runnerId: "cost", ...body },
    });
    if (expectStatus(reply, 200, "POST /jobs/runner/lease").jobs.length > 0) throw new Error("empty call leased");
  };
  await jobsLease({});
  const workspaceLease = async (body: Record<string, unknown>) => {
    const reply = await call<{ leased: boolean }>("POST", "/leaseWorkspaceJob", {
      token: instance.runnerToken,
      body,
    });
    if (expectStatus(reply, 200, "POST /leaseWorkspaceJob").leased) throw new Error("empty call leased");
  };
  const fleetPoll = async (query: string) => {
    const reply = await call<{ data: unknown[] }>(
      "GET",
      `/api/runners/tasks/pending?runnerId=${fleetRunner.runnerId}&limit=${CLAIM_LIMIT}${query}`,
      { apiKey: runnerKey },
    );
    if (expectStatus(reply, 200, "GET /api/runners/tasks/pending").data.length > 0)
      throw new Error("empty call leased");
  };
  const faces: [string, () => Promise<unknown>, () => Promise<unknown>][] = [
    ["workspace POST /leaseWorkspaceJob", () => workspaceLease({}), () => workspaceLease({ waitMs: EMPTY_WAIT_MS })],
    ["jobs API POST /jobs/runner/lease", () => jobsLease({}), () => jobsLease({ waitMs: EMPTY_WAIT_MS })],
    [
      "jobs API, tagged runner (tags [gpu])",
      () => jobsLease({ tags: ["gpu"] }),
      () => jobsLease({ tags: ["gpu"], waitMs: EMPTY_WAIT_MS }),
    ],
    ["fleet GET /api/runners/tasks/pending", () => fleetPoll(""), () => fleetPoll(`&waitMs=${EMPTY_WAIT_MS}`)],
  ];
  const out: EmptyCallCost[] = [];
  for (const [face, poll, wait] of faces) {
    await poll(); // boots the face's worker outside the count
    out.push({
      face,
      calls,
      gapMs: EMPTY_GAP_MS,
      poll: await perCall(calls, poll),
      wait: await perCall(calls, wait),
      waitMs: EMPTY_WAIT_MS,
    });
  }
  return out;
}

/**
 * Seed 002 (jobs API) lifecycle through the public API, one job at a time on an idle queue:
 * `POST /jobs` → lease → one heartbeat → complete.
 */
export async function jobsApiLifecycle(jobs: number): Promise<LifecycleCost> {
  await clearDatabase();
  const user = await signUp();
  const [writeKey, runnerKey] = [
    await createApiKey(user, ["jobs:read", "jobs:write"]),
    await createApiKey(user, ["runners:write"]),
  ];
  const lease = async () => {
    const reply = await call<{ jobs: { id: string; leaseToken: string }[] }>("POST", "/jobs/runner/lease", {
      token: runnerKey,
      body: { runnerId: "cost" },
    });
    return expectStatus(reply, 200, "POST /jobs/runner/lease").jobs;
  };
  const create = async () =>
    expectStatus(
      await call<{ id: string }>("POST", "/jobs", {
        token: writeKey,
        body: { type: "bench", workflowPath: "workflows/bench.md", params: {} },
      }),
      201,
      "POST /jobs",
    );
  // Boots every step's worker and uses both keys once (their first use writes lastUsedAt).
  await create();
  const [warm] = await lease();
  if (warm === undefined) throw new Error("jobs lifecycle warm-up: nothing leased");
  const runnerCall = async (id: string, action: string, token: string, body: Record<string, unknown> = {}) =>
    expectStatus(
      await call("POST", `/jobs/${id}/runner/${action}`, {
        token: runnerKey,
        body: { runnerId: "cost", leaseToken: token, ...body },
      }),
      200,
      action,
    );
  await runnerCall(warm.id, "heartbeat", warm.leaseToken);
  await runnerCall(warm.id, "complete", warm.leaseToken, { result: { ok: true } });

  const steps = { queue: zeroOps(), lease: zeroOps(), heartbeat: zeroOps(), complete: zeroOps() };
  for (let i = 0; i < jobs; i++) {
    await measured(steps.queue, create);
    let leased: { id: string; leaseToken: string } | undefined;
    await measured(steps.lease, async () => {
      [leased] = await lease();
    });
    if (leased === undefined) throw new Error("jobs lifecycle: nothing leased");
    const { id, leaseToken } = leased;
    await measured(steps.heartbeat, () => runnerCall(id, "heartbeat", leaseToken));
    await measured(steps.complete, () => runnerCall(id, "complete", leaseToken, { result: { ok: true } }));
  }
  return lifecycle(0, jobs, steps);
}
