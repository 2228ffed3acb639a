/** Arrangements for the jobs API (seed 002) tests: users with keys, jobs, a runner, an SSE reader. */
import assert from "node:assert/strict";
import { createApiKey } from "../harness/fixtures";
import { adminDb, API_BASE, call, createUser, type ApiResponse, type TestUser } from "../harness/stack";
import { leaseJobsAnswer } from "../../contract/src/jobs";
import { assertOnContract } from "../harness/contract";

export interface JobsUser {
  user: TestUser;
  /** `jobs:read` only. */
  readKey: string;
  /** `jobs:read` + `jobs:write`. */
  writeKey: string;
  /** `runners:write`: the runner side. */
  runnerKey: string;
}

export async function jobsUser(): Promise<JobsUser> {
  const user = await createUser();
  const [read, write, runner] = await Promise.all([
    createApiKey(user, ["jobs:read"], "reader"),
    createApiKey(user, ["jobs:read", "jobs:write"], "writer"),
    createApiKey(user, ["runners:write"], "runner"),
  ]);
  return { user, readKey: read.key, writeKey: write.key, runnerKey: runner.key };
}

export type Snapshot = Record<string, unknown> & {
  id: string;
  status: string;
  control: { cancelRequested: boolean; pauseRequested: boolean };
  children: { name: string; jobId: string; status: string; outcome: string | null }[];
  artifacts: { id: string; name: string; contentType: string; size: number; contentUrl: string }[];
};

export const jobBody = (extra: Record<string, unknown> = {}) => ({
  type: "implement",
  workflowPath: "workflows/job/workflow.md",
  params: { repo: "org/api", ticket: 7 },
  ...extra,
});

export async function createJob(
  token: string,
  extra: Record<string, unknown> = {},
  headers?: Record<string, string>,
): Promise<Snapshot> {
  const response = await call<Snapshot>("POST", "/jobs", { token, body: jobBody(extra), headers });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return response.body;
}

export interface Leased {
  id: string;
  leaseToken: string;
  leaseExpiresAt: string;
  type: string;
  params: Record<string, unknown>;
  childName: string | null;
}

export async function leaseJobs(
  runnerKey: string,
  runnerId: string,
  body: Record<string, unknown> = {},
): Promise<Leased[]> {
  const response = await call<{ jobs: Leased[] }>("POST", "/jobs/runner/lease", {
    token: runnerKey,
    body: { runnerId, ...body },
  });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  assertOnContract(leaseJobsAnswer, response.body, "POST /jobs/runner/lease");
  return response.body.jobs;
}

export async function leaseOne(
  runnerKey: string,
  runnerId: string,
  body: Record<string, unknown> = {},
): Promise<Leased> {
  const [leased] = await leaseJobs(runnerKey, runnerId, body);
  assert.ok(leased, "a job was leased");
  return leased;
}

/** A runner-side call on a held job: `runnerId` and `leaseToken` go in the body. */
export function runnerCall<T = Record<string, unknown>>(
  runnerKey: string,
  jobId: string,
  action: string,
  runnerId: string,
  leaseToken: string,
  body: Record<string, unknown> = {},
): Promise<ApiResponse<T>> {
  return call<T>("POST", `/jobs/${jobId}/runner/${action}`, {
    token: runnerKey,
    body: { runnerId, leaseToken, ...body },
  });
}

export interface Heartbeat {
  leaseExpiresAt: string;
  cancelRequested: boolean;
  pauseRequested: boolean;
  messages: { seq: number; text: string }[];
}

export async function storedJob(jobId: string): Promise<Record<string, unknown>> {
  return (await adminDb().collection("jobs").doc(jobId).get()).data() ?? {};
}

export interface SseEvent {
  id?: string;
  event: string;
  data: string;
}

/**
 * An SSE client over fetch: parses events per the spec (fields, comments, blank-line dispatch)
 * and hands them out one at a time. `close()` aborts the connection like a dropped client.
 */
