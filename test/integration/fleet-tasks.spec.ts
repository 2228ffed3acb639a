import assert from "node:assert/strict";
import { createApiKey } from "../harness/fixtures";
import { adminDb, call } from "../harness/stack";
import { warmUp } from "./jobs-fixtures";
import {
  claim,
  claimed,
  fleetOwner,
  heartbeat,
  jobDoc,
  logLines,
  queue,
  queued,
  registered,
  resultBody,
  heldCount,
  storedState,
  submit,
  taskBody,
  type FleetError,
  type Task,
} from "./fleet-fixtures";

async function jobCount(): Promise<number> {
  return (await adminDb().collection("jobs").get()).size;
}

function postStatus(key: string, taskId: string, body: unknown, runnerId?: string) {
  return call<{ data: Task }>("POST", `/api/runners/tasks/${taskId}/status`, {
    token: key,
    body,
    headers: runnerId === undefined ? {} : { "x-runner-id": runnerId },
  });
}

function postLogs(key: string, taskId: string, body: unknown, runnerId?: string) {
  return call<{ data: { appended: number; firstSeq: number; lastSeq: number } }>(
    "POST",
    `/api/runners/tasks/${taskId}/logs`,
    {
      token: key,
      body,
      headers: runnerId === undefined ? {} : { "x-runner-id": runnerId },
    },
  );
}

