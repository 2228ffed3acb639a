/**
 * Quotas against the offline Firestore in this process: exact under a burst of concurrent
 * creates, operator overrides, nothing half-written when refused, log lines, stream slots and
 * the per-minute limiter.
 */
import assert from "node:assert/strict";
import { Timestamp } from "firebase-admin/firestore";
import { createCredential } from "../../functions/src/core/credentials/createCredential";
import { createJob } from "../../functions/src/core/jobsApi/createJob";
import { appendJobLogs, jobLogs } from "../../functions/src/core/jobs/jobLogs";
import { newJobDoc } from "../../functions/src/core/jobs/newJob";
import { assertUnderQuota } from "../../functions/src/core/quotas/guardCount";
import { runContendedTransaction } from "../../functions/src/core/runners/contendedTransaction";
import { QuotaExceeded, QUOTAS } from "../../functions/src/core/quotas/quotas";
import { takeRateSlot } from "../../functions/src/core/quotas/rateLimit";
import { openStreamSlot, STREAM_SLOT_GRACE_MS } from "../../functions/src/core/quotas/streamSlots";
import { createWorkspace } from "../../functions/src/core/workspaces/createWorkspace";
import { db } from "../../functions/src/data/firestore";
import { quotaDoc } from "../../functions/src/data/quotas";
import { startOfflineDb, withEnv, type OfflineDb } from "./offlineDb";

