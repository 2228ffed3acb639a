/**
 * Metrics against the offline Firestore in this process: after jobs are created, leased,
 * finished, cancelled, paused and one lease lapses, the scrape's numbers equal what the stored
 * jobs say; the counters outlive the jobs retention deletes.
 */
import assert from "node:assert/strict";
import { createJob } from "../../functions/src/core/jobsApi/createJob";
import { controlJob } from "../../functions/src/core/jobsApi/controlJob";
import { finishJob } from "../../functions/src/core/jobsApi/finishJob";
import { leaseJobs } from "../../functions/src/core/jobsApi/leaseJobs";
import { reapExpiredLeases } from "../../functions/src/core/jobs/reapExpiredLeases";
import { promoteDueJobs } from "../../functions/src/core/jobs/promoteDueJobs";
import { readMetrics } from "../../functions/src/core/metrics/readMetrics";
import { bucketOf, gaugeStateOfJob, outcomeOf, quantileOf, queueLabel } from "../../functions/src/core/metrics/model";
import { prometheusText } from "../../functions/src/core/metrics/prometheusText";
import { metricsAnswerSchema } from "../../contract/src/metrics";
import { jobs } from "../../functions/src/data/jobs";
import { metricTally } from "../../functions/src/data/metrics";
import { db } from "../../functions/src/data/firestore";
import { newJobDoc } from "../../functions/src/core/jobs/newJob";
import { SAMPLE_LIMIT } from "../../functions/src/core/metrics/model";
import { Timestamp } from "firebase-admin/firestore";
import { startOfflineDb, type OfflineDb } from "./offlineDb";

const LEASE_MS = 60_000;

