import assert from "node:assert/strict";
import { Timestamp } from "firebase-admin/firestore";
import { newJobDoc } from "../jobs/newJob";
import type { JobStatus } from "../jobs/model";
import { isOwnersRunner, runnerDocId, runnerIdOf } from "./ids";
import { podStatusOf, podView, POD_STATUSES, taskView, type ReviewJob } from "./reviewTask";

const NOW = new Date("2025-01-15T10:30:00.000Z");

function reviewJob(over: Partial<ReviewJob> = {}): ReviewJob {
  const job = newJobDoc(
    "job1",
    {
      kind: "review",
      queue: "review/user:u1",
      teamId: "u1",
      ownerUid: "u1",
      payload: {
        repositoryUrl: "https://git.example/r.git",
        branch: "main",
        commitSha: "abcdef1",
        files: [],
        aiConfig: { agentType: "claude-code", prompt: "Fix the login bug" },
      },
      leaseMs: 1000,
    },
    NOW,
  );
  return { ...job, ...over };
}

describe("runner ids", () => {
  it("keys runner documents by owner, and reads the runner's own id back (colons and all)", () => {
    const doc = runnerDocId("uid123", "runner:a:1");
    assert.equal(doc, "uid123:runner:a:1");
    assert.equal(runnerIdOf(doc), "runner:a:1");
    assert.ok(isOwnersRunner("uid123", doc));
    assert.ok(!isOwnersRunner("uid12", doc), "a uid that is a prefix of another does not own its runners");
  });
});

describe("pod statuses", () => {
  it("map every job status to exactly one pod status", () => {
    const all: JobStatus[] = ["PENDING", "LEASED", "RUNNING", "PAUSED", "SUCCEEDED", "FAILED", "CANCELLED"];
    for (const status of all) {
      const owners = Object.entries(POD_STATUSES).filter(([, statuses]) =>
        (statuses as readonly JobStatus[]).includes(status),
      );
      assert.equal(owners.length, 1, status);
      assert.equal(podStatusOf(status), owners[0]?.[0]);
    }
    assert.equal(podStatusOf("LEASED"), "running");
    assert.equal(podStatusOf("FAILED"), "terminated");
  });

  it("shows a job as seed 003's pod", () => {
    assert.deepEqual(podView("job1", reviewJob({ status: "RUNNING" })), {
      key: "job1",
      status: "running",
      agent_type_id: "claude-code",
      initial_prompt: "Fix the login bug",
      created_at: "2025-01-15T10:30:00.000Z",
    });
  });
});

describe("taskView", () => {
  it("names the holder while held and the finisher after", () => {
    const expiresAt = Timestamp.fromMillis(NOW.getTime() + 1000);
    const held = reviewJob({
      status: "LEASED",
      lease: { holder: "u1:r-1", token: "t", expiresAt, leasedAt: Timestamp.fromDate(NOW) },
    });
    assert.equal(taskView("job1", held).runnerId, "r-1");
    assert.equal(taskView("job1", held).leaseExpiresAt, "2025-01-15T10:30:01.000Z");
    const done = reviewJob({ status: "SUCCEEDED", finishedBy: "u1:r-2" });
    assert.equal(taskView("job1", done).runnerId, "r-2");
    assert.equal(taskView("job1", done).status, "succeeded");
    assert.equal(taskView("job1", reviewJob()).runnerId, null);
  });
});