export class SseClient {
  readonly events: SseEvent[] = [];
  status = 0;
  contentType: string | null = null;
  ended = false;
  /** The reconnection delay the server asked for (`retry:`). */
  retry: number | undefined;
  private readonly controller = new AbortController();
  private waiters: (() => void)[] = [];

  static async open(path: string, token: string, lastEventId?: string): Promise<SseClient> {
    const client = new SseClient();
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: "text/event-stream" };
    if (lastEventId !== undefined) headers["last-event-id"] = lastEventId;
    const response = await fetch(`${API_BASE}${path}`, { headers, signal: client.controller.signal });
    client.status = response.status;
    client.contentType = response.headers.get("content-type");
    if (response.body === null || response.status !== 200) {
      client.ended = true;
      return client;
    }
    void client.pump(response.body);
    return client;
  }

  private async pump(body: ReadableStream<Uint8Array>): Promise<void> {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    let current: { id?: string; event?: string; dataLines: string[] } = { dataLines: [] };
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let newline: number;
        while ((newline = buffer.search(/\r?\n/)) >= 0) {
          const line = buffer.slice(0, newline);
          buffer = buffer.slice(newline + (buffer[newline] === "\r" ? 2 : 1));
          if (line === "") {
            if (current.dataLines.length > 0 || current.event !== undefined) {
              this.events.push({
                id: current.id,
                event: current.event ?? "message",
                data: current.dataLines.join("\n"),
              });
              this.wake();
            }
            current = { dataLines: [] };
            continue;
          }
          if (line.startsWith(":")) continue;
          const colon = line.indexOf(":");
          const field = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
          if (field === "data") current.dataLines.push(value);
          else if (field === "event") current.event = value;
          else if (field === "id") current.id = value;
          else if (field === "retry") this.retry = Number(value);
        }
      }
    } catch {
      // aborted by close(): the events so far stand
    }
    this.ended = true;
    this.wake();
  }

  private wake() {
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach((w) => w());
  }

  /** Resolves once `predicate` holds for the events so far, or the stream ended; fails after `timeoutMs`. */
  async until(predicate: (events: SseEvent[]) => boolean, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.events) && !this.ended) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`SSE: timed out; got ${this.events.length} events`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async untilEnded(timeoutMs = 30_000): Promise<void> {
    await this.until(() => false, timeoutMs).catch((error: unknown) => {
      if (!this.ended) throw error;
    });
  }

  logs(): SseEvent[] {
    return this.events.filter((e) => e.event === "log");
  }

  close(): void {
    this.controller.abort();
  }
}

/**
 * Boots the functions emulator's workers for these routes before a test times anything: a cold
 * worker takes seconds, longer than the lease the tests shorten to 4 s. `count` concurrent
 * unauthenticated calls leave that many warm workers (each answers 401 at once).
 */
export async function warmUp(routes: [path: string, count: number][]): Promise<void> {
  // One route at a time: the emulator runs a bounded number of requests at once, and a burst of
  // cold boots on a small machine is slower than the same boots in turn.
  for (const [path, count] of routes) {
    const answers = await Promise.all(Array.from({ length: count }, () => call("POST", path, { timeoutMs: 120_000 })));
    for (const r of answers) assert.ok(r.status === 401 || r.status === 405, `${path}: ${r.status}`);
  }
}

/** Heartbeats a held job every second until stopped, so a slow step does not lose the lease. */
export function keepLeased(
  runnerKey: string,
  jobId: string,
  runnerId: string,
  leaseToken: string,
): () => Promise<void> {
  let stopped = false;
  const answers: string[] = [];
  const loop = (async () => {
    while (!stopped) {
      const started = Date.now();
      const response = await runnerCall(runnerKey, jobId, "heartbeat", runnerId, leaseToken);
      answers.push(`${response.status} in ${Date.now() - started} ms`);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  })();
  return async () => {
    stopped = true;
    await loop;
    assert.ok(
      answers.every((a) => a.startsWith("200 ")),
      `heartbeats: ${answers.join(", ")}`,
    );
  };
}