describe("metrics (core, offline Firestore)", function () {
  this.timeout(60_000);
  let offline: OfflineDb | undefined;
  before(async () => {
    offline = await startOfflineDb();
  });
  after(async () => {
    await offline?.stop();
  });

  it("match the stored jobs after every kind of move", async () => {
    const teamId = "team-metrics";
    const owner = { teamId, uid: "u1" };
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const input = { type: "t", workflowPath: "w.yml", params: {}, tags: i % 3 === 0 ? ["gpu"] : [] };
      ids.push((await createJob(owner, input, null, LEASE_MS, new Date())).id);
    }
    const runner = { teamId, runnerId: "r1" };
    const leased = await leaseJobs(runner, { tags: ["gpu"], limit: 6, leaseMs: LEASE_MS, waitMs: 0 }, new Date());
    assert.equal(leased.jobs.length, 6);
    const [a, b, c, ...rest] = leased.jobs;
    if (a === undefined || b === undefined || c === undefined) throw new Error("too few leased");
    await finishJob(runner, a.id, a.leaseToken, { status: "SUCCEEDED", result: {} }, new Date());
    await finishJob(runner, b.id, b.leaseToken, { status: "FAILED", error: "boom" }, new Date());
    const pendingIds = ids.filter((id) => !leased.jobs.some((j) => j.id === id));
    await controlJob(teamId, pendingIds[0] ?? "", "cancel", new Date());
    await controlJob(teamId, pendingIds[1] ?? "", "pause", new Date());
    // c's lease lapses: the reaper, run as if after it, puts c back in the queue.
    const later = new Date(Date.now() + LEASE_MS + 1000);
    const reaped = await reapExpiredLeases(later);
    assert.equal(reaped.requeued, 1 + rest.length);

    const got = await readMetrics(teamId, new Date());
    metricsAnswerSchema.parse(got);
    // The reaped jobs back off (the default 10 s and more): delayed, not pending.
    assert.equal(
      got.queues.reduce((n, q) => n + q.jobs.delayed, 0),
      1 + rest.length,
    );
    const stored = (await jobs().where("teamId", "==", teamId).get()).docs.map((d) => d.data());
    const labels = [...new Set(stored.map(queueLabel))].sort();
    assert.deepEqual(
      got.queues.map((q) => q.queue),
      labels,
    );
    for (const q of got.queues) {
      const mine = stored.filter((j) => queueLabel(j) === q.queue);
      const count = (pred: (j: (typeof mine)[number]) => boolean) => mine.filter(pred).length;
      assert.deepEqual(q.jobs, {
        pending: count((j) => gaugeStateOfJob(j) === "pending"),
        delayed: count((j) => gaugeStateOfJob(j) === "delayed"),
        leased: count((j) => gaugeStateOfJob(j) === "leased"),
        paused: count((j) => gaugeStateOfJob(j) === "paused"),
      });
      assert.deepEqual(q.finished, {
        succeeded: count((j) => outcomeOf(j.status) === "succeeded"),
        failed: count((j) => outcomeOf(j.status) === "failed"),
        cancelled: count((j) => outcomeOf(j.status) === "cancelled"),
      });
      assert.equal(
        q.leaseExpirations,
        mine.reduce((n, j) => n + j.attempts, 0),
      );
      const waits: Record<string, number> = {};
      for (const j of mine) {
        if (j.startedAt === null) continue;
        const key = `b${bucketOf((j.startedAt.toMillis() - j.enqueuedAt.toMillis()) / 1000)}`;
        waits[key] = (waits[key] ?? 0) + 1;
      }
      assert.deepEqual(q.waitSeconds, {
        count: Object.values(waits).reduce((x, y) => x + y, 0),
        p50: quantileOf(waits, 0.5),
        p90: quantileOf(waits, 0.9),
        p99: quantileOf(waits, 0.99),
      });
      assert.equal(
        q.runSeconds.count,
        count((j) => outcomeOf(j.status) !== null && j.startedAt !== null),
      );
    }
    assert.equal(
      got.queues.reduce((n, q) => n + q.leaseExpirations, 0),
      reaped.requeued,
    );
    const text = prometheusText(got);
    const lines = new Set(text.split("\n"));
    for (const q of got.queues) {
      for (const [status, n] of Object.entries(q.jobs))
        assert.ok(lines.has(`runnerplane_jobs{queue="${q.queue}",status="${status}"} ${n}`), `${q.queue} ${status}`);
      for (const [outcome, n] of Object.entries(q.finished))
        assert.ok(lines.has(`runnerplane_jobs_finished_total{queue="${q.queue}",outcome="${outcome}"} ${n}`));
      assert.ok(lines.has(`runnerplane_lease_expirations_total{queue="${q.queue}"} ${q.leaseExpirations}`));
    }
  });

  it("move a delayed job to pending once when it falls due, however many promote it at once", async () => {
    const teamId = "team-metrics-delay";
    const owner = { teamId, uid: "u3" };
    const input = { type: "t", workflowPath: "w.yml", params: {}, delayMs: 5_000 };
    await Promise.all(Array.from({ length: 3 }, () => createJob(owner, input, null, LEASE_MS, new Date())));
    const gauges = async () => (await readMetrics(teamId, new Date())).queues.map((q) => q.jobs);
    assert.deepEqual(await gauges(), [{ pending: 0, delayed: 3, leased: 0, paused: 0 }]);
    // Not due yet: nothing moves.
    assert.equal(await promoteDueJobs(new Date()), 0);
    const due = new Date(Date.now() + 6_000);
    const moved = await Promise.all(Array.from({ length: 4 }, () => promoteDueJobs(due)));
    assert.equal(
      moved.reduce((x, y) => x + y, 0),
      3,
    );
    assert.deepEqual(await gauges(), [{ pending: 3, delayed: 0, leased: 0, paused: 0 }]);
  });

  it("stay exact under many concurrent claimers and finishers", async () => {
    const teamId = "team-metrics-race";
    const owner = { teamId, uid: "u2" };
    const input = { type: "t", workflowPath: "w.yml", params: {} };
    await Promise.all(Array.from({ length: 40 }, () => createJob(owner, input, null, LEASE_MS, new Date())));
    await Promise.all(
      Array.from({ length: 12 }, async (_, r) => {
        const runner = { teamId, runnerId: `r${r}` };
        const { jobs: got } = await leaseJobs(runner, { tags: [], limit: 3, leaseMs: LEASE_MS, waitMs: 0 }, new Date());
        await Promise.all(
          got
            .filter((_, i) => i % 2 === 0)
            .map((j) => finishJob(runner, j.id, j.leaseToken, { status: "SUCCEEDED", result: {} }, new Date())),
        );
      }),
    );
    const stored = (await jobs().where("teamId", "==", teamId).get()).docs.map((d) => d.data());
    const [q] = (await readMetrics(teamId, new Date())).queues;
    assert.ok(q);
    assert.deepEqual(q.jobs, {
      pending: stored.filter((j) => j.status === "PENDING").length,
      delayed: 0,
      leased: stored.filter((j) => j.status === "LEASED").length,
      paused: 0,
    });
    assert.equal(q.finished.succeeded, stored.filter((j) => j.status === "SUCCEEDED").length);
    assert.equal(q.waitSeconds.count, stored.filter((j) => j.startedAt !== null).length);
    assert.ok(q.finished.succeeded > 0 && q.jobs.leased > 0 && q.jobs.pending > 0, JSON.stringify(q));
  });

  it("keep finished and expiration counters when retention deletes the jobs, folded once however many scrape", async () => {
    const teamId = "team-metrics-tally";
    const owner = { teamId, uid: "u4" };
    const runner = { teamId, runnerId: "r-tally" };
    const input = { type: "t", workflowPath: "w.yml", params: {} };
    const at = (ms: number) => new Date(Date.now() - 3 * 3_600_000 + ms);
    for (let i = 0; i < 3; i++) await createJob(owner, input, null, LEASE_MS, at(0));
    const held = (await leaseJobs(runner, { tags: [], limit: 3, leaseMs: LEASE_MS, waitMs: 0 }, at(0))).jobs;
    const [a, b, c] = held;
    if (a === undefined || b === undefined || c === undefined) throw new Error("too few leased");
    await finishJob(runner, a.id, a.leaseToken, { status: "SUCCEEDED", result: {} }, at(1_000));
    await finishJob(runner, b.id, b.leaseToken, { status: "FAILED", error: "boom" }, at(1_000));
    // c's lease lapses once; it backs off, is leased again and succeeds: all three hours ago.
    assert.equal((await reapExpiredLeases(at(LEASE_MS + 1_000))).requeued, 1);
    await promoteDueJobs(at(LEASE_MS + 600_000));
    const [again] = (
      await leaseJobs(runner, { tags: [], limit: 1, leaseMs: LEASE_MS, waitMs: 0 }, at(LEASE_MS + 600_000))
    ).jobs;
    assert.equal(again?.id, c.id);
    await finishJob(runner, c.id, again.leaseToken, { status: "SUCCEEDED", result: {} }, at(LEASE_MS + 601_000));

    const counters = (m: Awaited<ReturnType<typeof readMetrics>>) =>
      m.queues.map((q) => ({ queue: q.queue, ...q.finished, leaseExpirations: q.leaseExpirations }));
    const expected = [{ queue: "jobs", succeeded: 2, failed: 1, cancelled: 0, leaseExpirations: 1 }];
    // Three scrapes at once each find the tally due: the ended jobs are folded in once.
    const first = await Promise.all(Array.from({ length: 3 }, () => readMetrics(teamId, new Date())));
    for (const m of first) assert.deepEqual(counters(m), expected);
    const tally = (await metricTally(teamId).get()).data();
    assert.ok(tally !== undefined && tally.through.toMillis() > at(LEASE_MS + 601_000).getTime());

    // Retention (Firestore's TTL) deletes the ended jobs: the counters do not fall.
    for (const job of [a, b, c]) await jobs().doc(job.id).delete();
    assert.deepEqual(counters(await readMetrics(teamId, new Date())), expected);
  });

  it("rebuild the last hour from the jobs: today's depth at the end, nothing before they were queued", async () => {
    const teamId = "team-metrics-history";
    const owner = { teamId, uid: "u5" };
    const runner = { teamId, runnerId: "r-history" };
    const input = { type: "t", workflowPath: "w.yml", params: {} };
    for (let i = 0; i < 3; i++) await createJob(owner, input, null, LEASE_MS, new Date());
    const held = (await leaseJobs(runner, { tags: [], limit: 2, leaseMs: LEASE_MS, waitMs: 0 }, new Date())).jobs;
    const [a] = held;
    if (a === undefined) throw new Error("nothing leased");
    await finishJob(runner, a.id, a.leaseToken, { status: "FAILED", error: "boom" }, new Date());

    const got = await readMetrics(teamId, new Date(), true);
    metricsAnswerSchema.parse(got);
    const rows = got.history ?? [];
    assert.equal(rows.length, 60);
    assert.deepEqual(
      [rows[0], rows.at(-1)].map((r) => r && { pending: r.pending, leased: r.leased }),
      [
        { pending: 0, leased: 0 },
        { pending: 1, leased: 1 },
      ],
    );
    assert.equal(
      rows.reduce((n, r) => n + r.failed, 0),
      1,
    );
    assert.ok(rows.some((r) => r.waitP90 !== null));
  });

  it("count every first lease of the window exactly when the sample is cut short", async () => {
    const teamId = "team-metrics-many";
    const n = SAMPLE_LIMIT + 5;
    const now = Date.now();
    for (let i = 0; i < n; i += 400) {
      const batch = db().batch();
      for (let k = i; k < Math.min(n, i + 400); k++) {
        const ref = jobs().doc();
        const job = newJobDoc(
          ref.id,
          { kind: "generic", queue: `generic/user:${teamId}`, teamId, payload: {}, leaseMs: LEASE_MS },
          new Date(now - 120_000),
        );
        const leasedAt = Timestamp.fromMillis(now - 60_000 + k);
        batch.create(ref, {
          ...job,
          status: "LEASED",
          pendingShard: null,
          startedAt: leasedAt,
          lastLeasedAt: leasedAt,
        });
      }
      await batch.commit();
    }
    const [q] = (await readMetrics(teamId, new Date(now))).queues;
    assert.equal(q?.jobs.leased, n);
    // The sample holds SAMPLE_LIMIT of them; the count is every one (count()).
    assert.equal(q.waitSeconds.count, n);
    assert.ok(q.waitSeconds.p50 !== null && q.waitSeconds.p50 >= 55 && q.waitSeconds.p50 <= 75, JSON.stringify(q));
  });
});
