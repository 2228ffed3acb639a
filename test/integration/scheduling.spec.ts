/**
 * The scheduler (issue 16): exact priority-then-age order when nobody competes, no inversion
 * across priority levels under contention, and tag routing that jobs nobody present can take
 * never starve. Large queues are seeded by cloning a job the API created (1,000 HTTP creates
 * would take minutes here); each clone gets its own id and the `pendingShard` the core computes.
 */
import assert from "node:assert/strict";
import { Timestamp } from "firebase-admin/firestore";
import { pendingShardFor } from "../../functions/src/core/jobs/model";
import type * as ReleaseLease from "../../functions/src/core/jobs/releaseLease";
import { createInstance, lease, queuedWorkspace } from "../harness/fixtures";
import { FUNCTIONS_BASE } from "../../scripts/stack";
import { serveFunctionsInProcess } from "../harness/inProcess";
import { adminDb, call, createUser } from "../harness/stack";
import { fleetOwner, claimed, queued, registered } from "./fleet-fixtures";
import { createJob, jobsUser, leaseJobs, warmUp, type Leased } from "./jobs-fixtures";

/**
 * Writes `count` copies of job `templateId`, the i-th with `shape(i)` (priority, enqueue time),
 * and gives its team room for them and a few more.
 */
async function cloneJob(
  templateId: string,
  count: number,
  shape: (i: number) => { priority: number; enqueuedAt: Date },
): Promise<string[]> {
  const template = (await adminDb().collection("jobs").doc(templateId).get()).data() as {
    queue: string;
    tags: string[];
  } & Record<string, unknown>;
  // Room past the default 1,000 pending jobs per team (an operator's limit on the quota
  // document, as a large team would have), so the job after the clones can still be created.
  await adminDb()
    .collection("quotas")
    .doc(`pendingJobs:team:${String(template.teamId)}`)
    .set({ limit: count + 100 }, { merge: true });
  const ids: string[] = [];
  for (let start = 0; start < count; start += 400) {
    const batch = adminDb().batch();
    for (let i = start; i < Math.min(count, start + 400); i++) {
      const ref = adminDb().collection("jobs").doc();
      const { priority, enqueuedAt } = shape(i);
      batch.create(ref, {
        ...template,
        priority,
        enqueuedAt: Timestamp.fromDate(enqueuedAt),
        pendingShard: pendingShardFor(template.queue, ref.id, template.tags),
      });
      ids.push(ref.id);
    }
    await batch.commit();
  }
  return ids;
}

/** A jobs-API lease call to the functions served at `base`, waiting up to `waitMs`. */
function leaseJobsAt(base: string, runnerKey: string, runnerId: string, waitMs: number) {
  return call<{ jobs: Leased[] }>("POST", "/jobs/runner/lease", {
    base,
    token: runnerKey,
    body: { runnerId, waitMs },
  });
}

/**
 * Boots `count` workers of function `name` before a test holds that many calls open at once.
 * The functions emulator serves one request per worker process, so N waiting lease calls need N
 * workers; cold-booting several at once on a 2-core machine takes 40-60 s, and Hosting's proxy
 * answers 504 after 60 s (firebase-tools hosting/proxy.js), wait included. Booted here straight
 * on the functions emulator (no Hosting timeout), the test then measures the scheduler, not
 * process start. Many waiters at once are tested in-process instead (see the ten-waiter test).
 */
async function bootWorkers(name: string, count: number): Promise<void> {
  const answers = await Promise.all(
    Array.from({ length: count }, () =>
      fetch(`${FUNCTIONS_BASE}/${name}`, { method: "POST", signal: AbortSignal.timeout(240_000) }),
    ),
  );
  for (const r of answers) assert.ok(r.status === 401 || r.status === 405, `${name}: ${r.status}`);
}

const minutesAgo = (minutes: number, i = 0) => new Date(Date.now() - minutes * 60_000 + i);

async function leasedBy(jobId: string): Promise<string | null> {
  const job = (await adminDb().collection("jobs").doc(jobId).get()).data() as {
    status: string;
    lease: { holder: string } | null;
  };
  return job.lease?.holder ?? null;
}

