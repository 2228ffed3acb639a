/**
 * Queue semantics of the jobs API (issue 16 item 4, in part): a delayed job is not leased before
 * its time; a runner's fail with `retry` brings the job back after its backoff, counting
 * attempts, and the last attempt ends it FAILED with the reason. The jitter and doubling are
 * unit-tested on a fixed clock (functions/src/core/jobs/backoff.spec.ts); here the times are the
 * job's own short backoff, and claims look at a queue's delayed jobs at most once a second.
 */
import assert from "node:assert/strict";
import { call } from "../harness/stack";
import { createJob, jobsUser, leaseJobs, leaseOne, runnerCall, storedJob, warmUp } from "./jobs-fixtures";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("jobs API queue semantics: delays and retries", () => {
  before(async function () {
    this.timeout(300_000);
    await warmUp([
      ["/jobs", 1],
      ["/jobs/runner/lease", 1],
      // The retry test holds a 4 s lease: a cold fail or heartbeat worker would outlast it.
      ["/jobs/x/runner/fail", 1],
      ["/jobs/x/runner/heartbeat", 2],
      ["/jobs/x/runner/complete", 1],
    ]);
  });

  it("delayMs: not leased before its time, leased once due; a waiting lease call gets it when it falls due", async function () {
    this.timeout(60_000);
    const { user, runnerKey } = await jobsUser();
    const created = Date.now();
    const job = await createJob(user.idToken, { delayMs: 6_000 });
    const stored = await storedJob(job.id);
    assert.match(String(stored.pendingShard), /#later$/, "parked outside the queue's claim window");
    assert.deepEqual(await leaseJobs(runnerKey, "early"), [], "not before its time");
    const plain = await createJob(user.idToken, { priority: -5 });
    assert.deepEqual(
      (await leaseJobs(runnerKey, "early")).map((j) => j.id),
      [plain.id],
      "a due job is not hidden by the delayed one",
    );
    // A waiting call sees it fall due (its timer is the later shard's head, not a poll).
    const waited = await call<{ jobs: { id: string }[] }>("POST", "/jobs/runner/lease", {
      token: runnerKey,
      body: { runnerId: "patient", waitMs: 20_000 },
    });
    const at = Date.now() - created;
    assert.deepEqual(
      waited.body.jobs.map((j) => j.id),
      [job.id],
    );
    assert.ok(at >= 6_000, `not before its time (${at} ms)`);
    assert.ok(at < 15_000, `soon after (${at} ms)`);
  });

  it("runAt in the past is due at once; delayMs with runAt, or runAt past 30 days, is 400 and creates nothing", async function () {
    this.timeout(30_000);
    const { user, runnerKey } = await jobsUser();
    const past = await createJob(user.idToken, { runAt: new Date(Date.now() - 60_000).toISOString() });
    assert.deepEqual(
      (await leaseJobs(runnerKey, "r")).map((j) => j.id),
      [past.id],
    );
    const base = { type: "build", workflowPath: "w.md", params: {} };
    for (const body of [
      { ...base, delayMs: 1_000, runAt: new Date().toISOString() },
      { ...base, runAt: new Date(Date.now() + 31 * 24 * 3600_000).toISOString() },
      { ...base, runAt: "tomorrow" },
      { ...base, delayMs: -1 },
      { ...base, backoffMs: 5_000, backoffMaxMs: 2_000 },
    ]) {
      const answer = await call("POST", "/jobs", { token: user.idToken, body });
      assert.equal(answer.status, 400, JSON.stringify(body));
    }
    const list = await call<{ jobs: unknown[] }>("GET", "/jobs", { token: user.idToken });
    assert.equal(list.body.jobs.length, 1, "only the valid job exists");
  });

  it("fail with retry: back after its backoff with attempts counted; the last attempt ends FAILED with the reason", async function () {
    this.timeout(60_000);
    const { user, runnerKey } = await jobsUser();
    const job = await createJob(user.idToken, { maxAttempts: 2, backoffMs: 2_000, backoffMaxMs: 2_000 });
    const first = await leaseOne(runnerKey, "r1");
    const failedAt = Date.now();
    const retry = await runnerCall(runnerKey, job.id, "fail", "r1", first.leaseToken, { error: "flaky", retry: true });
    assert.deepEqual([retry.status, retry.body.status, retry.body.attempts], [200, "PENDING", 1]);
    assert.deepEqual(await leaseJobs(runnerKey, "r2"), [], "not during its backoff");
    const late = await runnerCall(runnerKey, job.id, "heartbeat", "r1", first.leaseToken);
    assert.equal(late.status, 409, "the old lease is gone");
    let second: { id: string; leaseToken: string } | undefined;
    while (second === undefined && Date.now() - failedAt < 10_000) {
      [second] = await leaseJobs(runnerKey, "r2");
      if (second === undefined) await sleep(250);
    }
    assert.ok(second !== undefined && second.id === job.id, "back after its backoff");
    const waited = Date.now() - failedAt;
    assert.ok(waited >= 1_000, `not before half its backoff (${waited} ms)`);
    const last = await runnerCall(runnerKey, job.id, "fail", "r2", second.leaseToken, {
      error: "still flaky",
      retry: true,
    });
    assert.deepEqual([last.status, last.body.status], [200, "FAILED"]);
    const stored = await storedJob(job.id);
    assert.deepEqual([stored.status, stored.attempts, stored.error], ["FAILED", 2, "still flaky"]);
    const dead = await call<{ jobs: { id: string }[] }>("GET", "/jobs?status=FAILED", { token: user.idToken });
    assert.deepEqual(
      dead.body.jobs.map((j) => j.id),
      [job.id],
      "listed with the failed jobs",
    );
  });
  it("timeoutMs: ends FAILED with TIMED_OUT though its holder keeps beating; beats at the deadline, five at once, are all 409 and end it once", async function () {
    this.timeout(60_000);
    const { user, runnerKey } = await jobsUser();
    const TIMEOUT_MS = 3_000;
    const job = await createJob(user.idToken, { timeoutMs: TIMEOUT_MS, maxAttempts: 3 });
    const leasedAt = Date.now();
    const held = await leaseOne(runnerKey, "slow");
    const deadline = Date.parse(String(held.leaseExpiresAt));
    assert.ok(deadline - leasedAt <= TIMEOUT_MS + 1_000, "the lease ends at the deadline, not after the 4 s lease");
    // Beats well inside the deadline keep it, and never extend past it.
    const beat = await runnerCall<{ leaseExpiresAt: string }>(runnerKey, job.id, "heartbeat", "slow", held.leaseToken);
    assert.equal(beat.status, 200, JSON.stringify(beat.body));
    assert.ok(Date.parse(beat.body.leaseExpiresAt) <= deadline, "a beat does not move the deadline");
    await sleep(Math.max(0, deadline - Date.now() + 200));
    const beats = await Promise.all(
      Array.from({ length: 5 }, () => runnerCall(runnerKey, job.id, "heartbeat", "slow", held.leaseToken)),
    );
    assert.ok(
      beats.every((b) => b.status === 409),
      JSON.stringify(beats.map((b) => [b.status, b.body.error])),
    );
    assert.ok(
      beats.some((b) => b.body.error === "TIMED_OUT"),
      "the holder learns why",
    );
    const stored = await storedJob(job.id);
    assert.equal(stored.status, "FAILED");
    assert.match(String(stored.error), /^TIMED_OUT/);
    assert.equal(stored.attempts, 0, "ended, not retried");
    const complete = await runnerCall(runnerKey, job.id, "complete", "slow", held.leaseToken, { result: {} });
    assert.equal(complete.status, 409, "too late to complete");
    assert.deepEqual(await leaseJobs(runnerKey, "other"), [], "and it is not handed out again");
  });
});
