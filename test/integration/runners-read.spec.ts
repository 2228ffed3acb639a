import assert from "node:assert/strict";
import { warmUp } from "./jobs-fixtures";
import { createApiKey } from "../harness/fixtures";
import { call } from "../harness/stack";
import {
  claimed,
  fleetOwner,
  heartbeat,
  queued,
  register,
  registered,
  resultBody,
  submit,
  type Task,
} from "./fleet-fixtures";

interface ReadRunner {
  id: number;
  name: string;
  status: string;
  version: string;
  os: string;
  arch: string;
  labels: string[];
  pod_count: number;
  max_pods: number;
  last_heartbeat_at: string;
  created_at: string;
}

interface Pod {
  key: string;
  status: string;
  agent_type_id: string;
  initial_prompt: string | null;
  created_at: string;
}

interface PodPage {
  pods: Pod[];
  total: number;
  limit: number;
  offset: number;
}

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

describe("runners read API (seed 003)", () => {
  it("GET /runners lists the owner's runners in seed 003's exact shape", async () => {
    const { user, key } = await fleetOwner();
    const registeredAt = Date.now();
    const response = await register(key, "dev-runner-01", {
      "x-runner-name": "dev-runner-01",
      "x-runner-version": "1.2.0",
      "x-runner-os": "linux",
      "x-runner-arch": "amd64",
      "x-runner-tags": "gpu,high-memory",
      "x-runner-max-concurrency": "10",
    });
    assert.equal(response.status, 200);
    await queued(user.idToken);
    await claimed(key, "dev-runner-01");
    const stranger = await fleetOwner();
    await registered(stranger.key, "not-yours");

    const list = await call<{ runners: ReadRunner[] }>("GET", "/runners", { token: key });
    assert.equal(list.status, 200, JSON.stringify(list.body));
    assert.deepEqual(Object.keys(list.body), ["runners"]);
    assert.equal(list.body.runners.length, 1);
    const runner = list.body.runners[0];
    assert.ok(runner);
    assert.deepEqual(Object.keys(runner).sort(), [
      "arch",
      "created_at",
      "id",
      "labels",
      "last_heartbeat_at",
      "max_pods",
      "name",
      "os",
      "pod_count",
      "status",
      "version",
    ]);
    assert.deepEqual(
      { ...runner, last_heartbeat_at: undefined, created_at: undefined },
      {
        id: 1,
        name: "dev-runner-01",
        status: "online",
        version: "1.2.0",
        os: "linux",
        arch: "amd64",
        labels: ["gpu", "high-memory"],
        pod_count: 1,
        max_pods: 10,
        last_heartbeat_at: undefined,
        created_at: undefined,
      },
    );
    assert.match(runner.created_at, ISO);
    assert.match(runner.last_heartbeat_at, ISO);
    assert.ok(Math.abs(Date.parse(runner.created_at) - registeredAt) < 60_000);
    // A user session sees the same.
    const bySession = await call<{ runners: ReadRunner[] }>("GET", "/runners", { token: user.idToken });
    assert.deepEqual(bySession.body, list.body);
  });

  it("GET /runners/:id: 200 with {runner}; non-integer 400; unknown or another owner's 404", async () => {
    const { key } = await fleetOwner();
    const stranger = await fleetOwner();
    const mine = await registered(key, "mine", 4);
    const theirs = await registered(stranger.key, "theirs");
    const got = await call<{ runner: ReadRunner }>("GET", `/runners/${mine.seq}`, { token: key });
    assert.equal(got.status, 200, JSON.stringify(got.body));
    assert.deepEqual(Object.keys(got.body), ["runner"]);
    assert.equal(got.body.runner.id, mine.seq);
    assert.equal(got.body.runner.name, "mine");
    assert.equal(got.body.runner.max_pods, 4);
    for (const bad of ["abc", "1.5", "1e3"]) {
      const response = await call<{ error: string; message: string }>("GET", `/runners/${bad}`, { token: key });
      assert.equal(response.status, 400, bad);
      assert.equal(response.body.error, "INVALID_REQUEST");
    }
    const unknown = await call<{ error: string }>("GET", "/runners/999", { token: key });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error, "RUNNER_NOT_FOUND");
    assert.equal((await call("GET", `/runners/${theirs.seq}`, { token: key })).status, 404);
  });

  it("GET /runners/available: online runners with a free slot only (not captured by /runners/:id)", async () => {
    const { user, key } = await fleetOwner();
    await registered(key, "free", 2);
    await registered(key, "full", 1);
    await registered(key, "busy", 3);
    await registered(key, "gone", 3);
    await queued(user.idToken);
    assert.equal((await claimed(key, "full")).length, 1);
    assert.equal((await heartbeat(key, "busy", { status: "busy", currentJobs: 0 })).status, 200);
    assert.equal((await call("DELETE", "/api/runners/gone", { token: key })).status, 200);
    const available = await call<{ runners: ReadRunner[] }>("GET", "/runners/available", { token: key });
    assert.equal(available.status, 200, JSON.stringify(available.body));
    assert.deepEqual(
      available.body.runners.map((r) => r.name),
      ["free"],
    );
    assert.equal(available.body.runners[0]?.status, "online");
    const all = await call<{ runners: ReadRunner[] }>("GET", "/runners", { token: key });
    assert.deepEqual(
      all.body.runners.map((r) => [r.name, r.status, r.pod_count]),
      [
        ["free", "online", 0],
        ["full", "online", 1],
        ["busy", "busy", 0],
        ["gone", "offline", 0],
      ],
    );
  });

  it("GET /runners/:id/pods pages exactly (7 jobs: limit 3 at offsets 0, 3, 6), filters by status, newest first", async function () {
    this.timeout(60_000);
    // The result route's workers booted first: a cold boot after the claim outlasted the tests'
    // 4 s leases when this file ran on its own (409, the lease gone).
    await warmUp([["/api/runners/tasks/warm/result", 3]]);
    const { user, key } = await fleetOwner();
    const runner = await registered(key, "podded", 10);
    const queuedTasks: Task[] = [];
    for (let i = 0; i < 7; i++)
      queuedTasks.push(await queued(user.idToken, { aiConfig: { agentType: "claude-code", prompt: `Task ${i}` } }));
    const tasks = await claimed(key, "podded", 7);
    assert.equal(tasks.length, 7);
    // Three finish (terminated), four still run.
    const finished = queuedTasks.slice(0, 3).map((t) => t.id);
    // At once: the tests' leases are 4 s, and one submission after another outlasted them on a
    // busy machine (409, the lease gone).
    for (const done of await Promise.all(finished.map((id) => submit(key, id, resultBody("podded")))))
      assert.equal(done.status, 200, JSON.stringify(done.body));
    const other = await registered(key, "idle");

    const page = (query: string) => call<PodPage>("GET", `/runners/${runner.seq}/pods${query}`, { token: key });
    const pages = await Promise.all([page("?limit=3&offset=0"), page("?limit=3&offset=3"), page("?limit=3&offset=6")]);
    pages.forEach((p) => assert.equal(p.status, 200, JSON.stringify(p.body)));
    assert.deepEqual(
      pages.map((p) => p.body.pods.length),
      [3, 3, 1],
    );
    assert.deepEqual(
      pages.map((p) => [p.body.total, p.body.limit, p.body.offset]),
      [
        [7, 3, 0],
        [7, 3, 3],
        [7, 3, 6],
      ],
    );
    const keys = pages.flatMap((p) => p.body.pods.map((pod) => pod.key));
    assert.equal(new Set(keys).size, 7);
    assert.deepEqual([...keys].sort(), queuedTasks.map((t) => t.id).sort());
    const createdAt = pages.flatMap((p) => p.body.pods.map((pod) => Date.parse(pod.created_at)));
    assert.deepEqual(
      createdAt,
      [...createdAt].sort((a, b) => b - a),
      "newest first",
    );
    assert.deepEqual(
      keys,
      [...queuedTasks].reverse().map((t) => t.id),
      "queued one after another, so exactly reversed",
    );
    const firstPod = pages[0]?.body.pods[0];
    assert.deepEqual(Object.keys(firstPod ?? {}).sort(), [
      "agent_type_id",
      "created_at",
      "initial_prompt",
      "key",
      "status",
    ]);
    assert.equal(firstPod?.agent_type_id, "claude-code");
    assert.equal(firstPod?.initial_prompt, "Task 6");
    assert.match(firstPod?.created_at ?? "", ISO);

    const defaults = await page("");
    assert.deepEqual(
      [defaults.body.total, defaults.body.limit, defaults.body.offset, defaults.body.pods.length],
      [7, 50, 0, 7],
    );
    const running = await page("?status=running");
    assert.equal(running.body.total, 4);
    assert.ok(running.body.pods.every((p) => p.status === "running"));
    const terminated = await page("?status=terminated&limit=2");
    assert.deepEqual([terminated.body.total, terminated.body.pods.length], [3, 2]);
    assert.ok(terminated.body.pods.every((p) => finished.includes(p.key) && p.status === "terminated"));
    assert.deepEqual((await page("?status=pending")).body, { pods: [], total: 0, limit: 50, offset: 0 });
    assert.deepEqual((await page("?offset=10")).body, { pods: [], total: 7, limit: 50, offset: 10 });
    const empty = await call<PodPage>("GET", `/runners/${other.seq}/pods`, { token: key });
    assert.deepEqual(empty.body, { pods: [], total: 0, limit: 50, offset: 0 });

    for (const bad of ["?status=exploded", "?limit=0", "?limit=201", "?limit=x", "?offset=-1", "?offset=1.5"]) {
      const response = await page(bad);
      assert.equal(response.status, 400, bad);
    }
    assert.equal((await call("GET", "/runners/abc/pods", { token: key })).status, 400);
    assert.equal((await call("GET", "/runners/999/pods", { token: key })).status, 404);
  });

  it("needs runners:read: a key without it 403, no credentials 401, a bad token 401", async () => {
    const { user } = await fleetOwner();
    const { key: writeOnly } = await createApiKey(user, ["runners:write", "jobs:read"]);
    for (const path of ["/runners", "/runners/available", "/runners/1", "/runners/1/pods"]) {
      const denied = await call<{ error: string }>("GET", path, { token: writeOnly });
      assert.equal(denied.status, 403, path);
      assert.equal(denied.body.error, "MISSING_SCOPE");
      assert.equal((await call("GET", path)).status, 401, path);
      assert.equal((await call("GET", path, { token: "nonsense" })).status, 401, path);
    }
    const { key: readOnly } = await createApiKey(user, ["runners:read"]);
    assert.equal((await call("GET", "/runners", { token: readOnly })).status, 200);
  });
});
