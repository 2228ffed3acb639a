/** Arrangements and inspections shared by the fleet (seed 004) and runners read (seed 003) tests. */
import assert from "node:assert/strict";
import { createApiKey } from "../harness/fixtures";
import { adminDb, call, createUser, type ApiResponse, type TestUser } from "../harness/stack";
import { fleetRunnerSchema, wrapped } from "../../contract/src/fleet";
import { assertOnContract } from "../harness/contract";

export interface FleetOwner {
  user: TestUser;
  /** runners:read, runners:write and jobs:write. */
  key: string;
}

export interface Task {
  id: string;
  status: string;
  phase: string | null;
  repositoryUrl: string;
  branch: string;
  commitSha: string;
  files: unknown[];
  aiConfig: Record<string, unknown>;
  tags: string[];
  attempts: number;
  runnerId: string | null;
  leaseExpiresAt: string | null;
  result: Record<string, unknown> | null;
  error: string | null;
}

export interface Runner {
  id: string;
  seq: number;
  name: string;
  version: string;
  os: string;
  arch: string;
  tags: string[];
  maxConcurrency: number;
  status: string;
  currentJobs: number;
  reportedJobs: number;
  heldJobs: number;
  lastHeartbeatAt: string;
  createdAt: string;
}

export interface FleetError {
  data: null;
  error: string;
  reason: string;
}

export async function fleetOwner(scopes = ["runners:read", "runners:write", "jobs:write"]): Promise<FleetOwner> {
  const user = await createUser();
  const { key } = await createApiKey(user, scopes);
  return { user, key };
}

export function register(key: string, runnerId: string, headers: Record<string, string> = {}) {
  return call<{ data: Runner }>("POST", "/api/runners/register", {
    headers: { "x-api-key": key, "x-runner-id": runnerId, ...headers },
  });
}

export async function registered(key: string, runnerId: string, maxConcurrency = 5, tags = ""): Promise<Runner> {
  const response = await register(key, runnerId, {
    "x-runner-max-concurrency": String(maxConcurrency),
    "x-runner-tags": tags,
  });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  assertOnContract(wrapped(fleetRunnerSchema), response.body, "POST /api/runners/register");
  return response.body.data;
}

export function heartbeat(key: string, runnerId: string, body: unknown = { status: "online", currentJobs: 0 }) {
  return call<{ data: Runner }>("POST", `/api/runners/${encodeURIComponent(runnerId)}/heartbeat`, { token: key, body });
}

export const taskBody = (over: Record<string, unknown> = {}) => ({
  repositoryUrl: "https://git.example.com/acme/app.git",
  branch: "feature/login",
  commitSha: "0123456789abcdef0123456789abcdef01234567",
  files: [{ path: "src/login.ts", status: "modified", patch: "@@ -1 +1 @@\n-a\n+b", additions: 1, deletions: 1 }],
  aiConfig: { agentType: "claude-code", model: "sonnet", prompt: "Review the login change" },
  ...over,
});

/** Queues a review task as `token` (an ID token or a jobs:write key). */
export function queue(token: string, over: Record<string, unknown> = {}) {
  return call<{ data: Task }>("POST", "/api/runners/tasks", { token, body: taskBody(over) });
}

export async function queued(token: string, over: Record<string, unknown> = {}): Promise<Task> {
  const response = await queue(token, over);
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return response.body.data;
}

export function claim(key: string, runnerId: string, limit?: number | string): Promise<ApiResponse<{ data: Task[] }>> {
  const query = new URLSearchParams({ runnerId });
  if (limit !== undefined) query.set("limit", String(limit));
  return call<{ data: Task[] }>("GET", `/api/runners/tasks/pending?${query.toString()}`, { token: key });
}

export async function claimed(key: string, runnerId: string, limit?: number): Promise<Task[]> {
  const response = await claim(key, runnerId, limit);
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body.data;
}

export const resultBody = (runnerId: string, over: Record<string, unknown> = {}) => ({
  runnerId,
  status: "success",
  files: [{ path: "src/login.ts", comments: [{ line: 1, body: "Consider a constant." }] }],
  totalComments: 1,
  rating: "B",
  metrics: { durationMs: 1234, cloneMs: 200 },
  logs: ["review done"],
  ...over,
});

export function submit(key: string, taskId: string, body: unknown) {
  return call<{ data: Task }>("POST", `/api/runners/tasks/${taskId}/result`, { token: key, body });
}

export async function jobDoc(jobId: string): Promise<Record<string, unknown>> {
  return (await adminDb().collection("jobs").doc(jobId).get()).data() ?? {};
}

export async function logLines(jobId: string): Promise<{ seq: number; line: string; stream: string }[]> {
  const snap = await adminDb().collection("jobs").doc(jobId).collection("logs").orderBy("seq").get();
  return snap.docs.map((d) => d.data() as { seq: number; line: string; stream: string });
}

export async function runnerDoc(ownerUid: string, runnerId: string): Promise<Record<string, unknown> | undefined> {
  return (await adminDb().collection("runners").doc(`${ownerUid}:${runnerId}`).get()).data();
}

/** Tasks the runner holds now (LEASED or RUNNING with it as holder): what `heldJobs` answers, counted. */
export async function heldCount(ownerUid: string, runnerId: string): Promise<number> {
  const held = adminDb()
    .collection("jobs")
    .where("lease.holder", "==", `${ownerUid}:${runnerId}`)
    .where("status", "in", ["LEASED", "RUNNING"]);
  return (await held.count().get()).data().count;
}

/** Everything a refused call could have disturbed, as one comparable string. */
export async function storedState(jobId: string, ownerUid: string, runnerIds: string[]): Promise<string> {
  const [job, logs, ...runners] = await Promise.all([
    jobDoc(jobId),
    logLines(jobId),
    ...runnerIds.map((r) => runnerDoc(ownerUid, r)),
  ]);
  return JSON.stringify({ job, logs, runners });
}
