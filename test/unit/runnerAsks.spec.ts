/**
 * The intake turn's budgets, the token route's cut and presence, against the offline Firestore
 * in this process: the core's transactions for real, without HTTP or a stack's 4 s leases.
 */
import assert from "node:assert/strict";
import { Timestamp } from "firebase-admin/firestore";
import { capabilityTag, INTAKE_MAX_TURN_OUTPUT_TOKENS } from "../../contract/src/capabilities";
import { holderOf } from "../../functions/src/core/jobsApi/model";
import { appendTokens } from "../../functions/src/core/runnerAsks/appendTokens";
import { isOffered, notePresence, PRESENCE_WRITE_MS } from "../../functions/src/core/runnerAsks/presence";
import type { LlmJob } from "../../functions/src/core/runnerAsks/runnerJobs";
import { sessionKey, startIntakeTurn } from "../../functions/src/core/runnerAsks/startIntakeTurn";
import { db } from "../../functions/src/data/firestore";
import { intakeSessions, runnerPresence, tokenChunks } from "../../functions/src/data/runnerAsks";
import { ApiError } from "../../functions/src/http/errors";
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
  });
});
