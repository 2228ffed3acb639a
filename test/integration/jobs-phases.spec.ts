import assert from "node:assert/strict";
import { jobHeartbeatAnswer } from "../../contract/src/jobs";
import { assertOnContract } from "../harness/contract";
import { call } from "../harness/stack";
import {
  createJob,
  jobsUser,
  keepLeased,
  leaseOne,
  runnerCall,
  storedJob,
  warmUp,
  type Snapshot,
} from "./jobs-fixtures";

type PhaseSnapshot = Snapshot & {
  phases: string[];
  phase: string | null;
  startPhase: string | null;
  rerunPhase: { phase: string; seq: number } | null;
  reruns: number;
};
type Beat = { rerunPhase: { phase: string; seq: number } | null };

describe("jobs API: phases (seed 002 POST /jobs/:jobId/phases/:phase/rerun)", () => {
  before(async function () {
    this.timeout(180_000);
    await warmUp([
      ["/api/keys", 3],
      ["/jobs", 1],
      ["/jobs/x", 1],
      ["/jobs/runner/lease", 1],
      ["/jobs/x/runner/heartbeat", 2],
      ["/jobs/x/runner/complete", 1],
      ["/jobs/x/phases/a/rerun", 4],
    ]);
  });

  it("a runner reports phases in its heartbeats; a rerun reaches the holder until acknowledged", async function () {
    this.timeout(30_000);
    const { user, writeKey, readKey, runnerKey } = await jobsUser();
    const job = await createJob(user.idToken);
    const leased = await leaseOne(runnerKey, "r1");
    assert.equal((leased as unknown as { startPhase: unknown }).startPhase, null);
    // Test leases are short; a background heartbeat (no phase fields, no acknowledgement) keeps it.
    const stop = keepLeased(runnerKey, job.id, "r1", leased.leaseToken);
    const beat = (body: Record<string, unknown> = {}) =>
      runnerCall<Beat & { error?: string }>(runnerKey, job.id, "heartbeat", "r1", leased.leaseToken, body);
    const snapshot = async () => (await call<PhaseSnapshot>("GET", `/jobs/${job.id}`, { token: readKey })).body;

    const first = await beat({ phases: ["plan", "build", "test"], phase: "plan" });
    assert.equal(first.status, 200);
    assertOnContract(jobHeartbeatAnswer, first.body, "heartbeat");
    assert.equal(first.body.rerunPhase, null);
    let snap = await snapshot();
    assert.deepEqual([snap.phases, snap.phase], [["plan", "build", "test"], "plan"]);

    // A phase outside the list, or a malformed list: 400, nothing changes.
    // The background heartbeat moves the lease's times; what a phase call could change is compared.
    const phaseState = async () => {
      const { status, phases, phase, rerunPhase, rerunPhaseSeq, startPhase } = await storedJob(job.id);
      return { status, phases, phase, rerunPhase, rerunPhaseSeq, startPhase };
    };
    const stored = await phaseState();
    const unknown = await beat({ phase: "deploy" });
    assert.deepEqual([unknown.status, unknown.body.error], [400, "UNKNOWN_PHASE"]);
    assert.equal((await beat({ phases: ["a", "a"] })).status, 400);
    assert.deepEqual(await phaseState(), stored);

    // Unknown phase → 404; a malformed name → 400; a read-only key → 403; nothing changes.
    const missing = await call<{ error: string }>("POST", `/jobs/${job.id}/phases/deploy/rerun`, { token: writeKey });
    assert.deepEqual([missing.status, missing.body.error], [404, "PHASE_NOT_FOUND"]);
    assert.equal((await call("POST", `/jobs/${job.id}/phases/a%20b/rerun`, { token: writeKey })).status, 400);
    assert.equal((await call("POST", `/jobs/${job.id}/phases/plan/rerun`, { token: readKey })).status, 403);
    assert.deepEqual(await phaseState(), stored);

    const asked = await call<PhaseSnapshot>("POST", `/jobs/${job.id}/phases/build/rerun`, { token: writeKey });
    assert.deepEqual(
      [asked.status, asked.body.status, asked.body.rerunPhase],
      [200, "RUNNING", { phase: "build", seq: 1 }],
    );
    // Repeated in every answer until acknowledged, then gone.
    assert.deepEqual((await beat()).body.rerunPhase, { phase: "build", seq: 1 });
    assert.deepEqual((await beat({ phase: "test" })).body.rerunPhase, { phase: "build", seq: 1 });
    assert.equal((await beat({ phase: "build", ackedRerunSeq: 1 })).body.rerunPhase, null);
    snap = await snapshot();
    assert.deepEqual([snap.phase, snap.rerunPhase], ["build", null]);
    assert.equal((await beat()).body.rerunPhase, null);
    await stop();
  });

  it("an ended job is queued again once, however many ask at once; the lease names the phase", async function () {
    this.timeout(30_000);
    const { user, writeKey, runnerKey } = await jobsUser();
    const job = await createJob(user.idToken);
    const leased = await leaseOne(runnerKey, "r1");
    await runnerCall(runnerKey, job.id, "heartbeat", "r1", leased.leaseToken, {
      phases: ["plan", "build", "test"],
      phase: "test",
    });
    assert.equal((await runnerCall(runnerKey, job.id, "complete", "r1", leased.leaseToken)).status, 200);

    const answers = await Promise.all(
      Array.from({ length: 4 }, () =>
        call<PhaseSnapshot>("POST", `/jobs/${job.id}/phases/test/rerun`, { token: writeKey }),
      ),
    );
    assert.deepEqual(
      answers.map((a) => a.status),
      answers.map(() => 200),
    );
    const stored = await storedJob(job.id);
    assert.deepEqual(
      [stored.status, stored.reruns, stored.startPhase, stored.phase, stored.result, stored.phases],
      ["PENDING", 1, "test", null, null, ["plan", "build", "test"]],
    );
    const again = await leaseOne(runnerKey, "r2");
    assert.equal(again.id, job.id);
    assert.equal((again as unknown as { startPhase: unknown }).startPhase, "test");
    const snap = await call<PhaseSnapshot>("GET", `/jobs/${job.id}`, { token: user.idToken });
    assert.deepEqual([snap.body.status, snap.body.startPhase], ["LEASED", "test"]);
  });
});
