import assert from "node:assert/strict";
import type { GenericJob } from "../../data/genericJobs";
import { InvalidArgument } from "../../http/errors";
import { heartbeatRunnerBody } from "../../../../contract/src/jobs";
import { genericJobDoc } from "./model";
import { phaseBeat } from "./phases";

const NOW = new Date("2026-01-02T03:04:05.000Z");

function job(overrides: Partial<GenericJob> = {}): GenericJob {
  const base = genericJobDoc(
    "job1",
    { ownerUid: "u1", type: "build", workflowPath: "w.md", params: {}, leaseMs: 1000 },
    NOW,
  );
  return { ...base, ...overrides };
}

describe("phase reports in heartbeats", () => {
  it("stores the list and the current phase; a phase needs a list that holds it", () => {
    assert.deepEqual(phaseBeat(job(), { phases: ["plan", "build"], phase: "plan" }), {
      fields: { phases: ["plan", "build"], phase: "plan" },
      rerunPhase: null,
    });
    assert.deepEqual(phaseBeat(job({ phases: ["plan", "build"] }), { phase: "build" }).fields, { phase: "build" });
    assert.throws(
      () => phaseBeat(job(), { phase: "plan" }),
      (e: unknown) => e instanceof InvalidArgument && e.reason === "UNKNOWN_PHASE",
    );
  });

  it("answers a rerun request until the runner acknowledges its seq", () => {
    const asked = job({ phases: ["plan", "build"], rerunPhase: { phase: "plan", seq: 2 } });
    assert.deepEqual(phaseBeat(asked, {}), { fields: {}, rerunPhase: { phase: "plan", seq: 2 } });
    assert.deepEqual(phaseBeat(asked, { ackedRerunSeq: 1 }).rerunPhase, { phase: "plan", seq: 2 });
    assert.deepEqual(phaseBeat(asked, { ackedRerunSeq: 2 }), { fields: { rerunPhase: null }, rerunPhase: null });
  });

  it("the wire schema refuses duplicate phases, bad names and a phase outside the list", () => {
    const ref = { runnerId: "r1", leaseToken: "t" };
    assert.equal(heartbeatRunnerBody.safeParse({ ...ref, phases: ["a", "a"] }).success, false);
    assert.equal(heartbeatRunnerBody.safeParse({ ...ref, phases: ["a b"] }).success, false);
    assert.equal(heartbeatRunnerBody.safeParse({ ...ref, phases: ["a"], phase: "b" }).success, false);
    assert.equal(heartbeatRunnerBody.safeParse({ ...ref, phases: ["a", "b"], phase: "b" }).success, true);
  });
});
