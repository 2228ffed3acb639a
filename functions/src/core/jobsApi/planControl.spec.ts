import assert from "node:assert/strict";
import { Timestamp } from "firebase-admin/firestore";
import type { GenericJob } from "../../data/genericJobs";
import { Conflict } from "../../http/errors";
import { genericJobDoc, queueOf } from "./model";
import { planChildControl, planControl, type ControlPlan } from "./planControl";

const NOW = new Date("2026-01-02T03:04:05.000Z");
const AT = Timestamp.fromDate(new Date(NOW.getTime() + 1000));

function job(overrides: Partial<GenericJob> = {}): GenericJob {
  const base = genericJobDoc(
    "job1",
    { ownerUid: "u1", type: "build", workflowPath: "w.md", params: {}, leaseMs: 1000 },
    NOW,
  );
  return { ...base, ...overrides };
}

const held = (control = { cancelRequested: false, pauseRequested: false }) =>
  job({
    status: "RUNNING",
    pendingShard: null,
    control,
    lease: {
      holder: "u1:r1",
      token: "t",
      expiresAt: Timestamp.fromMillis(NOW.getTime() + 1000),
      leasedAt: Timestamp.fromDate(NOW),
    },
  });

function fields(plan: ControlPlan): Record<string, unknown> {
  assert.equal(plan.kind, "update");
  return plan.kind === "update" ? plan.fields : {};
}

function conflict(reason: string) {
  return (error: unknown) => error instanceof Conflict && error.reason === reason;
}

describe("planControl", () => {
  it("cancels a PENDING job at once: CANCELLED, out of the queue, ends", () => {
    const plan = planControl("job1", job(), "cancel", AT);
    assert.equal(plan.kind === "update" && plan.ends, true);
    const f = fields(plan);
    assert.equal(f.status, "CANCELLED");
    assert.equal(f.pendingShard, null);
    assert.equal(f.finishedAt, AT);
  });

  it("only flags a held job for cancel or pause, and repeating it is a no-op", () => {
    assert.deepEqual(fields(planControl("job1", held(), "cancel", AT)), {
      "control.cancelRequested": true,
      updatedAt: AT,
    });
    assert.deepEqual(fields(planControl("job1", held(), "pause", AT)), {
      "control.pauseRequested": true,
      updatedAt: AT,
    });
    assert.deepEqual(planControl("job1", held({ cancelRequested: true, pauseRequested: false }), "cancel", AT), {
      kind: "noop",
    });
    assert.deepEqual(planControl("job1", held({ cancelRequested: false, pauseRequested: true }), "pause", AT), {
      kind: "noop",
    });
  });

  it("pauses a PENDING job out of the queue and resumes it back into its shard", () => {
    const paused = fields(planControl("job1", job(), "pause", AT));
    assert.equal(paused.status, "PAUSED");
    assert.equal(paused.pendingShard, null);
    const resumed = fields(planControl("job1", job({ status: "PAUSED", pendingShard: null }), "resume", AT));
    assert.equal(resumed.status, "PENDING");
    assert.match(String(resumed.pendingShard), new RegExp(`^${queueOf("u1")}#\\d$`));
  });

  it("resume of a held job clears pauseRequested, or does nothing when none was asked", () => {
    assert.deepEqual(
      fields(planControl("job1", held({ cancelRequested: false, pauseRequested: true }), "resume", AT)),
      {
        "control.pauseRequested": false,
        updatedAt: AT,
      },
    );
    assert.deepEqual(planControl("job1", held(), "resume", AT), { kind: "noop" });
  });

  it("refuses controls on ended jobs, except cancelling a cancelled one", () => {
    const succeeded = job({ status: "SUCCEEDED", pendingShard: null });
    for (const action of ["cancel", "pause", "resume"] as const) {
      assert.throws(() => planControl("job1", succeeded, action, AT), conflict("JOB_FINISHED"));
    }
    assert.deepEqual(planControl("job1", job({ status: "CANCELLED", pendingShard: null }), "cancel", AT), {
      kind: "noop",
    });
  });

  it("will not resume a child that waits for its manual start", () => {
    assert.throws(
      () => planControl("job1", job({ status: "PAUSED", pendingShard: null, awaitingStart: true }), "resume", AT),
      conflict("NOT_STARTED"),
    );
  });
});

describe("planChildControl", () => {
  const waiting = () =>
    job({ status: "PAUSED", pendingShard: null, awaitingStart: true, parentId: "p", childName: "a" });

  it("start queues a waiting child; on an active child it is a no-op", () => {
    const f = fields(planChildControl("p-a", waiting(), "start", AT));
    assert.equal(f.status, "PENDING");
    assert.equal(f.awaitingStart, false);
    assert.deepEqual(planChildControl("p-a", job(), "start", AT), { kind: "noop" });
    assert.throws(
      () => planChildControl("p-a", job({ status: "FAILED", pendingShard: null }), "start", AT),
      conflict("CHILD_FINISHED"),
    );
  });

  it("skip ends a child that is not running with outcome SKIPPED; a running child must be cancelled or abandoned", () => {
    const f = fields(planChildControl("p-a", waiting(), "skip", AT));
    assert.equal(f.status, "CANCELLED");
    assert.equal(f.childOutcome, "SKIPPED");
    assert.throws(() => planChildControl("p-a", held(), "skip", AT), conflict("CHILD_RUNNING"));
    assert.deepEqual(planChildControl("p-a", job({ status: "CANCELLED", childOutcome: "SKIPPED" }), "skip", AT), {
      kind: "noop",
    });
  });

  it("abandon ends even a held child at once and drops its lease", () => {
    const plan = planChildControl("p-a", held(), "abandon", AT);
    const f = fields(plan);
    assert.equal(f.status, "CANCELLED");
    assert.equal(f.lease, null);
    assert.equal(f.childOutcome, "ABANDONED");
    assert.equal(plan.kind === "update" && plan.ends, true);
  });

  it("rerun puts a finished child back in the queue as a fresh run; an unfinished one is refused", () => {
    const done = job({
      status: "FAILED",
      pendingShard: null,
      attempts: 2,
      error: "boom",
      reruns: 1,
      finishedAt: AT,
      messageSeq: 3,
      messageDeliveredSeq: 1,
    });
    const f = fields(planChildControl("p-a", done, "rerun", AT));
    assert.equal(f.status, "PENDING");
    // The ended run's messages close with it: none of them is handed to the new run.
    assert.equal(f.messageDeliveredSeq, 3);
    assert.equal(f.attempts, 0);
    assert.equal(f.error, null);
    assert.equal(f.finishedAt, null);
    assert.equal(f.reruns, 2);
    assert.throws(() => planChildControl("p-a", held(), "rerun", AT), conflict("CHILD_NOT_FINISHED"));
  });
});
