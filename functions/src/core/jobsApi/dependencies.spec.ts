import assert from "node:assert/strict";
import { Timestamp } from "firebase-admin/firestore";
import type { GenericJob } from "../../data/genericJobs";
import { InvalidArgument } from "../../http/errors";
import { dependentUpdate, findCycle, planDependencies, satisfies } from "./dependencies";
import { genericJobDoc } from "./model";
import { planChildControl, planControl } from "./planControl";

const NOW = new Date("2026-01-02T03:04:05.000Z");
const AT = Timestamp.fromDate(new Date(NOW.getTime() + 1000));

function child(overrides: Partial<GenericJob> = {}): GenericJob {
  const base = genericJobDoc(
    "p-d",
    { ownerUid: "u1", type: "build", workflowPath: "w.md", params: {}, leaseMs: 1000 },
    NOW,
    { parentId: "p", childName: "d" },
  );
  return { ...base, status: "PAUSED", pendingShard: null, dependsOn: ["b", "c"], waitingOn: ["b", "c"], ...overrides };
}

const invalid = (reason: string) => (error: unknown) => error instanceof InvalidArgument && error.reason === reason;

describe("campaign dependencies", () => {
  it("plans a diamond: dependsOn, the reverse edges, and what each child waits on", () => {
    const plan = planDependencies([
      { name: "a" },
      { name: "b", dependsOn: ["a"] },
      { name: "c", dependsOn: ["a"] },
      { name: "d", dependsOn: ["b", "c", "b"] },
      { name: "e", dependsOn: ["d"] },
    ]);
    assert.deepEqual(plan.get("a"), { dependsOn: [], dependents: ["b", "c"], waitingOn: [], blockedBy: [] });
    assert.deepEqual(plan.get("d"), { dependsOn: ["b", "c"], dependents: ["e"], waitingOn: ["b", "c"], blockedBy: [] });
    assert.deepEqual(plan.get("e")?.dependents, []);
  });

  it("refuses an unknown name, a self-dependency and a cycle, naming the cycle", () => {
    assert.throws(() => planDependencies([{ name: "a", dependsOn: ["zz"] }]), invalid("UNKNOWN_DEPENDENCY"));
    assert.throws(() => planDependencies([{ name: "a", dependsOn: ["a"] }]), invalid("DEPENDENCY_CYCLE"));
    assert.throws(
      () =>
        planDependencies([
          { name: "a", dependsOn: ["c"] },
          { name: "b", dependsOn: ["a"] },
          { name: "c", dependsOn: ["b"] },
          { name: "x" },
        ]),
      (error: unknown) =>
        error instanceof InvalidArgument &&
        error.reason === "DEPENDENCY_CYCLE" &&
        JSON.stringify(error.detail) === JSON.stringify({ cycle: ["a", "c", "b", "a"] }),
    );
  });

  it("finds no cycle in a DAG that reaches one node by two paths", () => {
    const edges = new Map([
      ["d", ["b", "c"]],
      ["b", ["a"]],
      ["c", ["a"]],
    ]);
    assert.equal(findCycle(["d", "b", "c", "a"], edges), null);
  });

  it("only success or a skip satisfies a dependency", () => {
    assert.equal(satisfies("SUCCEEDED", null), true);
    assert.equal(satisfies("CANCELLED", "SKIPPED"), true);
    assert.equal(satisfies("CANCELLED", "ABANDONED"), false);
    assert.equal(satisfies("CANCELLED", null), false);
    assert.equal(satisfies("FAILED", null), false);
  });

  it("a dependent stops waiting on a success and joins the queue when nothing else holds it", () => {
    const first = dependentUpdate("p-d", child(), "b", "SUCCEEDED", undefined, AT);
    assert.deepEqual(first, { waitingOn: ["c"], blockedBy: [], updatedAt: AT });
    const last = dependentUpdate("p-d", child({ waitingOn: ["c"] }), "c", "CANCELLED", { outcome: "SKIPPED" }, AT);
    assert.equal(last?.status, "PENDING");
    assert.match(String(last?.pendingShard), /^generic\/user:.*#\d$/);
    assert.equal(last?.enqueuedAt, AT);
  });

  it("a failed dependency blocks with its reason; one the dependent no longer waits on changes nothing", () => {
    assert.deepEqual(dependentUpdate("p-d", child(), "b", "FAILED", { error: "boom" }, AT), {
      blockedBy: [{ name: "b", status: "FAILED", error: "boom" }],
      updatedAt: AT,
    });
    assert.equal(dependentUpdate("p-d", child({ waitingOn: ["c"] }), "b", "FAILED", undefined, AT), null);
  });

  it("a manual child stays waiting for start, a paused one stays paused (its pause withdrawn as a flag)", () => {
    const manual = dependentUpdate("p-d", child({ waitingOn: ["c"], awaitingStart: true }), "c", "SUCCEEDED", {}, AT);
    assert.equal(manual?.status, undefined);
    const paused = dependentUpdate(
      "p-d",
      child({ waitingOn: ["c"], control: { cancelRequested: false, pauseRequested: true } }),
      "c",
      "SUCCEEDED",
      {},
      AT,
    );
    assert.equal(paused?.status, undefined);
    assert.equal(paused?.["control.pauseRequested"], false);
  });

  it("controls on a waiting child: pause is remembered, resume withdraws it, start keeps it waiting", () => {
    const pause = planControl("p-d", child(), "pause", AT);
    assert.deepEqual(pause, { kind: "update", fields: { "control.pauseRequested": true, updatedAt: AT }, ends: false });
    const paused = child({ control: { cancelRequested: false, pauseRequested: true } });
    assert.deepEqual(planControl("p-d", paused, "resume", AT), {
      kind: "update",
      fields: { "control.pauseRequested": false, updatedAt: AT },
      ends: false,
    });
    assert.deepEqual(planControl("p-d", child(), "resume", AT), { kind: "noop" });
    assert.deepEqual(planChildControl("p-d", child({ awaitingStart: true }), "start", AT), {
      kind: "update",
      fields: { awaitingStart: false, updatedAt: AT },
      ends: false,
    });
  });

  it("skip settles a failed or cancelled child where it stands; a succeeded one is refused", () => {
    const failed = child({ status: "FAILED", error: "boom", waitingOn: [] });
    assert.deepEqual(planChildControl("p-d", failed, "skip", AT), {
      kind: "update",
      fields: { childOutcome: "SKIPPED", updatedAt: AT },
      ends: false,
    });
    assert.deepEqual(planChildControl("p-d", { ...failed, childOutcome: "SKIPPED" }, "skip", AT), { kind: "noop" });
    assert.throws(
      () => planChildControl("p-d", child({ status: "SUCCEEDED", waitingOn: [] }), "skip", AT),
      (e: unknown) => e instanceof Error && "reason" in e && e.reason === "CHILD_FINISHED",
    );
    assert.equal(satisfies("FAILED", "SKIPPED"), true);
  });
});
