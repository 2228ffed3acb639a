/**
 * Pausing a team's queue (issue 16 item 4, Buildkite's pause dispatch): while paused no runner
 * leases from it — lease calls answer empty, waiting ones keep waiting and get work once it is
 * resumed — on the jobs API and the fleet alike. The concurrent claimers run in this process
 * (test/harness/inProcess.ts), as one production instance holds many waits; the routes' wiring
 * through Hosting is checked with single calls.
 */
import assert from "node:assert/strict";
import { serveFunctionsInProcess, type InProcessFunctions } from "../harness/inProcess";
import { adminDb, call, createUser } from "../harness/stack";
import { fleetOwner, queued, registered } from "./fleet-fixtures";
import { createJob, jobsUser, warmUp, type Leased } from "./jobs-fixtures";
import { createTeam, inTeam, join as joinTeam } from "./teams-fixtures";

interface QueueState {
  queue: string;
  paused: boolean;
  pausedAt: string | null;
  pausedBy: string | null;
}

describe("queue pause and resume", () => {
  let functions: InProcessFunctions;

  before(async function () {
    this.timeout(300_000);
    await warmUp([
      ["/jobs", 1],
      ["/queues/jobs/pause", 1],
    ]);
    functions = await serveFunctionsInProcess();
  });

  after(async () => {
    await functions.stop();
  });

  it("paused: 8 concurrent lease calls (4 waiting) get nothing; on resume the waiting ones get the work at once", async function () {
    this.timeout(120_000);
    const { user, runnerKey, writeKey } = await jobsUser();
    const base = functions.base;
    const paused = await call<QueueState>("POST", "/queues/jobs/pause", { token: user.idToken });
    assert.equal(paused.status, 200, JSON.stringify(paused.body));
    assert.equal(paused.body.paused, true);
    assert.equal(paused.body.pausedBy, user.uid);
    const again = await call<QueueState>("POST", "/queues/jobs/pause", { base, token: writeKey });
    assert.equal(again.body.pausedAt, paused.body.pausedAt, "pausing a paused queue changes nothing");
    const jobs = await Promise.all([1, 2, 3, 4].map(() => createJob(user.idToken)));
    const lease = (runnerId: string, waitMs: number) =>
      call<{ jobs: Leased[] }>("POST", "/jobs/runner/lease", {
        base,
        token: runnerKey,
        body: { runnerId, waitMs, limit: 1 },
      });
    const quick = await Promise.all([0, 1, 2, 3].map((i) => lease(`quick${i}`, 0)));
    assert.deepEqual(
      quick.map((a) => [a.status, a.body.jobs.length]),
      [
        [200, 0],
        [200, 0],
        [200, 0],
        [200, 0],
      ],
      "no leases while paused",
    );
    const started = Date.now();
    const waits = [0, 1, 2, 3].map((i) => lease(`wait${i}`, 15_000).then((a) => ({ ...a, at: Date.now() - started })));
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const stored = await Promise.all(
      jobs.map(async (j) => (await adminDb().collection("jobs").doc(j.id).get()).data()),
    );
    assert.ok(
      stored.every((j) => j?.status === "PENDING"),
      "still pending while paused",
    );
    const listed = await call<{ queues: QueueState[] }>("GET", "/queues", { token: user.idToken });
    assert.deepEqual(
      listed.body.queues.map((q) => [q.queue, q.paused]),
      [
        ["jobs", true],
        ["tasks", false],
      ],
    );
    const resumedAt = Date.now() - started;
    const resumed = await call<QueueState>("POST", "/queues/jobs/resume", { base, token: user.idToken });
    assert.deepEqual(resumed.body, { queue: "jobs", paused: false, pausedAt: null, pausedBy: null });
    const answers = await Promise.all(waits);
    const got = answers.flatMap((a) => a.body.jobs.map((j) => j.id));
    assert.deepEqual([...got].sort(), jobs.map((j) => j.id).sort(), "each waiting call got one job, none twice");
    for (const a of answers)
      assert.ok(a.at - resumedAt < 5_000, `leased soon after the resume (${a.at} ms, resumed at ${resumedAt} ms)`);
  });

  it("fleet: a paused tasks queue hands out no task; resumed, the same runner claims it", async function () {
    this.timeout(60_000);
    const owner = await fleetOwner();
    await registered(owner.key, "pause-runner");
    const task = await queued(owner.key);
    const base = functions.base;
    assert.equal((await call("POST", "/queues/tasks/pause", { base, token: owner.user.idToken })).status, 200);
    const claim = () =>
      call<{ data: { id: string }[] }>("GET", "/api/runners/tasks/pending?runnerId=pause-runner", {
        base,
        token: owner.key,
      });
    assert.deepEqual((await claim()).body.data, [], "nothing while paused");
    assert.equal((await call("POST", "/queues/tasks/resume", { base, token: owner.user.idToken })).status, 200);
    assert.deepEqual(
      (await claim()).body.data.map((t) => t.id),
      [task.id],
    );
  });

  it("a member may not pause (403), an unknown queue is 404, a viewer may list; nothing changes", async function () {
    this.timeout(60_000);
    const [owner, member, viewer] = await Promise.all([createUser(), createUser(), createUser()]);
    const team = await createTeam(owner);
    await joinTeam(owner, team.teamId, member, "member");
    await joinTeam(owner, team.teamId, viewer, "viewer");
    const headers = inTeam(team.teamId);
    const refused = await call("POST", "/queues/jobs/pause", { token: member.idToken, headers });
    assert.equal(refused.status, 403, JSON.stringify(refused.body));
    const unknown = await call<{ error: string }>("POST", "/queues/nope/pause", { token: owner.idToken, headers });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error, "QUEUE_NOT_FOUND");
    const listed = await call<{ queues: QueueState[] }>("GET", "/queues", { token: viewer.idToken, headers });
    assert.equal(listed.status, 200);
    assert.ok(listed.body.queues.every((q) => !q.paused));
  });
});
