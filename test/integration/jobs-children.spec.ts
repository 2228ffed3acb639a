import assert from "node:assert/strict";
import { adminDb, call } from "../harness/stack";
import { createJob, jobsUser, leaseJobs, runnerCall, warmUp, type Heartbeat, type Snapshot } from "./jobs-fixtures";

/** Every job document of the campaign, by id, to compare before and after a control. */
async function campaignState(): Promise<Map<string, Record<string, unknown>>> {
  const all = await adminDb().collection("jobs").get();
  return new Map(all.docs.map((d) => [d.id, d.data()]));
}

function assertOnlyChanged(
  before: Map<string, Record<string, unknown>>,
  after: Map<string, Record<string, unknown>>,
  changed: string,
) {
  assert.deepEqual([...after.keys()].sort(), [...before.keys()].sort());
  for (const [id, doc] of before) {
    if (id === changed) assert.notDeepEqual(after.get(id), doc, `${id} changed`);
    else assert.deepEqual(after.get(id), doc, `${id} untouched`);
  }
}

describe("jobs API: campaign child controls (seed 002)", () => {
  before(async function () {
    this.timeout(180_000);
    await warmUp([
      ["/jobs", 1],
      ["/jobs/x", 1],
      ["/jobs/x/children/a/skip", 1],
      ["/jobs/runner/lease", 1],
      ["/jobs/x/runner/heartbeat", 1],
      ["/jobs/x/runner/complete", 1],
      ["/jobs/x/pause", 1],
    ]);
  });

  it("creates named children as their own jobs, linked to the parent", async () => {
    const { user } = await jobsUser();
    const parent = await createJob(user.idToken, {
      children: [
        { name: "lint", type: "lint" },
        { name: "test", params: { shard: 1 } },
        { name: "deploy", start: "manual" },
      ],
    });
    assert.deepEqual(
      parent.children.map((c) => [c.name, c.jobId, c.status]),
      [
        ["lint", `${parent.id}-lint`, "PENDING"],
        ["test", `${parent.id}-test`, "PENDING"],
        ["deploy", `${parent.id}-deploy`, "PAUSED"],
      ],
    );
    const child = await call<Snapshot>("GET", `/jobs/${parent.id}-test`, { token: user.idToken });
    assert.equal(child.status, 200);
    assert.deepEqual(
      [child.body.parentId, child.body.childName, child.body.type, child.body.params],
      [parent.id, "test", "implement", { shard: 1 }],
    );
    assert.equal(
      (await call<Snapshot>("GET", `/jobs/${parent.id}-deploy`, { token: user.idToken })).body.awaitingStart,
      true,
    );
  });

  it("each control changes only the named child", async function () {
    this.timeout(60_000);
    const { user, writeKey, runnerKey } = await jobsUser();
    const parent = await createJob(user.idToken, {
      children: [{ name: "a" }, { name: "b" }, { name: "c", start: "manual" }, { name: "d" }],
      tags: ["campaign"],
    });
    const control = (name: string, action: string) =>
      call<Snapshot & { error?: string }>("POST", `/jobs/${parent.id}/children/${name}/${action}`, { token: writeKey });
    const id = (name: string) => `${parent.id}-${name}`;

    // start: the manual child joins the queue.
    let before = await campaignState();
    const started = await control("c", "start");
    assert.deepEqual([started.status, started.body.status, started.body.awaitingStart], [200, "PENDING", false]);
    assertOnlyChanged(before, await campaignState(), id("c"));

    // skip: a queued child ends without running.
    before = await campaignState();
    const skipped = await control("b", "skip");
    assert.deepEqual([skipped.status, skipped.body.status, skipped.body.childOutcome], [200, "CANCELLED", "SKIPPED"]);
    assertOnlyChanged(before, await campaignState(), id("b"));

    // rerun: the skipped child is queued again as a fresh run.
    before = await campaignState();
    const rerun = await control("b", "rerun");
    assert.deepEqual(
      [rerun.status, rerun.body.status, rerun.body.reruns, rerun.body.childOutcome],
      [200, "PENDING", 1, null],
    );
    assertOnlyChanged(before, await campaignState(), id("b"));

    // A runner takes every queued job (the parent too: it is a job like the others).
    const leased = await leaseJobs(runnerKey, "r1", { tags: ["campaign"], limit: 10 });
    assert.deepEqual(leased.map((j) => j.id).sort(), [parent.id, id("a"), id("b"), id("c"), id("d")].sort());
    const tokenOf = (jobId: string) => leased.find((j) => j.id === jobId)?.leaseToken ?? "";

    // cancel on a held child: cooperative, seen in that child's heartbeat only.
    before = await campaignState();
    const cancel = await control("a", "cancel");
    assert.deepEqual([cancel.status, cancel.body.control.cancelRequested], [200, true]);
    assertOnlyChanged(before, await campaignState(), id("a"));
    const hbA = await runnerCall<Heartbeat>(runnerKey, id("a"), "heartbeat", "r1", tokenOf(id("a")));
    const hbD = await runnerCall<Heartbeat>(runnerKey, id("d"), "heartbeat", "r1", tokenOf(id("d")));
    assert.deepEqual([hbA.body.cancelRequested, hbD.body.cancelRequested], [true, false]);

    // skip refuses a running child; abandon ends it at once and fences its holder out.
    const refused = await control("d", "skip");
    assert.deepEqual([refused.status, refused.body.error], [409, "CHILD_RUNNING"]);
    before = await campaignState();
    const abandoned = await control("d", "abandon");
    assert.deepEqual(
      [abandoned.status, abandoned.body.status, abandoned.body.childOutcome, abandoned.body.lease],
      [200, "CANCELLED", "ABANDONED", null],
    );
    assertOnlyChanged(before, await campaignState(), id("d"));
    const fenced = await runnerCall<{ error: string }>(runnerKey, id("d"), "complete", "r1", tokenOf(id("d")));
    assert.deepEqual([fenced.status, fenced.body.error], [409, "LEASE_NOT_HELD"]);

    // resume withdraws a pause request on the named child only.
    await call("POST", `/jobs/${id("c")}/pause`, { token: writeKey });
    before = await campaignState();
    const resumed = await control("c", "resume");
    assert.deepEqual([resumed.status, resumed.body.control.pauseRequested], [200, false]);
    assertOnlyChanged(before, await campaignState(), id("c"));

    // The parent's snapshot shows each child's state.
    const snapshot = await call<Snapshot>("GET", `/jobs/${parent.id}`, { token: user.idToken });
    assert.deepEqual(
      snapshot.body.children.map((c) => [c.name, c.status, c.outcome]),
      [
        ["a", "RUNNING", null],
        ["b", "LEASED", null],
        ["c", "LEASED", null],
        ["d", "CANCELLED", "ABANDONED"],
      ],
    );
  });

  it("answers 404 for an unknown child or action, 409 for a control that cannot apply, and changes nothing", async () => {
    const { user, writeKey, readKey } = await jobsUser();
    const parent = await createJob(user.idToken, { children: [{ name: "a" }] });
    const plain = await createJob(user.idToken);
    const before = await campaignState();
    const missing = await call<{ error: string }>("POST", `/jobs/${parent.id}/children/zzz/skip`, { token: writeKey });
    assert.deepEqual([missing.status, missing.body.error], [404, "CHILD_NOT_FOUND"]);
    const noChildren = await call<{ error: string }>("POST", `/jobs/${plain.id}/children/a/skip`, { token: writeKey });
    assert.equal(noChildren.status, 404);
    const badAction = await call<{ error: string }>("POST", `/jobs/${parent.id}/children/a/explode`, {
      token: writeKey,
    });
    assert.deepEqual([badAction.status, badAction.body.error], [404, "ROUTE_NOT_FOUND"]);
    const notFinished = await call<{ error: string }>("POST", `/jobs/${parent.id}/children/a/rerun`, {
      token: writeKey,
    });
    assert.deepEqual([notFinished.status, notFinished.body.error], [409, "CHILD_NOT_FINISHED"]);
    assert.equal((await call("POST", `/jobs/${parent.id}/children/a/skip`, { token: readKey })).status, 403);
    assert.deepEqual(await campaignState(), before);
  });
});
