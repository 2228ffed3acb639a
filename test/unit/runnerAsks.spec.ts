/**
 * The intake turn's budgets, the token route's cut and presence, against the offline Firestore
 * in this process: the core's transactions for real, without HTTP or a stack's 4 s leases.
 */
import assert from "node:assert/strict";
import { Timestamp } from "firebase-admin/firestore";
import { capabilityTag, INTAKE_MAX_TURN_OUTPUT_TOKENS } from "../../contract/src/capabilities";
import { withdrawQueuedJob } from "../../functions/src/core/jobsApi/controlJob";
import { readMetrics } from "../../functions/src/core/metrics/readMetrics";
import { leaseJobs } from "../../functions/src/core/jobsApi/leaseJobs";
import { holderOf } from "../../functions/src/core/jobsApi/model";
import { askRunner, type RpcAsk } from "../../functions/src/core/runnerAsks/askRunner";
import { appendTokens } from "../../functions/src/core/runnerAsks/appendTokens";
import {
  forgetPresence,
  isOffered,
  notePresence,
  PRESENCE_WRITE_MS,
} from "../../functions/src/core/runnerAsks/presence";
import { newRunnerJobId, queueRunnerJob, type LlmJob } from "../../functions/src/core/runnerAsks/runnerJobs";
import { sessionKey, startIntakeTurn } from "../../functions/src/core/runnerAsks/startIntakeTurn";
import { db } from "../../functions/src/data/firestore";
import { intakeSessions, runnerPresence, tokenChunks } from "../../functions/src/data/runnerAsks";
import { pendingJobsOfTeam } from "../../functions/src/data/quotas";
import { ApiError, RunnerUnavailable } from "../../functions/src/http/errors";
import { startOfflineDb, type OfflineDb } from "./offlineDb";

const TEAM = "team_asks";
const runner = { teamId: TEAM, runnerId: "r1" };
const body = (sessionId: string) => ({
  sessionId,
  messages: [{ role: "user" as const, content: "hello" }],
  context: {},
});
const status = (e: unknown) => (e instanceof ApiError ? `${e.status} ${e.reason}` : String(e));

/** Queues a turn and leases it to r1 by hand (the claim is tested elsewhere). */
async function heldTurn(sessionId: string): Promise<string> {
  const turn = await startIntakeTurn(TEAM, "u1", body(sessionId), 600_000, new Date());
  assert.equal(turn.kind, "queued");
  if (turn.kind !== "queued") throw new Error("not queued");
  const future = Timestamp.fromMillis(Date.now() + 600_000);
  await db()
    .collection("jobs")
    .doc(turn.jobId)
    .update({
      status: "LEASED",
      pendingShard: null,
      lease: { holder: holderOf(TEAM, "r1"), token: "tok", expiresAt: future },
      leaseExpiresAt: future,
    });
  return turn.jobId;
}

async function jobOf(jobId: string): Promise<LlmJob> {
  return (await db().collection("jobs").doc(jobId).get()).data() as LlmJob;
}