describe("fleet tasks (seed 004): queue, claim, status, logs, result", () => {
  before(async function () {
    this.timeout(300_000);
    // The holder calls below run within the test stack's 4 s lease: a cold worker (its first
    // call boots one, seconds on a loaded machine) would outlast it and answer 409.
    await warmUp([
      ["/api/runners/tasks/x/status", 1],
      ["/api/runners/tasks/x/logs", 1],
      ["/api/runners/tasks/x/result", 1],
      ["/api/runners/x/heartbeat", 1],
    ]);
  });

  it("queues a review task for a signed-in user or a jobs:write key (201); stored as a PENDING review job in the owner's queue", async () => {
    const { user } = await fleetOwner();
    const response = await queue(user.idToken, { tags: ["gpu"], priority: 5 });
    assert.equal(response.status, 201, JSON.stringify(response.body));
    const task = response.body.data;
    assert.equal(task.status, "pending");
    assert.equal(task.repositoryUrl, taskBody().repositoryUrl);
    assert.equal(task.commitSha, taskBody().commitSha);
    assert.deepEqual(task.files, taskBody().files);
    assert.deepEqual(task.aiConfig, taskBody().aiConfig);
    assert.deepEqual(task.tags, ["gpu"]);
    const job = await jobDoc(task.id);
    assert.equal(job.kind, "review");
    assert.equal(job.queue, `review/user:${user.uid}`);
    assert.equal(job.status, "PENDING");
    assert.equal(job.ownerUid, user.uid);
    assert.equal(job.priority, 5);
    assert.equal(job.logSeq, 0);

    const { key: jobsKey } = await createApiKey(user, ["jobs:write"]);
    assert.equal((await queue(jobsKey)).status, 201);
    const { key: runnersKey } = await createApiKey(user, ["runners:write", "runners:read"]);
    assert.equal((await queue(runnersKey)).status, 403);
    assert.equal((await call("POST", "/api/runners/tasks", { body: taskBody() })).status, 401);
    assert.equal(await jobCount(), 2);
  });

  it("refuses invalid tasks with 400 and stores nothing", async () => {
    const { user } = await fleetOwner();
    const bad: Record<string, unknown>[] = [
      { commitSha: "not-a-sha" },
      { repositoryUrl: "file:///etc/passwd" },
      { branch: "has space" },
      { files: [{ path: "a.ts", status: "exploded" }] },
      { aiConfig: {} },
      { tags: Array.from({ length: 33 }, (_, i) => `t${i}`) },
      { maxAttempts: 0 },
      { surprise: true },
    ];
    for (const over of bad) {
      const response = await call<FleetError>("POST", "/api/runners/tasks", {
        token: user.idToken,
        body: taskBody(over),
      });
      assert.equal(response.status, 400, JSON.stringify(over));
      assert.equal(response.body.data, null);
    }
    const { commitSha: _omitted, ...missing } = taskBody();
    assert.equal((await call("POST", "/api/runners/tasks", { token: user.idToken, body: missing })).status, 400);
    assert.equal(await jobCount(), 0);
  });

  it("claims with the seed's task payload: limit defaults to 1 and is capped by the runner's free concurrency", async () => {
    const { user, key } = await fleetOwner();
    const tasks = [];
    for (let i = 0; i < 5; i++) tasks.push(await queued(user.idToken));
    await registered(key, "worker", 3);
    const one = await claimed(key, "worker");
    assert.equal(one.length, 1, "default limit 1");
    const first = one[0];
    assert.ok(first);
    assert.equal(first.status, "leased");
    assert.equal(first.runnerId, "worker");
    assert.equal(first.repositoryUrl, taskBody().repositoryUrl);
    assert.equal(first.branch, taskBody().branch);
    assert.deepEqual(first.aiConfig, taskBody().aiConfig);
    assert.ok(first.leaseExpiresAt !== null && Date.parse(first.leaseExpiresAt) > Date.now());
    const more = await claimed(key, "worker", 10);
    assert.equal(more.length, 2, "3 slots, 1 taken: 2 more however many are asked for");
    assert.deepEqual(await claimed(key, "worker", 5), [], "full");
    const ids = [first.id, ...more.map((t) => t.id)];
    assert.equal(new Set(ids).size, 3);
    for (const id of ids) {
      const job = await jobDoc(id);
      assert.equal(job.status, "LEASED");
      assert.equal((job.lease as { holder: string }).holder, `${user.uid}:worker`);
      assert.equal(job.ranBy, `${user.uid}:worker`);
    }
    assert.equal(await heldCount(user.uid, "worker"), 3);
    const listed = await call<{ data: { heldJobs: number } }>("GET", "/api/runners/worker", { token: key });
    assert.equal(listed.body.data.heldJobs, 3);
    assert.equal((await adminDb().collection("jobs").where("status", "==", "PENDING").get()).size, 2);
  });

  it("refuses bad claims: 400 for a missing runnerId or a bad limit, 404 for an unknown runner", async () => {
    const { user, key } = await fleetOwner();
    await queued(user.idToken);
    await registered(key, "worker");
    assert.equal((await call("GET", "/api/runners/tasks/pending", { token: key })).status, 400);
    for (const limit of ["0", "abc", "101", "1.5"])
      assert.equal((await claim(key, "worker", limit)).status, 400, limit);
    const unknown = await claim(key, "ghost");
    assert.equal(unknown.status, 404);
    assert.equal((unknown.body as unknown as FleetError).reason, "RUNNER_NOT_FOUND");
    assert.equal((await call("GET", "/api/runners/tasks/pending?runnerId=worker")).status, 401);
    const { key: readKey } = await createApiKey(user, ["runners:read"]);
    assert.equal((await claim(readKey, "worker")).status, 403);
    assert.equal(
      (await adminDb().collection("jobs").where("status", "==", "PENDING").get()).size,
      1,
      "nothing was claimed",
    );
  });

  it("hands a tagged task only to a runner carrying all its tags, and never another owner's task", async () => {
    const { user, key } = await fleetOwner();
    const stranger = await fleetOwner();
    const tagged = await queued(user.idToken, { tags: ["gpu", "fast"] });
    await registered(stranger.key, "theirs", 5, "gpu,fast");
    await registered(key, "plain", 5);
    await registered(key, "gpu-only", 5, "gpu");
    await registered(key, "gpu-fast", 5, "fast,gpu,big");
    assert.deepEqual(await claimed(stranger.key, "theirs"), []);
    assert.deepEqual(await claimed(key, "plain"), []);
    assert.deepEqual(await claimed(key, "gpu-only"), []);
    const got = await claimed(key, "gpu-fast");
    assert.deepEqual(
      got.map((t) => t.id),
      [tagged.id],
    );
    const untagged = await queued(user.idToken);
    assert.deepEqual(
      (await claimed(key, "plain")).map((t) => t.id),
      [untagged.id],
      "an untagged task suits any runner",
    );
  });

  it("status: the holder moves the task to RUNNING with its phase and a fresh lease; others get 409, bad phases 400", async () => {
    const { user, key } = await fleetOwner();
    const task = await queued(user.idToken);
    await registered(key, "holder");
    await registered(key, "other");
    const [got] = await claimed(key, "holder");
    assert.equal(got?.id, task.id);
    const before = await jobDoc(task.id);

    const ok = await postStatus(key, task.id, { status: "cloning" }, "holder");
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.data.status, "running");
    assert.equal(ok.body.data.phase, "cloning");
    const after = await jobDoc(task.id);
    assert.equal(after.status, "RUNNING");
    assert.equal(after.phase, "cloning");
    const expires = (job: Record<string, unknown>) => (job.leaseExpiresAt as { toMillis(): number }).toMillis();
    assert.ok(expires(after) >= expires(before), "lease extended");
    // Unnamed runner: one of the owner's runners holds it, so it is accepted.
    assert.equal((await postStatus(key, task.id, { status: "reviewing" })).status, 200);
    assert.equal((await jobDoc(task.id)).phase, "reviewing");

    const snapshot = await storedState(task.id, user.uid, ["holder", "other"]);
    const wrong = await postStatus(key, task.id, { status: "submitting" }, "other");
    assert.equal(wrong.status, 409);
    assert.equal((wrong.body as unknown as FleetError).reason, "LEASE_NOT_HELD");
    assert.equal((await postStatus(key, task.id, { status: "submitting", runnerId: "other" })).status, 409);
    assert.equal((await postStatus(key, task.id, { status: "done" }, "holder")).status, 400);
    assert.equal(
      (await postStatus(key, task.id, { status: "cloning", runnerId: "other" }, "holder")).status,
      400,
      "two different runners named",
    );
    assert.equal((await postStatus(key, "nosuchtask", { status: "cloning" }, "holder")).status, 404);
    const stranger = await fleetOwner();
    assert.equal((await postStatus(stranger.key, task.id, { status: "cloning" })).status, 404);
    assert.equal(await storedState(task.id, user.uid, ["holder", "other"]), snapshot, "refused calls changed nothing");

    const pending = await queued(user.idToken);
    assert.equal(
      (await postStatus(key, pending.id, { status: "preparing" }, "holder")).status,
      409,
      "nobody holds a pending task",
    );
    assert.equal((await postStatus(key, pending.id, { status: "preparing" })).status, 409);
  });

  it("logs: 1–200 lines a call, each numbered after the last in the logs subcollection; holder only", async () => {
    const { user, key } = await fleetOwner();
    const task = await queued(user.idToken);
    await registered(key, "holder");
    await registered(key, "other");
    await claimed(key, "holder");
    const first = await postLogs(key, task.id, { logs: ["cloning", "cloned"] }, "holder");
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.deepEqual(first.body.data, { id: task.id, appended: 2, firstSeq: 1, lastSeq: 2 });
    const second = await postLogs(key, task.id, { logs: ["a", "b", "c"] });
    assert.deepEqual(second.body.data, { id: task.id, appended: 3, firstSeq: 3, lastSeq: 5 });
    const lines = await logLines(task.id);
    assert.deepEqual(
      lines.map((l) => [l.seq, l.line, l.stream]),
      [
        [1, "cloning", "log"],
        [2, "cloned", "log"],
        [3, "a", "log"],
        [4, "b", "log"],
        [5, "c", "log"],
      ],
    );
    assert.equal((await jobDoc(task.id)).logSeq, 5);
    const full = await postLogs(key, task.id, { logs: Array.from({ length: 200 }, (_, i) => `line ${i}`) });
    assert.equal(full.status, 200);
    assert.equal(full.body.data.lastSeq, 205);

    const snapshot = await storedState(task.id, user.uid, ["holder", "other"]);
    for (const bad of [
      { logs: [] },
      { logs: Array.from({ length: 201 }, () => "x") },
      { logs: ["x".repeat(4097)] },
      { logs: "one line" },
      {},
    ]) {
      const response = await postLogs(key, task.id, bad, "holder");
      assert.equal(response.status, 400, JSON.stringify(bad).slice(0, 60));
      assert.equal(response.body.data, null);
    }
    assert.equal((await postLogs(key, task.id, { logs: ["sneaky"] }, "other")).status, 409);
    assert.equal((await postLogs(key, "nosuchtask", { logs: ["x"] })).status, 404);
    assert.equal((await call("POST", `/api/runners/tasks/${task.id}/logs`, { body: { logs: ["x"] } })).status, 401);
    assert.equal(await storedState(task.id, user.uid, ["holder", "other"]), snapshot, "refused calls changed nothing");
  });

  it("result: ends the task SUCCEEDED with the result and final logs, frees the slot; an identical retry is harmless, a different one 409", async () => {
    const { user, key } = await fleetOwner();
    const task = await queued(user.idToken);
    await registered(key, "holder", 2);
    await claimed(key, "holder");
    assert.equal((await postLogs(key, task.id, { logs: ["working"] }, "holder")).status, 200);
    const body = resultBody("holder", { logs: ["posting", "done"] });
    const done = await submit(key, task.id, body);
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal(done.body.data.status, "succeeded");
    assert.equal(done.body.data.runnerId, "holder");
    const job = await jobDoc(task.id);
    assert.equal(job.status, "SUCCEEDED");
    assert.equal(job.lease, null);
    assert.equal(job.finishedBy, `${user.uid}:holder`);
    assert.deepEqual(job.result, {
      outcome: "success",
      files: body.files,
      totalComments: 1,
      rating: "B",
      metrics: body.metrics,
      error: null,
    });
    assert.deepEqual(
      (await logLines(task.id)).map((l) => [l.seq, l.line]),
      [
        [1, "working"],
        [2, "posting"],
        [3, "done"],
      ],
    );
    assert.equal(job.logSeq, 3);
    assert.equal(await heldCount(user.uid, "holder"), 0);

    const snapshot = await storedState(task.id, user.uid, ["holder"]);
    const retry = await submit(key, task.id, body);
    assert.equal(retry.status, 200);
    assert.deepEqual(retry.body.data, done.body.data);
    assert.equal(await storedState(task.id, user.uid, ["holder"]), snapshot, "the retry wrote nothing");
    // The same result with the keys of the body, of `metrics` and of a `files` entry in another order.
    const reordered = {
      logs: body.logs,
      metrics: { cloneMs: 200, durationMs: 1234 },
      rating: "B",
      totalComments: 1,
      files: [{ comments: [{ body: "Consider a constant.", line: 1 }], path: "src/login.ts" }],
      status: "success",
      runnerId: "holder",
    };
    const shuffled = await submit(key, task.id, reordered);
    assert.equal(shuffled.status, 200, JSON.stringify(shuffled.body));
    assert.deepEqual(shuffled.body.data, done.body.data);
    assert.equal(await storedState(task.id, user.uid, ["holder"]), snapshot, "the reordered retry wrote nothing");
    const different = await submit(key, task.id, { ...body, totalComments: 2 });
    assert.equal(different.status, 409);
    assert.equal((different.body as unknown as FleetError).reason, "ALREADY_COMPLETED");
    assert.equal(await storedState(task.id, user.uid, ["holder"]), snapshot);
  });

  it("result: a failed review ends FAILED with its error; bad results are 400 and change nothing", async () => {
    const { user, key } = await fleetOwner();
    const task = await queued(user.idToken);
    await registered(key, "holder");
    await claimed(key, "holder");
    const snapshot = await storedState(task.id, user.uid, ["holder"]);
    const bad: Record<string, unknown>[] = [
      { status: "meh" },
      { rating: "E" },
      { totalComments: -1 },
      { files: "none" },
      { metrics: { spans: [[1, 2]] } },
      { logs: ["x".repeat(4097)] },
      { runnerId: undefined },
    ];
    for (const over of bad) {
      const response = await submit(key, task.id, resultBody("holder", over));
      assert.equal(response.status, 400, JSON.stringify(over));
    }
    assert.equal(await storedState(task.id, user.uid, ["holder"]), snapshot);
    const failed = await submit(
      key,
      task.id,
      resultBody("holder", { status: "failed", error: "clone failed", rating: undefined, logs: undefined }),
    );
    assert.equal(failed.status, 200, JSON.stringify(failed.body));
    assert.equal(failed.body.data.status, "failed");
    const job = await jobDoc(task.id);
    assert.equal(job.status, "FAILED");
    assert.equal(job.error, "clone failed");
    assert.equal((job.result as { rating: unknown }).rating, null);
    assert.equal(await heldCount(user.uid, "holder"), 0);
  });

  it("result from a runner that no longer holds the task: 409 and nothing changes", async () => {
    const { user, key } = await fleetOwner();
    const task = await queued(user.idToken);
    await registered(key, "first");
    await claimed(key, "first");
    // First loses the task (deregistered), second takes it.
    assert.equal((await call("DELETE", "/api/runners/first", { token: key })).status, 200);
    await registered(key, "second");
    assert.deepEqual(
      (await claimed(key, "second")).map((t) => t.id),
      [task.id],
    );
    assert.equal((await heartbeat(key, "first")).status, 200, "first comes back online, still without the task");
    const snapshot = await storedState(task.id, user.uid, ["first", "second"]);
    const late = await submit(key, task.id, resultBody("first"));
    assert.equal(late.status, 409);
    assert.equal((late.body as unknown as FleetError).reason, "LEASE_NOT_HELD");
    assert.equal((late.body as unknown as FleetError).data, null);
    assert.equal((await postLogs(key, task.id, { logs: ["late"] }, "first")).status, 409);
    assert.equal((await postStatus(key, task.id, { status: "submitting" }, "first")).status, 409);
    assert.equal((await submit(key, task.id, resultBody("nobody"))).status, 409);
    assert.equal(await storedState(task.id, user.uid, ["first", "second"]), snapshot, "nothing changed");
    // The real holder finishes it.
    assert.equal((await submit(key, task.id, resultBody("second"))).status, 200);
    assert.equal((await jobDoc(task.id)).finishedBy, `${user.uid}:second`);
  });
});