describe("scheduler: order and routing", () => {
  before(async function () {
    this.timeout(300_000);
    await warmUp([
      ["/jobs", 1],
      ["/jobs/runner/lease", 4],
    ]);
  });

  it("jobs API: an untagged runner leases its job on the first call with 1,000 tagged jobs (higher priority, older) ahead", async function () {
    this.timeout(180_000);
    const { user, runnerKey } = await jobsUser();
    const gpu = await createJob(user.idToken, { tags: ["gpu"], priority: 5 });
    await cloneJob(gpu.id, 999, (i) => ({ priority: 5, enqueuedAt: minutesAgo(10, i) }));
    const plain = await createJob(user.idToken);
    const first = await leaseJobs(runnerKey, "cpu-1");
    assert.deepEqual(
      first.map((j) => j.id),
      [plain.id],
      "leased on the first call",
    );
    assert.deepEqual(await leaseJobs(runnerKey, "cpu-2"), [], "and nothing else is its to take");
    // A runner carrying the tag takes the tagged ones, best first.
    const [tagged] = await leaseJobs(runnerKey, "gpu-1", { tags: ["linux", "gpu"] });
    assert.ok(tagged);
    const job = (await adminDb().collection("jobs").doc(tagged.id).get()).data() as {
      tags: string[];
      priority: number;
      enqueuedAt: Timestamp;
    };
    assert.deepEqual([job.tags, job.priority], [["gpu"], 5]);
  });

  it("jobs API: a runner with several tags gets every set it carries and none it does not", async function () {
    this.timeout(60_000);
    const { user, runnerKey } = await jobsUser();
    const both = await createJob(user.idToken, { tags: ["gpu", "linux"], priority: 1 });
    const arm = await createJob(user.idToken, { tags: ["arm"], priority: 9 });
    const linux = await createJob(user.idToken, { tags: ["linux"] });
    const leased = await leaseJobs(runnerKey, "r", { tags: ["gpu", "linux"], limit: 5 });
    assert.deepEqual(
      leased.map((j) => j.id),
      [both.id, linux.id],
    );
    assert.deepEqual(
      (await leaseJobs(runnerKey, "a", { tags: ["arm"], limit: 5 })).map((j) => j.id),
      [arm.id],
    );
  });

  it("fleet: an untagged runner claims its task on the first call with 1,000 tagged tasks ahead", async function () {
    this.timeout(180_000);
    const { user, key } = await fleetOwner();
    const gpu = await queued(user.idToken, { tags: ["gpu"], priority: 5 });
    await cloneJob(gpu.id, 999, (i) => ({ priority: 5, enqueuedAt: minutesAgo(10, i) }));
    const plain = await queued(user.idToken);
    await registered(key, "cpu");
    assert.deepEqual(
      (await claimed(key, "cpu")).map((t) => t.id),
      [plain.id],
    );
    await registered(key, "gpu", 1, "gpu");
    const [tagged] = await claimed(key, "gpu");
    assert.ok(tagged !== undefined && tagged.id !== plain.id);
  });

  it("one runner, nobody else claiming: priority, then age, exactly (three rounds)", async function () {
    this.timeout(180_000);
    const { user, runnerKey } = await jobsUser();
    for (let round = 0; round < 3; round++) {
      const low: string[] = [];
      for (let i = 0; i < 5; i++) low.push((await createJob(user.idToken, { priority: 0 })).id);
      const high = await createJob(user.idToken, { priority: 10 });
      const order: string[] = [];
      for (let i = 0; i < 6; i++) order.push(...(await leaseJobs(runnerKey, "solo")).map((j) => j.id));
      assert.deepEqual(order, [high.id, ...low], `round ${round}`);
    }
  });

  it("50 concurrent claimers: no job leased twice, and no priority level passed over while it has jobs", async function () {
    this.timeout(240_000);
    const { user, runnerKey } = await jobsUser();
    const template = await createJob(user.idToken);
    // 20 jobs at each of priorities 10, 5 and 0 (plus the template at 0), ages interleaved.
    const ids = await cloneJob(template.id, 60, (i) => ({
      priority: [10, 5, 0][i % 3] ?? 0,
      enqueuedAt: minutesAgo(5, i),
    }));
    const priorityOf = new Map<string, number>(ids.map((id, i) => [id, [10, 5, 0][i % 3] ?? 0]));
    priorityOf.set(template.id, 0);
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => leaseJobs(runnerKey, `r${i}`)));
    const leased = answers.flat();
    const leasedIds = leased.map((j: Leased) => j.id);
    assert.equal(new Set(leasedIds).size, leasedIds.length, "no job handed out twice");
    assert.equal(leased.length, 50, "every claimer got one (61 pending)");
    const counts = [10, 5, 0].map((p) => leasedIds.filter((id) => priorityOf.get(id) === p).length);
    assert.deepEqual(counts, [20, 20, 10], "all of 10 and 5 before any of 0 beyond the rest");
    for (const [i, jobs] of answers.entries()) {
      const [job] = jobs;
      if (job !== undefined)
        assert.equal(await leasedBy(job.id), `${user.uid}:r${i}`, "the stored holder is the one answered");
    }
  });

  it("waitMs: a job created while 10 runners wait is leased by exactly one; the others answer empty at their deadline", async function () {
    this.timeout(120_000);
    // Served from this process (the project's own exports, over the stack's Firestore): one
    // instance holds all ten waits, as production's LONG_POLL instance does (250 at once). The
    // functions emulator instead boots one worker process per open call, and ten cold boots at
    // once on this machine outlast Hosting's 60 s proxy timeout; the emulator's wiring of the
    // wait is checked below with one waiter per face.
    const functions = await serveFunctionsInProcess();
    try {
      const { user, runnerKey } = await jobsUser();
      const base = functions.base;
      // Loads the lease route's modules and opens this process's Firestore channel first.
      assert.deepEqual((await leaseJobsAt(base, runnerKey, "warm", 0)).body.jobs, []);
      const WAIT_MS = 5_000;
      const started = Date.now();
      const waits = Array.from({ length: 10 }, (_, i) =>
        leaseJobsAt(base, runnerKey, `w${i}`, WAIT_MS).then((r) => ({ ...r, at: Date.now() - started })),
      );
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const job = await createJob(user.idToken);
      const created = Date.now() - started;
      const answers = await Promise.all(waits);
      assert.ok(
        answers.every((a) => a.status === 200),
        JSON.stringify(answers.map((a) => a.status)),
      );
      const winners = answers.filter((a) => a.body.jobs.length > 0);
      assert.equal(winners.length, 1, "exactly one waiter got it");
      assert.equal(winners[0]?.body.jobs[0]?.id, job.id);
      assert.ok(
        (winners[0]?.at ?? WAIT_MS) - created < 2_000,
        `leased as soon as it was written (${winners[0]?.at} ms, created by ${created} ms)`,
      );
      for (const empty of answers.filter((a) => a.body.jobs.length === 0)) {
        assert.ok(empty.at >= WAIT_MS - 50, `empty only at the deadline (${empty.at} ms)`);
        assert.ok(empty.at < WAIT_MS + 5_000, `and soon after it (${empty.at} ms)`);
      }
      const winner = answers.findIndex((a) => a.body.jobs.length > 0);
      assert.equal(await leasedBy(job.id), `${user.uid}:w${winner}`, "the stored holder is the one answered");
    } finally {
      await functions.stop();
    }
  });

  it("waitMs: a waiter whose caller went away takes nothing; a lease taken for it goes back with no attempt counted", async function () {
    this.timeout(120_000);
    // In-process: the functions emulator does not tell a worker its caller left (it keeps the
    // proxied request open; firebase/firebase-functions#1585), Node's own server does.
    const functions = await serveFunctionsInProcess();
    try {
      const { user, runnerKey } = await jobsUser();
      assert.deepEqual((await leaseJobsAt(functions.base, runnerKey, "warm", 0)).body.jobs, []);
      const left = await fetch(`${functions.base}/jobs/runner/lease`, {
        method: "POST",
        headers: { authorization: `Bearer ${runnerKey}`, "content-type": "application/json" },
        body: JSON.stringify({ runnerId: "left", waitMs: 15_000 }),
        signal: AbortSignal.timeout(1_000),
      }).catch((error: Error) => error.name);
      assert.equal(left, "TimeoutError", "the caller gave up on its wait");
      await new Promise((resolve) => setTimeout(resolve, 300));
      const job = await createJob(user.idToken);
      // Long enough for a wait still running to have seen the job and leased it.
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      assert.equal(await leasedBy(job.id), null, "nobody holds it: the wait ended with its caller");
      const [leased] = await leaseJobs(runnerKey, "present");
      assert.equal(leased?.id, job.id);

      // A try under way when the caller leaves hands its lease back (`handBack`): as if its
      // holder let go, attempts unchanged; a lease that has changed meanwhile is left alone.
      // Loaded as the in-process functions are (their Admin app, their environment).
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { handBack } = require("../../functions/src/core/jobs/releaseLease") as typeof ReleaseLease;
      await handBack([{ id: job.id, token: "not-the-token" }], new Date());
      assert.equal(await leasedBy(job.id), `${user.uid}:present`);
      await handBack([{ id: job.id, token: leased?.leaseToken ?? "" }], new Date());
      const back = (await adminDb().collection("jobs").doc(job.id).get()).data() as {
        status: string;
        attempts: number;
      };
      assert.deepEqual([back.status, back.attempts], ["PENDING", 0]);
      assert.deepEqual(
        (await leaseJobs(runnerKey, "next")).map((j) => j.id),
        [job.id],
        "leasable again at once",
      );
    } finally {
      await functions.stop();
    }
  });

  it("waitMs through Hosting on every face: leased when the work arrives; an empty body still answers at once", async function () {
    this.timeout(240_000);
    await Promise.all([bootWorkers("leaseWorkspaceJob", 1), bootWorkers("fleetPendingTasks", 1)]);
    // The fixtures that queue the work boot their own functions too: warm them on throwaway
    // owners first, so the work arrives within the wait (a cold boot once came after it).
    const { user: jobsOwner, runnerKey } = await jobsUser();
    await Promise.all([
      queuedWorkspace(await createUser()),
      createJob(jobsOwner.idToken),
      fleetOwner().then((o) => queued(o.user.idToken)),
    ]);
    await leaseJobs(runnerKey, "drain");

    const WAIT_MS = 15_000;
    const jobsWaiting = call<{ jobs: Leased[] }>("POST", "/jobs/runner/lease", {
      token: runnerKey,
      body: { runnerId: "waiter", waitMs: WAIT_MS },
    });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const job = await createJob(jobsOwner.idToken);
    assert.deepEqual(
      (await jobsWaiting).body.jobs.map((j) => j.id),
      [job.id],
    );

    const user = await createUser();
    const runner = await createInstance(user);
    const quick = Date.now();
    assert.deepEqual((await lease(runner.runnerToken)).body, { leased: false });
    assert.ok(Date.now() - quick < 5_000);
    const waiting = call<{ leased: boolean; workspaceId?: string }>("POST", "/leaseWorkspaceJob", {
      token: runner.runnerToken,
      body: { waitMs: WAIT_MS },
    });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const { workspaceId } = await queuedWorkspace(user);
    const got = await waiting;
    assert.deepEqual([got.body.leased, got.body.workspaceId], [true, workspaceId]);

    const { user: owner, key } = await fleetOwner();
    await registered(key, "waiter");
    const pending = call<{ data: { id: string }[] }>(
      "GET",
      `/api/runners/tasks/pending?runnerId=waiter&waitMs=${WAIT_MS}`,
      { token: key },
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const task = await queued(owner.idToken);
    assert.deepEqual(
      (await pending).body.data.map((t) => t.id),
      [task.id],
    );
    const bad = await call("GET", "/api/runners/tasks/pending?runnerId=waiter&waitMs=25001", { token: key });
    assert.equal(bad.status, 400);
    assert.equal(
      (
        await call("POST", "/jobs/runner/lease", {
          token: (await jobsUser()).runnerKey,
          body: { runnerId: "r", waitMs: -1 },
        })
      ).status,
      400,
    );
  });
});
