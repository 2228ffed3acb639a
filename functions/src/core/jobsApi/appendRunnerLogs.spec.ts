import assert from "node:assert/strict";
import { planLogIntake } from "./appendRunnerLogs";

describe("planLogIntake", () => {
  it("keeps a batch that starts where the last one ended", () => {
    assert.deepEqual(planLogIntake(10, 10, 5), { skip: 0 });
  });

  it("drops a fully repeated batch and keeps only the new tail of an overlapping one", () => {
    assert.deepEqual(planLogIntake(10, 5, 5), { skip: 5 });
    assert.deepEqual(planLogIntake(10, 0, 3), { skip: 3 });
    assert.deepEqual(planLogIntake(10, 8, 5), { skip: 2 });
  });

  it("refuses a batch that would leave a hole", () => {
    assert.deepEqual(planLogIntake(10, 11, 1), { gap: true });
  });
});
