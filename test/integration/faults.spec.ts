/**
 * Faults: a function process killed between the steps of a multi-document write leaves no
 * half-written state, and a retry finishes. Uses the named fault points of
 * functions/src/core/faults.ts, armed through `_faults/{point}`.
 */
import assert from "node:assert/strict";
import { createInstance, lease, queuedWorkspace } from "../harness/fixtures";
import { adminDb, call, createUser } from "../harness/stack";

async function arm(point: string, times = 1): Promise<void> {
  await adminDb().collection("_faults").doc(point).set({ remaining: times });
}

describe("faults: a process killed mid-write", () => {
  it("completeWorkspaceJob killed after storing file bytes: nothing half-written; the retry completes once", async function () {
    this.timeout(60_000);
    const user = await createUser();
    const { workspaceId, jobId } = await queuedWorkspace(user);
    const runner = await createInstance(user);
    assert.equal((await lease(runner.runnerToken)).body.leased, true);
    const completion = {
      workspaceId,
      assistantMessage: "Report {{artifact:file:report.md}}",
      files: [{ name: "report.md", content: "# Report" }],
      charts: [],
      datasets: [],
      lists: [{ id: "l", kind: "list", items: ["a"] }],
      checklists: [],
      svgs: [],
    };
    await arm("completeWorkspaceJob.afterBlobs");
    const killed = await call("POST", "/completeWorkspaceJob", { token: runner.runnerToken, body: completion }).catch(() => ({ status: 0 }));
    assert.ok(killed.status === 0 || killed.status >= 500, `the call died with the process (got ${killed.status})`);
    assert.equal((await adminDb().collection("_faults").doc("completeWorkspaceJob.afterBlobs").get()).get("remaining"), 0, "the fault fired");

    const ws = adminDb().collection("workspaces").doc(workspaceId);
    const job = (await adminDb().collection("jobs").doc(jobId).get()).data();
    assert.equal(job?.status, "LEASED", "the job is still held, not half-ended");
    assert.equal((await ws.collection("messages").where("role", "==", "assistant").get()).size, 0);
    assert.equal((await ws.collection("deliverables").get()).size, 0);
    assert.equal((await ws.get()).get("activeJobId"), jobId);

    const retried = await call<{ ok: boolean }>("POST", "/completeWorkspaceJob", { token: runner.runnerToken, body: completion });
    assert.deepEqual([retried.status, retried.body.ok], [200, true]);
    assert.equal((await ws.collection("messages").where("role", "==", "assistant").get()).size, 1);
    assert.equal((await ws.collection("deliverables").get()).size, 2);
    assert.equal((await adminDb().collection("jobs").doc(jobId).get()).get("status"), "SUCCEEDED");
  });
});
