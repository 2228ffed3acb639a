/**
 * A fleet runner (seed 004) advertises what it offers to the routes a runner answers, on register
 * (`x-runner-capabilities`, `x-runner-plugins`) and heartbeat (`capabilities`, `plugins`): the rpc
 * routes then count it online (no 503), it answers them through the jobs API's lease with the same
 * key and id, and an offline heartbeat or a deregistration takes it out at once. Seed 004's own
 * answers stay as they were.
 */
import assert from "node:assert/strict";
import { adminDb, call, type ApiResponse } from "../harness/stack";
import { heartbeat, register } from "./fleet-fixtures";
import { jobsUser, leaseJobs, type JobsUser } from "./jobs-fixtures";

const OFFER = { "x-runner-capabilities": "git,tracker", "x-runner-plugins": "fakegit" };

describe("fleet runners in the routes a runner answers", function () {
  this.timeout(60_000);
  let owner: JobsUser;

  before(async function () {
    this.timeout(120_000);
    // The functions these tests call, started once (a cold worker takes seconds to boot).
    for (const [method, path] of [
      ["POST", "/api/runners/register"],
      ["POST", "/api/runners/warm-up/heartbeat"],
      ["DELETE", "/api/runners/warm-up"],
      ["POST", "/test/git"],
      ["GET", "/plugins/fakegit/models"],
      ["POST", "/jobs/runner/lease"],
      ["POST", "/jobs/warm-up/runner/complete"],
    ] as const) {
      const response = await call(method, path, method === "POST" ? { body: {} } : {});
      assert.equal(response.status, 401, `${method} ${path}: ${response.status}`);
    }
  });

  beforeEach(async () => {
    owner = await jobsUser();
  });

  const presence = (runnerId: string) =>
    adminDb().collection("teams").doc(owner.user.uid).collection("runnerPresence").doc(runnerId).get();
  /** `POST /test/git` answered by `runnerId` leasing it on the jobs API, as a runner would. */
  async function answeredBy(runnerId: string): Promise<ApiResponse<Record<string, unknown>>> {
    const asked = call("POST", "/test/git", { token: owner.writeKey, body: { repo: "org/api" } });
    for (let i = 0; i < 40; i++) {
      const [job] = await leaseJobs(owner.runnerKey, runnerId, {
        capabilities: ["git", "tracker"],
        plugins: ["fakegit"],
      });
      if (job === undefined) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        continue;
      }
      const done = await call("POST", `/jobs/${job.id}/runner/complete`, {
        token: owner.runnerKey,
        body: { runnerId, leaseToken: job.leaseToken, result: { answer: { ok: true, by: runnerId } } },
      });
      assert.equal(done.status, 200, JSON.stringify(done.body));
      break;
    }
    return asked;
  }

  it("register with an offer: counted online at once; its answers go through; seed 004's answer unchanged", async () => {
    // Before: nobody offers git.
    const before = await call("POST", "/test/git", { token: owner.writeKey, body: {} });
    assert.equal(before.status, 503);
    assert.equal(before.body.reason, "no-git");
    const plain = await register(owner.runnerKey, "plain-runner");
    const offering = await register(owner.runnerKey, "fleet-runner", OFFER);
    assert.equal(offering.status, 200, JSON.stringify(offering.body));
    // The same record as a registration without the headers: seed 004's fields only.
    assert.deepEqual(Object.keys(offering.body.data).sort(), Object.keys(plain.body.data).sort());
    const seen = (await presence("fleet-runner")).data();
    assert.deepEqual(seen?.offers, ["cap:git", "cap:tracker", "plugin:fakegit"]);
    assert.equal((await presence("plain-runner")).exists, false, "no headers, no offer");
    // Presence from the registration alone (nothing leased yet): the route queues, the runner answers.
    const answer = await answeredBy("fleet-runner");
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.deepEqual(answer.body.answer, { ok: true, by: "fleet-runner" });
    assert.equal(answer.body.runnerId, "fleet-runner");
  });

  it("heartbeat with an offer keeps it online; offline or deregistered takes it out at once; bad offers are 400", async () => {
    assert.equal((await register(owner.runnerKey, "fleet-runner")).status, 200);
    assert.equal((await presence("fleet-runner")).exists, false);
    // A heartbeat as seed 004 has it says nothing about offers.
    const seedBeat = await heartbeat(owner.runnerKey, "fleet-runner");
    assert.equal(seedBeat.status, 200, JSON.stringify(seedBeat.body));
    assert.equal((await presence("fleet-runner")).exists, false);
    const beat = await heartbeat(owner.runnerKey, "fleet-runner", {
      status: "busy",
      currentJobs: 1,
      capabilities: ["git"],
      plugins: ["fakegit"],
    });
    assert.equal(beat.status, 200, JSON.stringify(beat.body));
    assert.deepEqual(Object.keys(beat.body.data).sort(), Object.keys(seedBeat.body.data).sort());
    assert.deepEqual((await presence("fleet-runner")).data()?.offers, ["cap:git", "plugin:fakegit"]);
    const models = await call("GET", "/plugins/nope/models", { token: owner.readKey });
    assert.equal(models.status, 503, "only the plugins it named");
    // Going offline: out of the routes at once.
    const offline = await heartbeat(owner.runnerKey, "fleet-runner", {
      status: "offline",
      currentJobs: 0,
      capabilities: ["git"],
    });
    assert.equal(offline.status, 200);
    assert.equal((await presence("fleet-runner")).exists, false);
    const gone = await call("POST", "/test/git", { token: owner.writeKey, body: {} });
    assert.equal(gone.status, 503);
    assert.equal(gone.body.reason, "no-git");
    // Back online, then deregistered: out again.
    await heartbeat(owner.runnerKey, "fleet-runner", { status: "online", currentJobs: 0, capabilities: ["git"] });
    assert.equal((await presence("fleet-runner")).exists, true);
    const deleted = await call("DELETE", "/api/runners/fleet-runner", { token: owner.runnerKey });
    assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
    assert.equal((await presence("fleet-runner")).exists, false);
    // Offers the jobs API would refuse: 400 in the fleet envelope, nothing recorded.
    const badRegister = await register(owner.runnerKey, "bad-runner", { "x-runner-capabilities": "Git,git" });
    assert.equal(badRegister.status, 400);
    assert.equal((badRegister.body as unknown as { data: null }).data, null);
    assert.equal((await adminDb().collection("runners").doc(`${owner.user.uid}:bad-runner`).get()).exists, false);
    const badBeat = await heartbeat(owner.runnerKey, "fleet-runner", {
      status: "online",
      currentJobs: 0,
      plugins: ["a/b"],
    });
    assert.equal(badBeat.status, 400);
    assert.equal((await presence("fleet-runner")).exists, false);
  });
});