describe("routes a runner answers (core, offline Firestore)", function () {
  this.timeout(30_000);
  let offline: OfflineDb | undefined;
  before(async () => {
    offline = await startOfflineDb();
  });
  after(async () => {
    await offline?.stop();
  });

  it("queues a turn as an llm job routed by cap:llm, with the per-turn allowance", async () => {
    const jobId = await heldTurn("s-basic");
    const job = await jobOf(jobId);
    assert.equal(job.kind, "llm");
    assert.deepEqual(job.tags, [capabilityTag("llm")]);
    assert.equal(job.maxAttempts, 1);
    assert.equal(job.llm.maxOutputTokens, INTAKE_MAX_TURN_OUTPUT_TOKENS);
    assert.equal((job.payload as { maxOutputTokens: number }).maxOutputTokens, INTAKE_MAX_TURN_OUTPUT_TOKENS);
    const session = (await intakeSessions(TEAM).doc(sessionKey("s-basic")).get()).data();
    assert.equal(session?.turns, 1);
    assert.equal(session?.currentJobId, jobId);
    // One turn at a time.
    const second = await startIntakeTurn(TEAM, "u1", body("s-basic"), 600_000, new Date()).catch(status);
    assert.equal(second, "409 TURN_IN_PROGRESS");
  });

  it("stores pieces in order once per offset, and cuts the turn past its allowance", async () => {
    const jobId = await heldTurn("s-cut");
    await db().collection("jobs").doc(jobId).update({ "llm.maxOutputTokens": 5 });
    const first = await appendTokens(runner, jobId, "tok", { offset: 0, chunks: ["a", "b"] }, new Date());
    assert.deepEqual(first, { accepted: 2, nextOffset: 2, stop: false });
    // A retry of the same post stores nothing again.
    const retry = await appendTokens(runner, jobId, "tok", { offset: 0, chunks: ["a", "b"] }, new Date());
    assert.deepEqual(retry, { accepted: 0, nextOffset: 2, stop: false });
    // A gap is refused.
    assert.equal(
      await appendTokens(runner, jobId, "tok", { offset: 5, chunks: ["x"] }, new Date()).catch(status),
      "409 TOKEN_OFFSET_GAP",
    );
    // Five pieces more would make seven: three are stored, the turn ends FAILED (budget).
    const over = await appendTokens(runner, jobId, "tok", { offset: 2, chunks: ["c", "d", "e", "f", "g"] }, new Date());
    assert.deepEqual(over, { accepted: 3, nextOffset: 7, stop: true });
    const stored = (await tokenChunks(jobId).orderBy("seq").get()).docs.map((d) => d.data().text);
    assert.deepEqual(stored, ["a", "b", "c", "d", "e"]);
    const job = await jobOf(jobId);
    assert.equal(job.status, "FAILED");
    assert.equal(job.llm.stoppedFor, "budget");
    assert.equal(job.llm.chunks, 5);
    // Later posts: the lease has ended.
    assert.equal(
      await appendTokens(runner, jobId, "tok", { offset: 7, chunks: ["h"] }, new Date()).catch(status),
      "409 LEASE_NOT_HELD",
    );
  });

  it("counts the runner's reported tokens, settles them into the session, and refuses past 8 turns or 30k tokens", async () => {
    const jobId = await heldTurn("s-total");
    const reported = await appendTokens(
      runner,
      jobId,
      "tok",
      { offset: 0, chunks: ["x"], outputTokens: INTAKE_MAX_TURN_OUTPUT_TOKENS + 1 },
      new Date(),
    );
    assert.equal(reported.stop, true, "the reported count passes the per-turn cap");
    // The next turn settles this one's tokens into the session and may use what is left.
    await intakeSessions(TEAM)
      .doc(sessionKey("s-total"))
      .update({ outputTokens: 30_000 - (INTAKE_MAX_TURN_OUTPUT_TOKENS + 1) - 100 });
    const next = await startIntakeTurn(TEAM, "u1", body("s-total"), 600_000, new Date());
    assert.equal(next.kind, "queued");
    if (next.kind === "queued") assert.equal((await jobOf(next.jobId)).llm.maxOutputTokens, 100);
    await db()
      .collection("jobs")
      .doc(next.kind === "queued" ? next.jobId : "none")
      .update({ status: "SUCCEEDED", "llm.outputTokens": 100 });
    const spent = await startIntakeTurn(TEAM, "u1", body("s-total"), 600_000, new Date());
    assert.equal(spent.kind, "budget");
    await intakeSessions(TEAM).doc(sessionKey("s-turns")).set({
      turns: 8,
      outputTokens: 0,
      currentJobId: null,
      createdAt: Timestamp.now(),
      updatedAt: Timestamp.now(),
      expireAt: Timestamp.now(),
    });
    assert.equal((await startIntakeTurn(TEAM, "u1", body("s-turns"), 600_000, new Date())).kind, "budget");
  });

  it("records presence at most once per PRESENCE_WRITE_MS (sooner when the offer changes) and answers who is online", async () => {
    const t0 = new Date();
    assert.equal(await isOffered(TEAM, "cap:llm", 60_000, t0), false);
    await notePresence(TEAM, "p1", { capabilities: ["llm"], plugins: ["gh"] }, t0);
    const first = (await runnerPresence(TEAM).doc("p1").get()).data();
    assert.deepEqual(first?.offers, ["cap:llm", "plugin:gh"]);
    await notePresence(TEAM, "p1", { capabilities: ["llm"], plugins: ["gh"] }, new Date(t0.getTime() + 1_000));
    const same = (await runnerPresence(TEAM).doc("p1").get()).data();
    assert.equal(same?.lastSeenAt.toMillis(), t0.getTime(), "not written again within PRESENCE_WRITE_MS");
    await notePresence(TEAM, "p1", { capabilities: ["llm", "git"], plugins: ["gh"] }, new Date(t0.getTime() + 2_000));
    assert.deepEqual((await runnerPresence(TEAM).doc("p1").get()).data()?.capabilities, ["git", "llm"]);
    const later = new Date(t0.getTime() + PRESENCE_WRITE_MS + 10);
    assert.equal(await isOffered(TEAM, "cap:git", 60_000, later), true);
    assert.equal(await isOffered(TEAM, "plugin:gh", 60_000, later), true);
    assert.equal(await isOffered(TEAM, "cap:tracker", 60_000, later), false);
    assert.equal(await isOffered(TEAM, "cap:git", 60_000, new Date(t0.getTime() + 70_000)), false, "stale");
    assert.equal(await isOffered("other_team", "cap:git", 60_000, later), false);
    // Gone (a fleet runner deregistered or went offline): not offered at once; back with its next offer.
    await forgetPresence(TEAM, "p1");
    assert.equal(await isOffered(TEAM, "cap:git", 60_000, later), false);
    await notePresence(TEAM, "p1", { capabilities: ["git"] }, later);
    assert.equal(await isOffered(TEAM, "cap:git", 60_000, later), true, "written again, not throttled");
    // A registration writes even within PRESENCE_WRITE_MS of the last write (another instance may have forgotten it).
    await runnerPresence(TEAM).doc("p1").delete();
    await notePresence(TEAM, "p1", { capabilities: ["git"] }, later, { force: true });
    assert.equal(await isOffered(TEAM, "cap:git", 60_000, later), true);
  });

  describe("an rpc request past its wait", () => {
    const RPC_TEAM = "team_rpc";
    const LEASE_MS = 600_000;
    const gitAsk: RpcAsk = {
      teamId: RPC_TEAM,
      actor: "u1",
      method: "test.git",
      pluginId: null,
      params: {},
      offer: capabilityTag("git"),
      missing: "no-git",
    };
    const timing = (waitMs: number) => ({ onlineMs: 60_000, waitMs, leaseMs: LEASE_MS });
    const lease = (runnerId: string) =>
      leaseJobs(
        { teamId: RPC_TEAM, runnerId },
        { tags: [capabilityTag("git")], limit: 1, leaseMs: LEASE_MS, waitMs: 0 },
        new Date(),
      );
    const timedOut = async (promise: Promise<unknown>): Promise<RunnerUnavailable> => {
      const error = await promise.then(
        () => assert.fail("answered"),
        (e: unknown) => e,
      );
      assert.ok(error instanceof RunnerUnavailable && error.status === 504, status(error));
      return error;
    };
    /** The team's job gauges and ended counts over its queues, as its metrics answer them. */
    async function gauges(): Promise<Record<string, number>> {
      const sums: Record<string, number> = {};
      for (const q of (await readMetrics(RPC_TEAM, new Date())).queues)
        for (const [state, n] of [...Object.entries(q.jobs), ...Object.entries(q.finished)])
          sums[state] = (sums[state] ?? 0) + n;
      return sums;
    }

    before(async () => {
      await notePresence(RPC_TEAM, "r-git", { capabilities: ["git"] }, new Date());
    });

    it("cancels a request no runner took: 504 cancelled, the job CANCELLED with why, pending count and gauges back", async () => {
      const before = await gauges();
      const error = await timedOut(askRunner(gitAsk, timing(300), new Date()));
      assert.equal(error.fields.cancelled, true);
      assert.equal(error.fields.status, "CANCELLED");
      const job = (await db().collection("jobs").doc(String(error.fields.jobId)).get()).data();
      assert.equal(job?.status, "CANCELLED");
      assert.equal(job?.error, "No runner took this request within 300 ms.");
      assert.equal(job?.lease, null);
      assert.equal((await pendingJobsOfTeam(RPC_TEAM).count().get()).data().count, 0);
      const after = await gauges();
      assert.equal((after.pending ?? 0) - (before.pending ?? 0), 0, "the pending gauge is back");
      assert.equal((after.cancelled ?? 0) - (before.cancelled ?? 0), 1, "counted as cancelled");
      // Nothing left for a runner to lease.
      assert.deepEqual((await lease("r-git")).jobs, []);
    });

    it("leaves a request a runner holds: 504 not cancelled, the job still held with no cancel request", async () => {
      const asked = askRunner(gitAsk, timing(1_500), new Date());
      let leased: string[] = [];
      for (let i = 0; i < 20 && leased.length === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        leased = (await lease("r-git")).jobs.map((j) => j.id);
      }
      assert.equal(leased.length, 1, "leased the request");
      const error = await timedOut(asked);
      assert.deepEqual(
        { cancelled: error.fields.cancelled, jobId: error.fields.jobId, runnerId: error.fields.runnerId },
        { cancelled: false, jobId: leased[0], runnerId: "r-git" },
      );
      const job = (await db()
        .collection("jobs")
        .doc(leased[0] ?? "none")
        .get()
        .then((s) => s.data())) as LlmJob | undefined;
      assert.equal(job?.status, "LEASED");
      assert.equal(job?.control.cancelRequested, false);
    });

    it("never both withdraws and leases a job: withdrawals racing claims, one winner each", async () => {
      const ROUNDS = 12;
      let withdrawals = 0;
      let leases = 0;
      for (let round = 0; round < ROUNDS; round++) {
        const jobId = newRunnerJobId();
        const input = { kind: "rpc" as const, teamId: RPC_TEAM, actor: "u1", offer: capabilityTag("git") };
        await db().runTransaction((tx) =>
          queueRunnerJob(tx, jobId, { ...input, payload: {}, leaseMs: LEASE_MS }, new Date()),
        );
        // Two runners claiming and the waiter withdrawing at once: the withdrawal starts at a
        // different point of the claims each round (a claim reads a few documents before its write).
        const [left, a, b] = await Promise.all([
          new Promise((resolve) => setTimeout(resolve, (round * 7) % 40)).then(() =>
            withdrawQueuedJob(RPC_TEAM, jobId, "gave up", new Date()),
          ),
          lease(`r-${round}-a`),
          lease(`r-${round}-b`),
        ]);
        const takers = [...a.jobs, ...b.jobs].filter((j) => j.id === jobId);
        const job = (await db().collection("jobs").doc(jobId).get()).data() as LlmJob | undefined;
        assert.equal(takers.length + (left.withdrawn ? 1 : 0), 1, `round ${round}: exactly one winner`);
        if (left.withdrawn) {
          assert.equal(job?.status, "CANCELLED");
          assert.equal(job?.lease, null);
          withdrawals++;
        } else {
          assert.equal(job?.status, "LEASED");
          assert.equal(job?.control.cancelRequested, false, "a held job is not asked to cancel");
          assert.equal(job?.lease?.token, takers[0]?.leaseToken);
          leases++;
        }
      }
      console.log(`      withdraw vs claim: ${withdrawals} withdrawn, ${leases} leased of ${ROUNDS}`);
    });
  });
});
