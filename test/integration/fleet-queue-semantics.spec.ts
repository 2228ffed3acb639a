/**
 * The fleet's queue semantics (issue 16 item 4), the jobs API's core reused: `delayMs`/`runAt`,
 * `timeoutMs` (a status or log call past it ends the task TIMED_OUT and answers 409),
 * `concurrencyKey` on task creation, and `retry` on a failed result. The integration stack runs
 * with `RETRY_BACKOFF_MS=1` (a retry is back at once) and 4 s leases. Served from this process
 * (test/harness/inProcess.ts, the project's own exports over the stack's Firestore) to keep the
 * timings short; the routes' Hosting wiring is the fleet tests' concern.
 */
import assert from "node:assert/strict";
import { serveFunctionsInProcess, type InProcessFunctions } from "../harness/inProcess";
import { adminDb, call, createUser } from "../harness/stack";
import { createApiKey } from "../harness/fixtures";
import { heldCount, resultBody, taskBody, type Task } from "./fleet-fixtures";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("fleet queue semantics", () => {
  let functions: InProcessFunctions;
  let key: string;
  let uid: string;

  before(async function () {
    this.timeout(120_000);
    functions = await serveFunctionsInProcess();
  });

  // Each test starts from a clean database (test/harness/hooks.ts): a fresh owner and key.
  beforeEach(async function () {
    this.timeout(30_000);
    const user = await createUser();
    uid = user.uid;
    key = (await createApiKey(user, ["runners:read", "runners:write", "jobs:write"])).key;
  });

  after(async () => {
    await functions.stop();
  });

  const api = <T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    call<T>(method, path, { base: functions.base, token: key, body, headers });
  const register = async (runnerId: string) => {
    const answer = await api("POST", "/api/runners/register", undefined, {
      "x-runner-id": runnerId,
      "x-runner-max-concurrency": "5",
    });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
  };
  const queue = async (over: Record<string, unknown>) => {
    const answer = await api<{ data: Task }>("POST", "/api/runners/tasks", taskBody(over));
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
    return answer.body.data;
  };
  const claim = async (runnerId: string, limit = 1) => {
    const answer = await api<{ data: Task[] }>("GET", `/api/runners/tasks/pending?runnerId=${runnerId}&limit=${limit}`);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return answer.body.data.map((t) => t.id);
  };
  const stored = async (id: string) => (await adminDb().collection("jobs").doc(id).get()).data() ?? {};

  it("delayMs: not claimed before its time, claimed once due; runAt in the past is due at once", async function () {
    this.timeout(60_000);
    await register("delay-runner");
    const later = await queue({ delayMs: 3_000, priority: 10 });
    assert.match(String((await stored(later.id)).pendingShard), /#later$/);
    const now = await queue({ runAt: new Date(Date.now() - 1_000).toISOString() });
    assert.deepEqual(await claim("delay-runner", 5), [now.id], "only the due task");
    await sleep(4_200);
    assert.deepEqual(await claim("delay-runner", 5), [later.id], "the delayed one once due");
  });

  it("timeoutMs: a status call past it ends the task FAILED TIMED_OUT and answers 409; so does a log call", async function () {
    this.timeout(60_000);
    await register("slow-runner");
    const a = await queue({ timeoutMs: 1_000 });
    const b = await queue({ timeoutMs: 1_000 });
    assert.deepEqual((await claim("slow-runner", 2)).sort(), [a.id, b.id].sort());
    const early = await api(
      "POST",
      `/api/runners/tasks/${a.id}/status`,
      { status: "reviewing" },
      {
        "x-runner-id": "slow-runner",
      },
    );
    assert.equal(early.status, 200, JSON.stringify(early.body));
    await sleep(1_300);
    const late = await api<{ error: string; reason: string }>(
      "POST",
      `/api/runners/tasks/${a.id}/status`,
      { status: "submitting" },
      { "x-runner-id": "slow-runner" },
    );
    assert.equal(late.status, 409, JSON.stringify(late.body));
    assert.match(JSON.stringify(late.body), /TIMED_OUT/);
    const logs = await api("POST", `/api/runners/tasks/${b.id}/logs`, { logs: ["still going"] });
    assert.equal(logs.status, 409, JSON.stringify(logs.body));
    for (const id of [a.id, b.id]) {
      const job = await stored(id);
      assert.equal(job.status, "FAILED");
      assert.match(String(job.error), /^TIMED_OUT/);
    }
    assert.equal(await heldCount(uid, "slow-runner"), 0, "the runner's slots are free again");
  });

  it("retry on a failed result: back in the queue with attempts counted, FAILED with the error after maxAttempts; retry with success is 400", async function () {
    this.timeout(60_000);
    await register("retry-runner");
    const task = await queue({ maxAttempts: 2 });
    assert.deepEqual(await claim("retry-runner"), [task.id]);
    const bad = await api("POST", `/api/runners/tasks/${task.id}/result`, resultBody("retry-runner", { retry: true }));
    assert.equal(bad.status, 400, JSON.stringify(bad.body));
    const first = await api<{ data: Task }>(
      "POST",
      `/api/runners/tasks/${task.id}/result`,
      resultBody("retry-runner", { status: "failed", error: "flaky clone", retry: true }),
    );
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.data.status, "pending");
    assert.equal(first.body.data.attempts, 1);
    assert.deepEqual(await claim("retry-runner"), [task.id], "claimed again");
    const last = await api<{ data: Task }>(
      "POST",
      `/api/runners/tasks/${task.id}/result`,
      resultBody("retry-runner", { status: "failed", error: "flaky clone", retry: true }),
    );
    assert.equal(last.status, 200, JSON.stringify(last.body));
    const job = await stored(task.id);
    assert.equal(job.status, "FAILED");
    assert.equal(job.error, "flaky clone");
    assert.equal(job.attempts, 2);
  });

  it("concurrencyKey: one of two tasks sharing a key (limit 1) is claimed; the other after the first ends; bad fields are 400", async function () {
    this.timeout(60_000);
    await register("key-runner");
    const one = await queue({ concurrencyKey: "repo:acme/app" });
    const two = await queue({ concurrencyKey: "repo:acme/app" });
    assert.deepEqual(await claim("key-runner", 5), [one.id]);
    assert.deepEqual(await claim("key-runner", 5), []);
    const done = await api("POST", `/api/runners/tasks/${one.id}/result`, resultBody("key-runner"));
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.deepEqual(await claim("key-runner", 5), [two.id]);
    for (const over of [
      { delayMs: 1_000, runAt: new Date().toISOString() },
      { timeoutMs: 10 },
      { concurrencyLimit: 2 },
      { concurrencyKey: "k", concurrencyLimit: 0 },
    ]) {
      const answer = await api<{ data: null; error: string }>("POST", "/api/runners/tasks", taskBody(over));
      assert.equal(answer.status, 400, JSON.stringify(over));
      assert.equal(answer.body.data, null, "the fleet's envelope");
    }
  });
});
