/**
 * Seed 004's multi-task claim (`GET /api/runners/tasks/pending?runnerId&limit`) over HTTP:
 * registered runners with a runners:write key claim up to CLAIM_LIMIT review tasks per call,
 * finish what they got (`POST /api/runners/tasks/:id/result`), and claim again.
 */
import { reviewQueue, runnerDocId } from "../../functions/src/core/runners/ids";
import { call, expectStatus, type BenchUser } from "./api";
import type { CallOutcome } from "./load";
import { seedQueue } from "./seed";

/** Tasks asked for per claim call (seed 004 lets a runner take several at once). */
export const CLAIM_LIMIT = 5;
/** Free slots per runner: room for one full claim at a time, as a real runner would declare. */
export const FLEET_MAX_CONCURRENCY = CLAIM_LIMIT;
/** Review tasks' own lease length (JOB_LEASE_MS default): long enough never to lapse mid-bench. */
const TASK_LEASE_MS = 5 * 60 * 1000;

export interface FleetRunner {
  runnerId: string;
  /** The lease holder name the core stores: `ownerUid:runnerId`. */
  holder: string;
}

export const REVIEW_PAYLOAD = {
  repositoryUrl: "https://example.test/bench/repo.git",
  branch: "main",
  commitSha: "0123456789abcdef0123456789abcdef01234567",
  files: [],
  aiConfig: { agentType: "bench-agent" },
};

export async function registerRunners(user: BenchUser, apiKey: string, count: number): Promise<FleetRunner[]> {
  const runners: FleetRunner[] = [];
  for (let i = 0; i < count; i++) {
    const runnerId = `bench-${i}`;
    const reply = await call("POST", "/api/runners/register", {
      apiKey,
      headers: { "x-runner-id": runnerId, "x-runner-max-concurrency": String(FLEET_MAX_CONCURRENCY) },
    });
    expectStatus(reply, 200, "register runner");
    runners.push({ runnerId, holder: runnerDocId(user.uid, runnerId) });
  }
  return runners;
}

/** Review tasks written as `queueReviewTask` writes them, in bulk. */
export function seedReviewTasks(ownerUid: string, count: number): Promise<string[]> {
  return seedQueue({
    queue: reviewQueue(ownerUid),
    ownerUid,
    count,
    leaseMs: TASK_LEASE_MS,
    withWorkspaces: false,
    kind: "review",
    payload: REVIEW_PAYLOAD,
    extra: () => ({ ranBy: null, phase: null, phaseAt: null, logSeq: 0 }),
  });
}

interface TaskView {
  id: string;
}

export async function claimTasks(apiKey: string, runner: FleetRunner, limit: number): Promise<string[]> {
  const reply = await call<{ data: TaskView[] }>(
    "GET",
    `/api/runners/tasks/pending?runnerId=${encodeURIComponent(runner.runnerId)}&limit=${limit}`,
    { apiKey },
  );
  return expectStatus(reply, 200, "claim tasks").data.map((task) => task.id);
}

export async function reportPhase(apiKey: string, runner: FleetRunner, taskId: string): Promise<void> {
  const reply = await call("POST", `/api/runners/tasks/${taskId}/status`, {
    apiKey,
    body: { status: "reviewing", runnerId: runner.runnerId },
  });
  expectStatus(reply, 200, "task status");
}

export async function submitResult(apiKey: string, runner: FleetRunner, taskId: string): Promise<void> {
  const reply = await call("POST", `/api/runners/tasks/${taskId}/result`, {
    apiKey,
    body: { runnerId: runner.runnerId, status: "success", files: [], totalComments: 0, metrics: { bench: true } },
  });
  expectStatus(reply, 200, "task result");
}

export async function queueTask(apiKey: string): Promise<void> {
  expectStatus(await call("POST", "/api/runners/tasks", { apiKey, body: REVIEW_PAYLOAD }), 201, "queue task");
}

/**
 * One worker's call in the fleet sweep: claim (timed), then finish every claimed task so the
 * runner's slots free up, as a real runner does between claims.
 */
export function fleetClaimer(apiKey: string, runners: readonly FleetRunner[]) {
  return async (worker: number): Promise<CallOutcome> => {
    const runner = runners[worker];
    if (runner === undefined) throw new Error(`no runner for worker ${worker}`);
    const t0 = performance.now();
    const ids = await claimTasks(apiKey, runner, CLAIM_LIMIT);
    const claimMs = performance.now() - t0;
    await Promise.all(ids.map((id) => submitResult(apiKey, runner, id)));
    return { grants: ids.map((id) => ({ id, holder: runner.holder })), aborts: 0, claimMs };
  };
}
