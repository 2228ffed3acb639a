import assert from "node:assert/strict";
import { adminDb, call } from "../harness/stack";
import {
  createJob,
  jobsUser,
  leaseJobs,
  leaseOne,
  runnerCall,
  storedJob,
  warmUp,
  type Heartbeat,
  type Snapshot,
} from "./jobs-fixtures";

async function heartbeat(runnerKey: string, jobId: string, runnerId: string, token: string): Promise<Heartbeat> {
  const response = await runnerCall<Heartbeat>(runnerKey, jobId, "heartbeat", runnerId, token);
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body;
}

describe("jobs API: cancel, pause, resume, message (seed 002)", () => {
  before(async function () {
    this.timeout(300_000);
    await warmUp([
      ["/jobs", 1],
      ["/jobs/x", 1],
      ["/jobs/runner/lease", 1],
      ["/jobs/x/runner/heartbeat", 4],
      ["/jobs/x/runner/release", 1],
      ["/jobs/x/runner/complete", 1],
      ["/jobs/x/cancel", 1],
      ["/jobs/x/pause", 1],
      ["/jobs/x/resume", 1],
      ["/jobs/x/message", 1],
    ]);
  });

  it("cancels and pauses a PENDING job at once; resume puts a paused job back in the queue", async () => {
    const { user, writeKey, runnerKey } = await jobsUser();
    const toCancel = await createJob(user.idToken);
    const cancelled = await call<Snapshot>("POST", `/jobs/${toCancel.id}/cancel`, { token: writeKey });
    assert.equal(cancelled.status, 200);
    assert.equal(cancelled.body.status, "CANCELLED");
    const stored = await storedJob(toCancel.id);
    assert.deepEqual([stored.status, stored.pendingShard], ["CANCELLED", null]);
    assert.equal(
      (await call<Snapshot>("POST", `/jobs/${toCancel.id}/cancel`, { token: writeKey })).status,
      200,
      "cancel again is a no-op",
    );
    const pauseEnded = await call<{ error: string }>("POST", `/jobs/${toCancel.id}/pause`, { token: writeKey });
    assert.deepEqual([pauseEnded.status, pauseEnded.body.error], [409, "JOB_FINISHED"]);

    const toPause = await createJob(user.idToken);
    const paused = await call<Snapshot>("POST", `/jobs/${toPause.id}/pause`, { token: user.idToken });
    assert.equal(paused.body.status, "PAUSED");
    assert.equal((await storedJob(toPause.id)).pendingShard, null);
    assert.deepEqual(await leaseJobs(runnerKey, "r1", { limit: 5 }), [], "a paused job is out of the queue");
    const resumed = await call<Snapshot>("POST", `/jobs/${toPause.id}/resume`, { token: user.idToken });
    assert.equal(resumed.body.status, "PENDING");
    const leased = await leaseOne(runnerKey, "r1");
    assert.equal(leased.id, toPause.id);
  });

  it("cancel reaches the holder in its next heartbeat; it acknowledges and the job ends CANCELLED", async () => {
    const { user, runnerKey } = await jobsUser();
    const job = await createJob(user.idToken);
    const leased = await leaseOne(runnerKey, "r1");
    assert.equal((await heartbeat(runnerKey, job.id, "r1", leased.leaseToken)).cancelRequested, false);
    const requested = await call<Snapshot>("POST", `/jobs/${job.id}/cancel`, { token: user.idToken });
    assert.equal(requested.status, 200);
    assert.equal(requested.body.status, "RUNNING", "a held job keeps running until its runner stops");
    assert.equal(requested.body.control.cancelRequested, true);
    const hb = await heartbeat(runnerKey, job.id, "r1", leased.leaseToken);
    assert.equal(hb.cancelRequested, true);
    assert.equal(hb.pauseRequested, false);
    const ack = await runnerCall(runnerKey, job.id, "release", "r1", leased.leaseToken, { status: "CANCELLED" });
    assert.deepEqual([ack.status, ack.body], [200, { status: "CANCELLED" }]);
    const stored = await storedJob(job.id);
    assert.deepEqual([stored.status, stored.lease, stored.pendingShard], ["CANCELLED", null, null]);
  });

  it("pause reaches the holder; after it acknowledges the job is PAUSED, and resume queues it again", async () => {
    const { user, writeKey, runnerKey } = await jobsUser();
    const job = await createJob(user.idToken);
    const leased = await leaseOne(runnerKey, "r1");
    await call("POST", `/jobs/${job.id}/pause`, { token: writeKey });
    assert.equal((await storedJob(job.id)).status, "LEASED");
    const hb = await heartbeat(runnerKey, job.id, "r1", leased.leaseToken);
    assert.deepEqual([hb.pauseRequested, hb.cancelRequested], [true, false]);
    // Resume before the runner acted: the request is withdrawn and the next heartbeat says so.
    await call("POST", `/jobs/${job.id}/resume`, { token: writeKey });
    assert.equal((await heartbeat(runnerKey, job.id, "r1", leased.leaseToken)).pauseRequested, false);
    await call("POST", `/jobs/${job.id}/pause`, { token: writeKey });
    assert.equal((await heartbeat(runnerKey, job.id, "r1", leased.leaseToken)).pauseRequested, true);
    const ack = await runnerCall(runnerKey, job.id, "release", "r1", leased.leaseToken, { status: "PAUSED" });
    assert.equal(ack.status, 200);
    const paused = await storedJob(job.id);
    assert.deepEqual([paused.status, paused.pendingShard, paused.lease], ["PAUSED", null, null]);
    assert.deepEqual(await leaseJobs(runnerKey, "r2"), []);
    await call("POST", `/jobs/${job.id}/resume`, { token: writeKey });
    const again = await leaseOne(runnerKey, "r2");
    assert.equal(again.id, job.id);
    assert.equal((await heartbeat(runnerKey, job.id, "r2", again.leaseToken)).pauseRequested, false);
  });

  it("delivers a message to the holder exactly once, even to racing heartbeats", async () => {
    const { user, writeKey, runnerKey } = await jobsUser();
    const job = await createJob(user.idToken);
    // Posted before anyone holds the job: it waits for the first holder.
    const early = await call<{ message: { seq: number } }>("POST", `/jobs/${job.id}/message`, {
      token: user.idToken,
      body: { text: "use the staging db" },
    });
    assert.equal(early.status, 201);
    assert.equal(early.body.message.seq, 1);
    const leased = await leaseOne(runnerKey, "r1");
    await call("POST", `/jobs/${job.id}/message`, { token: writeKey, body: { text: "also run lint" } });
    await call("POST", `/jobs/${job.id}/message`, { token: writeKey, body: { message: "and be quick" } });

    const beats = await Promise.all(
      Array.from({ length: 4 }, () => heartbeat(runnerKey, job.id, "r1", leased.leaseToken)),
    );
    const delivered = beats.flatMap((b) => b.messages);
    assert.deepEqual(delivered.map((m) => m.text).sort(), ["also run lint", "and be quick", "use the staging db"]);
    const carrier = beats.find((b) => b.messages.length > 0);
    assert.deepEqual(
      carrier?.messages.map((m) => m.seq),
      [1, 2, 3],
      "in order, in one answer",
    );
    assert.deepEqual((await heartbeat(runnerKey, job.id, "r1", leased.leaseToken)).messages, []);

    const stored = await adminDb().collection("jobs").doc(job.id).collection("messages").orderBy("seq").get();
    assert.deepEqual(
      stored.docs.map((d) => [d.get("seq") as unknown, d.get("delivered") as unknown, d.get("deliveredTo") as unknown]),
      [
        [1, true, "r1"],
        [2, true, "r1"],
        [3, true, "r1"],
      ],
    );
    const snapshot = await call<Snapshot>("GET", `/jobs/${job.id}`, { token: user.idToken });
    assert.deepEqual(snapshot.body.messages, { posted: 3, delivered: 3 });
  });

  it("with acknowledgements, sends a message again until the runner has it: a lost answer loses nothing", async () => {
    const { user, runnerKey } = await jobsUser();
    const job = await createJob(user.idToken);
    const leased = await leaseOne(runnerKey, "r1");
    const beat = async (ackedMessageSeq: number) => {
      const response = await runnerCall<Heartbeat>(runnerKey, job.id, "heartbeat", "r1", leased.leaseToken, {
        ackedMessageSeq,
      });
      assert.equal(response.status, 200, JSON.stringify(response.body));
      return response.body.messages.map((m) => [m.seq, m.text]);
    };
    for (const text of ["one", "two"])
      await call("POST", `/jobs/${job.id}/message`, { token: user.idToken, body: { text } });
    assert.deepEqual(await beat(0), [
      [1, "one"],
      [2, "two"],
    ]);
    // That answer never arrived: the runner still acknowledges nothing, and gets both again.
    assert.deepEqual(await beat(0), [
      [1, "one"],
      [2, "two"],
    ]);
    const snapshot = await call<Snapshot>("GET", `/jobs/${job.id}`, { token: user.idToken });
    assert.deepEqual(snapshot.body.messages, { posted: 2, delivered: 0 }, "sent is not delivered");
    await call("POST", `/jobs/${job.id}/message`, { token: user.idToken, body: { text: "three" } });
    // It has 1 and 2 now: only 3 comes; acknowledging more than was posted counts what was posted.
    assert.deepEqual(await beat(2), [[3, "three"]]);
    assert.deepEqual(await beat(99), []);
    assert.deepEqual(await beat(1), [], "an old acknowledgement does not bring back what was acknowledged");
    const stored = await adminDb().collection("jobs").doc(job.id).collection("messages").orderBy("seq").get();
    assert.deepEqual(
      stored.docs.map((d) => [d.get("seq") as unknown, d.get("delivered") as unknown]),
      [
        [1, true],
        [2, true],
        [3, true],
      ],
    );
    assert.deepEqual((await call<Snapshot>("GET", `/jobs/${job.id}`, { token: user.idToken })).body.messages, {
      posted: 3,
      delivered: 3,
    });
    const bad = await runnerCall<{ error: string }>(runnerKey, job.id, "heartbeat", "r1", leased.leaseToken, {
      ackedMessageSeq: -1,
    });
    assert.equal(bad.status, 400);
  });

  it("refuses empty, oversized and post-end messages", async () => {
    const { user, runnerKey } = await jobsUser();
    const job = await createJob(user.idToken);
    for (const body of [{}, { text: "" }, { text: "x".repeat(10_001) }, { text: "a", message: "b" }]) {
      assert.equal(
        (await call("POST", `/jobs/${job.id}/message`, { token: user.idToken, body })).status,
        400,
        JSON.stringify(body).slice(0, 50),
      );
    }
    const leased = await leaseOne(runnerKey, "r1");
    await runnerCall(runnerKey, job.id, "complete", "r1", leased.leaseToken);
    const late = await call<{ error: string }>("POST", `/jobs/${job.id}/message`, {
      token: user.idToken,
      body: { text: "too late" },
    });
    assert.deepEqual([late.status, late.body.error], [409, "JOB_FINISHED"]);
    assert.equal((await adminDb().collection("jobs").doc(job.id).collection("messages").get()).size, 0);
  });
});
