import assert from "node:assert/strict";
import { adminDb, call } from "../harness/stack";
import {
  createJob,
  jobBody,
  jobsUser,
  leaseJobs,
  runnerCall,
  warmUp,
  type Leased,
  type Snapshot,
} from "./jobs-fixtures";

type Blocked = { name: string; status: string; error: string | null };
type ChildSnapshot = Snapshot & {
  waitingOn: string[];
  blockedBy: Blocked[];
  dependsOn: string[];
  childOutcome: string;
};

/** A diamond and a tail: a → (b, c) → d → e. The parent carries a tag the runners lack, so only children are leased. */
const DIAMOND = [
  { name: "a", tags: ["dag"] },
  { name: "b", tags: ["dag"], dependsOn: ["a"] },
  { name: "c", tags: ["dag"], dependsOn: ["a"] },
  { name: "d", tags: ["dag"], dependsOn: ["b", "c"] },
  { name: "e", tags: ["dag"], dependsOn: ["d"] },
];
const DEPS = new Map(DIAMOND.map((c) => [c.name, c.dependsOn ?? []]));

async function jobCount(): Promise<number> {
  return (await adminDb().collection("jobs").count().get()).data().count;
}

describe("jobs API: campaign dependencies (seed 002 dependsOn)", () => {
  before(async function () {
    this.timeout(180_000);
    await warmUp([
      ["/jobs", 1],
      ["/jobs/x", 1],
      ["/jobs/x/children/a/skip", 1],
      ["/api/keys", 3],
      ["/jobs/runner/lease", 3],
      ["/jobs/x/runner/complete", 3],
      ["/jobs/x/runner/fail", 1],
    ]);
  });

  it("runs a 5-child diamond in dependency order, one runner leasing in a loop", async function () {
    this.timeout(60_000);
    const { user, runnerKey } = await jobsUser();
    const parent = await createJob(user.idToken, { tags: ["parent"], children: DIAMOND });
    assert.deepEqual(
      parent.children.map((c) => [c.name, c.status]),
      [
        ["a", "PENDING"],
        ["b", "PAUSED"],
        ["c", "PAUSED"],
        ["d", "PAUSED"],
        ["e", "PAUSED"],
      ],
    );
    const d = await call<ChildSnapshot>("GET", `/jobs/${parent.id}-d`, { token: user.idToken });
    assert.deepEqual([d.body.dependsOn, d.body.waitingOn, d.body.blockedBy], [["b", "c"], ["b", "c"], []]);

    // Each batch holds everything leasable at that moment; completing a batch (its members at
    // once, so their end hooks race on the shared dependent) unlocks the next.
    const batches: string[][] = [];
    for (let round = 0; round < 8 && batches.flat().length < DIAMOND.length; round++) {
      const leased = await leaseJobs(runnerKey, "solo", { tags: ["dag"], limit: 10 });
      assert.ok(leased.length > 0, `round ${round}: something is leasable (${JSON.stringify(batches)})`);
      batches.push(leased.map((j) => j.childName ?? "?").sort());
      const done = await Promise.all(leased.map((j) => runnerCall(runnerKey, j.id, "complete", "solo", j.leaseToken)));
      assert.deepEqual(
        done.map((r) => r.status),
        leased.map(() => 200),
      );
    }
    assert.deepEqual(batches, [["a"], ["b", "c"], ["d"], ["e"]]);
    const snapshot = await call<Snapshot>("GET", `/jobs/${parent.id}`, { token: user.idToken });
    assert.deepEqual(
      snapshot.body.children.map((c) => c.status),
      DIAMOND.map(() => "SUCCEEDED"),
    );
  });

  it("concurrent runners never lease a child before its dependencies succeeded, nor one twice", async function () {
    this.timeout(60_000);
    const { user, runnerKey } = await jobsUser();
    const parent = await createJob(user.idToken, { tags: ["parent"], children: DIAMOND });
    const leasedBy = new Map<string, string>();
    const violations: string[] = [];
    const runner = async (runnerId: string) => {
      for (let idle = 0; idle < 40 && leasedBy.size < DIAMOND.length;) {
        const [job]: (Leased | undefined)[] = await leaseJobs(runnerKey, runnerId, { tags: ["dag"] });
        if (job === undefined) {
          idle++;
          await new Promise((resolve) => setTimeout(resolve, 100));
          continue;
        }
        const name = job.childName ?? "?";
        if (leasedBy.has(name)) violations.push(`${name} leased by ${leasedBy.get(name)} and ${runnerId}`);
        leasedBy.set(name, runnerId);
        // A dependency that let this child be leased has ended for good (nothing reruns it here).
        for (const dep of DEPS.get(name) ?? []) {
          const stored = (await adminDb().collection("jobs").doc(`${parent.id}-${dep}`).get()).get("status") as unknown;
          if (stored !== "SUCCEEDED") violations.push(`${name} leased while ${dep} was ${String(stored)}`);
        }
        const done = await runnerCall(runnerKey, job.id, "complete", runnerId, job.leaseToken);
        if (done.status !== 200) violations.push(`${name} complete: ${done.status}`);
      }
    };
    await Promise.all(["r1", "r2", "r3"].map(runner));
    assert.deepEqual(violations, []);
    assert.deepEqual([...leasedBy.keys()].sort(), ["a", "b", "c", "d", "e"]);
  });

  it("refuses unknown names and cycles with 400 in the envelope, writing nothing", async () => {
    const { user, writeKey } = await jobsUser();
    const before = await jobCount();
    const cycle = await call<{ error: string; message: string; detail: { cycle: string[] } }>("POST", "/jobs", {
      token: writeKey,
      body: jobBody({
        children: [
          { name: "a", dependsOn: ["c"] },
          { name: "b", dependsOn: ["a"] },
          { name: "c", dependsOn: ["b"] },
        ],
      }),
    });
    assert.deepEqual(
      [cycle.status, cycle.body.error, cycle.body.detail.cycle],
      [400, "DEPENDENCY_CYCLE", ["a", "c", "b", "a"]],
    );
    assert.equal(typeof cycle.body.message, "string");
    const self = await call<{ error: string }>("POST", "/jobs", {
      token: user.idToken,
      body: jobBody({ children: [{ name: "a", dependsOn: ["a"] }] }),
    });
    assert.deepEqual([self.status, self.body.error], [400, "DEPENDENCY_CYCLE"]);
    const unknown = await call<{ error: string }>("POST", "/jobs", {
      token: writeKey,
      body: jobBody({ children: [{ name: "a", dependsOn: ["ghost"] }] }),
    });
    assert.deepEqual([unknown.status, unknown.body.error], [400, "UNKNOWN_DEPENDENCY"]);
    const malformed = await call<{ error: string }>("POST", "/jobs", {
      token: writeKey,
      body: jobBody({ children: [{ name: "a", dependsOn: "b" }] }),
    });
    assert.equal(malformed.status, 400);
    assert.equal(await jobCount(), before);
  });

  it("a failed dependency blocks its dependents with the reason; rerun lifts the block, skip releases them", async function () {
    this.timeout(60_000);
    const { user, writeKey, runnerKey } = await jobsUser();
    const parent = await createJob(user.idToken, {
      tags: ["parent"],
      children: [
        { name: "a", tags: ["dag"] },
        { name: "b", tags: ["dag"], dependsOn: ["a"] },
        { name: "c", tags: ["dag"], dependsOn: ["b"] },
      ],
    });
    const child = async (name: string) =>
      (await call<ChildSnapshot>("GET", `/jobs/${parent.id}-${name}`, { token: user.idToken })).body;
    const control = (name: string, action: string) =>
      call<ChildSnapshot>("POST", `/jobs/${parent.id}/children/${name}/${action}`, { token: writeKey });
    const leaseOnly = async (expected: string) => {
      const leased = await leaseJobs(runnerKey, "r1", { tags: ["dag"], limit: 10 });
      assert.deepEqual(
        leased.map((j) => j.childName),
        [expected],
      );
      return leased[0] as Leased;
    };

    let a = await leaseOnly("a");
    assert.equal((await runnerCall(runnerKey, a.id, "fail", "r1", a.leaseToken, { error: "tests broke" })).status, 200);
    let b = await child("b");
    assert.deepEqual(
      [b.status, b.waitingOn, b.blockedBy],
      ["PAUSED", ["a"], [{ name: "a", status: "FAILED", error: "tests broke" }]],
    );
    assert.deepEqual((await child("c")).blockedBy, []);
    assert.deepEqual(await leaseJobs(runnerKey, "r1", { tags: ["dag"], limit: 10 }), []);
    // A blocked child is not resumed around its dependency.
    assert.deepEqual([(await control("b", "resume")).status, (await child("b")).status], [200, "PAUSED"]);

    // rerun: the block is lifted in the same commit; b waits for the fresh run of a.
    const rerun = await control("a", "rerun");
    assert.deepEqual([rerun.status, rerun.body.status], [200, "PENDING"]);
    b = await child("b");
    assert.deepEqual([b.status, b.waitingOn, b.blockedBy], ["PAUSED", ["a"], []]);

    // It fails again; skipping it (failed, kept as such) releases b, and c follows b's success.
    a = await leaseOnly("a");
    await runnerCall(runnerKey, a.id, "fail", "r1", a.leaseToken, { error: "still broken" });
    assert.equal((await child("b")).blockedBy.length, 1);
    const skipped = await control("a", "skip");
    assert.deepEqual(
      [skipped.status, skipped.body.status, skipped.body.childOutcome, skipped.body.error],
      [200, "FAILED", "SKIPPED", "still broken"],
    );
    b = await child("b");
    assert.deepEqual([b.status, b.waitingOn, b.blockedBy], ["PENDING", [], []]);
    const leasedB = await leaseOnly("b");
    await runnerCall(runnerKey, leasedB.id, "complete", "r1", leasedB.leaseToken);
    const leasedC = await leaseOnly("c");
    assert.equal(leasedC.id, `${parent.id}-c`);
  });
});