describe("quotas (core, offline Firestore)", function () {
  this.timeout(60_000);
  let offline: OfflineDb | undefined;
  let restoreEnv: (() => void) | undefined;
  let team = "";
  let n = 0;

  before(async () => {
    offline = await startOfflineDb();
  });
  after(async () => {
    await offline?.stop();
  });
  beforeEach(() => {
    team = `team${++n}-${Date.now()}`;
  });
  afterEach(() => {
    restoreEnv?.();
    restoreEnv = undefined;
  });

  function refusal(reason: string) {
    return (error: unknown) => {
      assert.ok(error instanceof QuotaExceeded, `expected QuotaExceeded, got ${String(error)}`);
      assert.equal(error.status, 429);
      assert.equal(error.reason, reason);
      assert.ok(error.retryAfterSeconds >= 1);
      return true;
    };
  }

  it("a burst of 20 concurrent workspace creates against a limit of 5 makes exactly 5, the rest 429", async () => {
    restoreEnv = withEnv({ MAX_WORKSPACES: "5" });
    const owner = { teamId: team, uid: "u1" };
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => createWorkspace(owner, { title: `w${i}` }, new Date())),
    );
    const made = results.filter((r) => r.status === "fulfilled").length;
    const refused = results.filter((r) => r.status === "rejected");
    assert.equal(made, 5);
    assert.equal(refused.length, 15);
    for (const r of refused) assert.ok(refusal("WORKSPACES_QUOTA_EXCEEDED")(r.reason));
    const stored = await db().collection("workspaces").where("teamId", "==", team).count().get();
    assert.equal(stored.data().count, 5);
    const message = ((refused[0] as PromiseRejectedResult).reason as Error).message;
    assert.match(message, /at most 5 workspaces per team \(MAX_WORKSPACES\)/);
  });

  for (const serialise of ["count", "lock"] as const) {
    it(`without the per-instance queue (many instances), concurrent guarded transactions still stop at the limit (${serialise})`, async () => {
      const counted = db().collection("things").where("teamId", "==", team);
      const guard = { quota: QUOTAS.workspaces, scope: `team:${team}`, per: "team", counted, adding: 1, serialise };
      await quotaDoc(QUOTAS.workspaces.name, `team:${team}`).set({ limit: 3 });
      const results = await Promise.allSettled(
        Array.from({ length: 12 }, () =>
          runContendedTransaction(async (tx) => {
            await assertUnderQuota(tx, guard);
            tx.create(db().collection("things").doc(), { teamId: team });
          }),
        ),
      );
      assert.equal(results.filter((r) => r.status === "fulfilled").length, 3);
      assert.equal((await counted.count().get()).data().count, 3);
    });
  }

  it("a job's create writes only what it creates: the team's pending-jobs quota document is read, never written", async () => {
    const owner = { teamId: team, uid: "u1" };
    const input = { type: "t", workflowPath: "w.md", params: {} };
    await Promise.all(Array.from({ length: 3 }, () => createJob(owner, input, null, 60_000, new Date())));
    const doc = await quotaDoc(QUOTAS.pendingJobs.name, `team:${team}`).get();
    assert.equal(doc.exists, false, JSON.stringify(doc.data()));
    const all = await db().collection("jobs").where("teamId", "==", team).count().get();
    assert.equal(all.data().count, 3);
  });

  it("an operator's limit on the scope's quota document wins over the param; revoked keys do not count", async () => {
    await quotaDoc(QUOTAS.keys.name, `team:${team}`).set({ limit: 2 });
    const mint = () =>
      createCredential({ kind: "apiKey", scopes: ["jobs:read"], name: "k", ownerUid: "u1", teamId: team }, new Date());
    const results = await Promise.allSettled([mint(), mint(), mint(), mint()]);
    assert.equal(results.filter((r) => r.status === "fulfilled").length, 2);
    const first = results.find((r) => r.status === "fulfilled") as PromiseFulfilledResult<{ credentialId: string }>;
    await db().collection("credentials").doc(first.value.credentialId).update({ revokedAt: Timestamp.now() });
    await mint();
    await assert.rejects(mint(), refusal("KEYS_QUOTA_EXCEEDED"));
  });

  it("a job with auto-started children counts them all, and is refused whole: nothing is written", async () => {
    restoreEnv = withEnv({ MAX_PENDING_JOBS: "3" });
    const owner = { teamId: team, uid: "u1" };
    const input = { type: "t", workflowPath: "w.md", params: {} };
    await createJob(owner, input, null, 60_000, new Date());
    const children = [{ name: "a" }, { name: "b" }, { name: "c", start: "manual" as const }];
    // 1 queued + 2 auto children + 1 parent = 4 > 3.
    await assert.rejects(
      createJob(owner, { ...input, children }, null, 60_000, new Date()),
      refusal("PENDING_JOBS_QUOTA_EXCEEDED"),
    );
    const all = await db().collection("jobs").where("teamId", "==", team).count().get();
    assert.equal(all.data().count, 1, "neither the parent nor any child was written");
    // Parent + one auto child fits exactly (manual children wait PAUSED, out of the queue).
    await createJob(
      owner,
      { ...input, children: [{ name: "a" }, { name: "m", start: "manual" }] },
      null,
      60_000,
      new Date(),
    );
    await assert.rejects(createJob(owner, input, null, 60_000, new Date()), refusal("PENDING_JOBS_QUOTA_EXCEEDED"));
  });

  it("a job leaving the queue frees its place (no counter to keep)", async () => {
    restoreEnv = withEnv({ MAX_PENDING_JOBS: "1" });
    const owner = { teamId: team, uid: "u1" };
    const input = { type: "t", workflowPath: "w.md", params: {} };
    const { id } = await createJob(owner, input, null, 60_000, new Date());
    await assert.rejects(createJob(owner, input, null, 60_000, new Date()), refusal("PENDING_JOBS_QUOTA_EXCEEDED"));
    await db().collection("jobs").doc(id).update({ status: "LEASED", pendingShard: null });
    await createJob(owner, input, null, 60_000, new Date());
  });

  it("log lines: an append past MAX_LOG_LINES_PER_JOB is refused whole; truncate keeps what fits", async () => {
    restoreEnv = withEnv({ MAX_LOG_LINES_PER_JOB: "5" });
    const ref = db().collection("jobs").doc();
    await ref.set(
      newJobDoc(ref.id, { kind: "generic", queue: "q", teamId: team, payload: {}, leaseMs: 1000 }, new Date()),
    );
    const append = (count: number, mode?: "refuse" | "truncate") =>
      db().runTransaction(async (tx) => {
        const job = (await tx.get(ref)).data() as { logSeq?: number };
        const lines = Array.from({ length: count }, (_, i) => ({ line: `l${i}`, stream: "stdout" as const }));
        const fields = appendJobLogs(tx, ref, job, lines, Timestamp.now(), mode);
        tx.update(ref, fields);
        return fields.logSeq;
      });
    assert.equal(await append(3), 3);
    await assert.rejects(append(3), refusal("LOG_LINES_QUOTA_EXCEEDED"));
    assert.equal((await jobLogs(ref).count().get()).data().count, 3, "nothing of the refused append was stored");
    assert.equal(await append(3, "truncate"), 5);
    assert.equal((await jobLogs(ref).count().get()).data().count, 5);
    assert.equal(await append(2, "truncate"), 5, "a full log takes nothing more");
  });

  it("open streams: a caller's slots are shared across instances, released, and lapse on their own", async () => {
    restoreEnv = withEnv({ MAX_OPEN_STREAMS: "2" });
    const caller = `user-${team}`;
    const now = new Date();
    const [a] = await Promise.all([openStreamSlot(caller, 10_000, now), openStreamSlot(caller, 10_000, now)]);
    let refused: unknown;
    await openStreamSlot(caller, 10_000, now).catch((e: unknown) => (refused = e));
    assert.ok(refusal("STREAMS_QUOTA_EXCEEDED")(refused));
    assert.ok((refused as QuotaExceeded).retryAfterSeconds <= (10_000 + STREAM_SLOT_GRACE_MS) / 1000);
    await a?.release();
    await a?.release();
    const c = await openStreamSlot(caller, 10_000, now);
    await assert.rejects(openStreamSlot(caller, 10_000, now), refusal("STREAMS_QUOTA_EXCEEDED"));
    // An instance that died holding slots: they lapse after maxMs + grace.
    const later = new Date(now.getTime() + 10_000 + STREAM_SLOT_GRACE_MS + 1);
    await openStreamSlot(caller, 10_000, later);
    await c.release();
  });

  it("open streams: a burst of 20 concurrent opens against a limit of 4 holds exactly 4", async () => {
    restoreEnv = withEnv({ MAX_OPEN_STREAMS: "4" });
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => openStreamSlot(`burst-${team}`, 10_000, new Date())),
    );
    assert.equal(results.filter((r) => r.status === "fulfilled").length, 4);
  });

  it("the per-minute limiter: limit in one window, Retry-After to the window's end, a new window starts over", async () => {
    restoreEnv = withEnv({ WEBHOOK_DELIVERIES_PER_MINUTE: "3" });
    const start = new Date(Math.ceil(Date.now() / 60_000) * 60_000 + 15_000);
    const take = () => takeRateSlot(QUOTAS.webhookDeliveries, `team:${team}`, "team", start);
    const results = await Promise.allSettled(Array.from({ length: 8 }, take));
    assert.equal(results.filter((r) => r.status === "fulfilled").length, 3);
    const refused = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    assert.ok(refusal("WEBHOOK_RATE_EXCEEDED")(refused.reason));
    assert.equal((refused.reason as QuotaExceeded).retryAfterSeconds, 45);
    await takeRateSlot(QUOTAS.webhookDeliveries, `team:${team}`, "team", new Date(start.getTime() + 60_000));
  });
});
