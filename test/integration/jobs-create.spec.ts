import assert from "node:assert/strict";
import { adminDb, call, createUser } from "../harness/stack";
import { createJob, jobBody, jobsUser, storedJob, type Snapshot } from "./jobs-fixtures";

describe("jobs API: create, read, auth (seed 002)", () => {
  it("creates a generic job in the owner's queue: 201, snapshot, stored JobDoc", async () => {
    const { user } = await jobsUser();
    const response = await call<Snapshot>("POST", "/jobs", {
      token: user.idToken,
      body: jobBody({ tags: ["linux"], priority: 5 }),
    });
    assert.equal(response.status, 201, JSON.stringify(response.body));
    const job = response.body;
    assert.match(job.id, /^[A-Za-z0-9]{20}$/);
    assert.equal(response.headers.get("location"), `/jobs/${job.id}`);
    assert.equal(job.status, "PENDING");
    assert.equal(job.type, "implement");
    assert.equal(job.workflowPath, "workflows/job/workflow.md");
    assert.deepEqual(job.params, { repo: "org/api", ticket: 7 });
    assert.deepEqual(job.tags, ["linux"]);
    assert.equal(job.priority, 5);
    assert.equal(job.attempts, 0);
    assert.equal(job.lease, null);
    assert.deepEqual(job.children, []);
    assert.deepEqual(job.artifacts, []);
    const stored = await storedJob(job.id);
    assert.equal(stored.kind, "generic");
    assert.equal(stored.queue, `generic/user:${user.uid}`);
    // Its queue's shard, then its tag set: a runner reads only the tag sets it may take.
    assert.match(String(stored.pendingShard), new RegExp(`^generic/user:${user.uid}#\\d#\\["linux"\\]$`));
    assert.equal(stored.leaseMs, 4000, "JOB_LEASE_MS (shortened in tests)");
    assert.deepEqual(stored.payload, {
      type: "implement",
      workflowPath: "workflows/job/workflow.md",
      params: { repo: "org/api", ticket: 7 },
    });

    const read = await call<Snapshot>("GET", `/jobs/${job.id}`, { token: user.idToken });
    assert.equal(read.status, 200);
    assert.deepEqual(read.body, job);
  });

  it("refuses bad bodies with 400 in the jobs envelope and stores nothing", async () => {
    const { user } = await jobsUser();
    const bad = [
      { workflowPath: "w", params: {} },
      jobBody({ params: [1, 2] }),
      jobBody({ params: { matrix: [[1, 2]] } }),
      jobBody({ priority: 1.5 }),
      jobBody({ children: [{ name: "a" }, { name: "a" }] }),
      jobBody({ surprise: true }),
    ];
    for (const body of bad) {
      const response = await call<{ error: string; message: string; detail?: unknown }>("POST", "/jobs", {
        token: user.idToken,
        body,
      });
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.equal(response.body.error, "INVALID_REQUEST");
      assert.equal(typeof response.body.message, "string");
    }
    const notJson = await call<{ error: string }>("POST", "/jobs", {
      token: user.idToken,
      rawBody: "{",
      headers: { "content-type": "application/json" },
    });
    // Rejected by the platform's JSON body parser before the route runs (so not in our envelope).
    assert.equal(notJson.status, 400);
    assert.equal((await adminDb().collection("jobs").get()).size, 0);
  });

  it("checks credentials and scopes: no token 401, jobs:read key cannot create (403), runner key cannot read (403)", async () => {
    const { user, readKey, writeKey, runnerKey } = await jobsUser();
    const anonymous = await call<{ error: string }>("POST", "/jobs", { body: jobBody() });
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.body.error, "UNAUTHENTICATED");
    assert.equal((await call("GET", "/jobs")).status, 401);
    assert.equal((await call("GET", "/jobs", { token: "not-a-token" })).status, 401);

    const readOnly = await call<{ error: string }>("POST", "/jobs", { token: readKey, body: jobBody() });
    assert.equal(readOnly.status, 403);
    assert.equal(readOnly.body.error, "MISSING_SCOPE");
    assert.equal((await adminDb().collection("jobs").get()).size, 0, "nothing created");

    const viaKey = await createJob(writeKey);
    assert.equal((await call("GET", `/jobs/${viaKey.id}`, { token: readKey })).status, 200);
    assert.equal((await call("GET", `/jobs/${viaKey.id}`, { token: runnerKey })).status, 403);
    assert.equal((await call("POST", `/jobs/${viaKey.id}/cancel`, { token: readKey })).status, 403);
    assert.equal(
      (await call<Snapshot>("GET", `/jobs/${viaKey.id}`, { token: user.idToken })).body.id,
      viaKey.id,
      "the key's owner sees it",
    );
  });

  it("hides another owner's job behind 404, for reads and controls alike", async () => {
    const alice = await jobsUser();
    const bob = await createUser();
    const job = await createJob(alice.user.idToken);
    for (const [method, path] of [
      ["GET", `/jobs/${job.id}`],
      ["GET", `/jobs/${job.id}/stream`],
      ["POST", `/jobs/${job.id}/cancel`],
      ["POST", `/jobs/${job.id}/pause`],
    ] as const) {
      const response = await call<{ error: string }>(method, path, { token: bob.idToken });
      assert.equal(response.status, 404, `${method} ${path}`);
      assert.equal(response.body.error, "JOB_NOT_FOUND");
    }
    const listed = await call<{ jobs: unknown[] }>("GET", "/jobs", { token: bob.idToken });
    assert.deepEqual(listed.body.jobs, []);
    assert.equal((await storedJob(job.id)).status, "PENDING", "untouched");
  });

  it("makes one job for an idempotent create retried: 201 then 200 with the same job", async () => {
    const { user } = await jobsUser();
    const headers = { "idempotency-key": "retry-me-1" };
    const first = await call<Snapshot>("POST", "/jobs", { token: user.idToken, body: jobBody(), headers });
    assert.equal(first.status, 201);
    const second = await call<Snapshot>("POST", "/jobs", { token: user.idToken, body: jobBody(), headers });
    assert.equal(second.status, 200);
    assert.equal(second.headers.get("idempotent-replayed"), "true");
    assert.equal(second.body.id, first.body.id);
    assert.equal(second.body.idempotencyKey, "retry-me-1");
    // The key in the body means the same thing as the header.
    const third = await call<Snapshot>("POST", "/jobs", {
      token: user.idToken,
      body: jobBody({ idempotencyKey: "retry-me-1" }),
    });
    assert.deepEqual([third.status, third.body.id], [200, first.body.id]);
    assert.equal((await adminDb().collection("jobs").get()).size, 1);
  });

  it("makes one job when 12 identical idempotent creates race, children included", async function () {
    this.timeout(180_000);
    const { user, writeKey } = await jobsUser();
    const body = jobBody({ idempotencyKey: "race-1", children: [{ name: "a" }, { name: "b", start: "manual" }] });
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        call<Snapshot>("POST", "/jobs", { token: i % 2 === 0 ? user.idToken : writeKey, body }),
      ),
    );
    assert.ok(
      answers.every((a) => a.status === 200 || a.status === 201),
      JSON.stringify(answers.map((a) => [a.status, a.body])),
    );
    assert.equal(answers.filter((a) => a.status === 201).length, 1, "exactly one call created it");
    assert.equal(new Set(answers.map((a) => a.body.id)).size, 1);
    const all = await adminDb().collection("jobs").get();
    assert.equal(all.size, 3, "the parent and its two children, once");
  });

  it("refuses the same idempotency key with a different body (409) and leaves the job alone", async () => {
    const { user } = await jobsUser();
    const headers = { "idempotency-key": "k-2" };
    const first = await call<Snapshot>("POST", "/jobs", { token: user.idToken, body: jobBody(), headers });
    const before = await storedJob(first.body.id);
    const other = await call<{ error: string }>("POST", "/jobs", {
      token: user.idToken,
      body: jobBody({ params: { repo: "other" } }),
      headers,
    });
    assert.equal(other.status, 409);
    assert.equal(other.body.error, "IDEMPOTENCY_KEY_REUSED");
    assert.deepEqual(await storedJob(first.body.id), before);
    const mismatch = await call<{ error: string }>("POST", "/jobs", {
      token: user.idToken,
      body: jobBody({ idempotencyKey: "k-3" }),
      headers,
    });
    assert.equal(mismatch.status, 400);
    assert.equal(mismatch.body.error, "IDEMPOTENCY_KEY_MISMATCH");
    // Keys are per owner: another user's same key makes their own job.
    const bob = await createUser();
    const bobs = await call<Snapshot>("POST", "/jobs", { token: bob.idToken, body: jobBody(), headers });
    assert.equal(bobs.status, 201);
    assert.notEqual(bobs.body.id, first.body.id);
  });
});
