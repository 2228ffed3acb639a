/**
 * Faults: a function process killed between the steps of a multi-document write leaves no
 * half-written state, and a retry finishes. Uses the named fault points of
 * functions/src/core/faults.ts, armed through `_faults/{point}`.
 */
import assert from "node:assert/strict";
import { cp, createDefinition, NODE_HELLO, upload, writeZip, type VersionView } from "../harness/coderunner";
import { newTenant } from "../harness/controlPlane";
import { createInstance, lease, queuedWorkspace } from "../harness/fixtures";
import { adminDb, call, createUser, STACK_LOG, type ApiResponse } from "../harness/stack";
import { createJob, jobBody, jobsUser, keepLeased, leaseOne, warmUp, type Snapshot } from "./jobs-fixtures";

async function arm(point: string, times = 1): Promise<void> {
  await adminDb().collection("_faults").doc(point).set({ remaining: times });
}

/**
 * Heartbeats a held workspace job every second until stopped, as its runner would: the 4 s test
 * lease must outlast a killed worker's restart on a busy machine.
 */
function keepWorkspaceLeased(runnerToken: string, workspaceId: string): () => Promise<void> {
  let stopped = false;
  const answers: number[] = [];
  const loop = (async () => {
    while (!stopped) {
      answers.push(
        (await call("POST", "/heartbeatWorkspaceJob", { token: runnerToken, body: { workspaceId } })).status,
      );
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  })();
  return async () => {
    stopped = true;
    await loop;
    assert.ok(
      answers.every((s) => s === 200),
      `heartbeats: ${answers.join(", ")}`,
    );
  };
}

/** Runs a call armed to die mid-way: the caller sees a dropped connection (or a 5xx from the proxy), and the point was used. */
async function killedDuring<T>(point: string, request: () => Promise<ApiResponse<T>>): Promise<void> {
  await arm(point);
  const killed = await request().catch(() => ({ status: 0 }));
  assert.ok(killed.status === 0 || killed.status >= 500, `the call died with the process (got ${killed.status})`);
  assert.equal((await adminDb().collection("_faults").doc(point).get()).get("remaining"), 0, `${point} fired`);
}

describe("faults: a process killed mid-write", () => {
  before(async function () {
    this.timeout(180_000);
    // Cold workers take seconds to boot here; the routes that race a 4 s lease start warm.
    await warmUp([
      ["/leaseWorkspaceJob", 1],
      ["/heartbeatWorkspaceJob", 1],
      ["/jobs/runner/lease", 1],
      ["/jobs/x/runner/heartbeat", 1],
      ["/jobs/x/runner/artifacts", 1],
    ]);
  });

  it("completeWorkspaceJob killed after storing file bytes: nothing half-written; the retry completes once", async function () {
    this.timeout(60_000);
    const user = await createUser();
    const { workspaceId, jobId } = await queuedWorkspace(user);
    const runner = await createInstance(user);
    assert.equal((await lease(runner.runnerToken)).body.leased, true);
    const stopHeartbeats = keepWorkspaceLeased(runner.runnerToken, workspaceId);
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
    const killed = await call("POST", "/completeWorkspaceJob", { token: runner.runnerToken, body: completion }).catch(
      () => ({ status: 0 }),
    );
    assert.ok(killed.status === 0 || killed.status >= 500, `the call died with the process (got ${killed.status})`);
    assert.equal(
      (await adminDb().collection("_faults").doc("completeWorkspaceJob.afterBlobs").get()).get("remaining"),
      0,
      "the fault fired",
    );

    const ws = adminDb().collection("workspaces").doc(workspaceId);
    const job = (await adminDb().collection("jobs").doc(jobId).get()).data();
    assert.ok(
      job?.status === "LEASED" || job?.status === "RUNNING",
      `the job is still held, not half-ended (${String(job?.status)})`,
    );
    assert.equal((await ws.collection("messages").where("role", "==", "assistant").get()).size, 0);
    assert.equal((await ws.collection("deliverables").get()).size, 0);
    assert.equal((await ws.get()).get("activeJobId"), jobId);

    const retried = await call<{ ok: boolean }>("POST", "/completeWorkspaceJob", {
      token: runner.runnerToken,
      body: completion,
    });
    await stopHeartbeats();
    assert.deepEqual([retried.status, retried.body.ok], [200, true]);
    assert.equal((await ws.collection("messages").where("role", "==", "assistant").get()).size, 1);
    assert.equal((await ws.collection("deliverables").get()).size, 2);
    assert.equal((await adminDb().collection("jobs").doc(jobId).get()).get("status"), "SUCCEEDED");
  });

  it("a Coderunner upload killed after storing the bytes records no version; the retry makes exactly one", async function () {
    this.timeout(60_000);
    const tenant = await newTenant();
    const definitionId = await createDefinition(tenant);
    const zip = writeZip(NODE_HELLO);
    await killedDuring("uploadVersion.afterBlob", () => upload(tenant, `/api/file/${definitionId}/upload`, zip));
    assert.equal(
      (await adminDb().collection("versions").where("definitionId", "==", definitionId).get()).size,
      0,
      "no version",
    );
    assert.equal(
      (await adminDb().collection("definitions").doc(definitionId).get()).get("versionCount"),
      0,
      "the count did not move",
    );
    const listed = await cp<{ versions: unknown[] }>(
      tenant,
      "GET",
      `/api/version/definition?DefinitionId=${definitionId}`,
    );
    assert.deepEqual([listed.status, listed.body.data.versions], [200, []]);

    const retried = await upload(tenant, `/api/file/${definitionId}/upload`, zip);
    assert.deepEqual([retried.status, retried.body.data.status], [201, 3], JSON.stringify(retried.body));
    assert.equal((await adminDb().collection("versions").where("definitionId", "==", definitionId).get()).size, 1);
    assert.equal((await adminDb().collection("definitions").doc(definitionId).get()).get("versionCount"), 1);
  });

  it("a Coderunner upload killed before its archive check leaves a Pending version that the recovery sweep settles", async function () {
    this.timeout(60_000);
    const tenant = await newTenant();
    const definitionId = await createDefinition(tenant);
    await killedDuring("uploadVersion.afterRecord", () =>
      upload(tenant, `/api/file/${definitionId}/upload`, writeZip(NODE_HELLO)),
    );
    const versions = await adminDb().collection("versions").where("definitionId", "==", definitionId).get();
    assert.equal(versions.size, 1, "the version was recorded");
    const versionId = versions.docs[0]?.id ?? "";
    const pending = await cp<VersionView>(tenant, "GET", `/api/version/${versionId}`);
    assert.deepEqual([pending.status, pending.body.data.status], [200, 1], "readable, and honestly Pending");
    // A deployment refuses it until it is checked.
    const early = await cp(tenant, "POST", "/api/deployment/create", {
      body: { DefinitionId: definitionId, VersionId: versionId, Configuration: { Cpu: "250m", Memory: "256Mi" } },
    });
    assert.equal(early.status, 409, JSON.stringify(early.body));

    // Before its deadline the sweep leaves it alone (a live check may still be running)...
    await STACK_LOG.fireScheduled("recoverCodeVersions");
    assert.equal((await versions.docs[0]?.ref.get())?.get("status"), 1);
    // ...after it (the clock moved past the deadline), the sweep checks the stored bytes.
    await versions.docs[0]?.ref.update({ processingDeadline: new Date(Date.now() - 1_000) });
    await STACK_LOG.fireScheduled("recoverCodeVersions");
    const settled = await cp<VersionView>(tenant, "GET", `/api/version/${versionId}`);
    assert.deepEqual([settled.status, settled.body.data.status], [200, 3], JSON.stringify(settled.body));
    assert.equal((await adminDb().collection("definitions").doc(definitionId).get()).get("versionCount"), 1);
  });

  it("POST /jobs killed after its commit: the client's retry with the same idempotency key gets the one job, children included", async function () {
    this.timeout(60_000);
    const { writeKey } = await jobsUser();
    const body = jobBody({ children: [{ name: "build" }, { name: "test", start: "manual" }] });
    const headers = { "idempotency-key": "retry-after-crash" };
    await killedDuring("createJob.afterCommit", () => call("POST", "/jobs", { token: writeKey, body, headers }));
    assert.equal(
      (await adminDb().collection("jobs").get()).size,
      3,
      "the parent and its two children were committed together",
    );

    const retried = await call<Snapshot>("POST", "/jobs", { token: writeKey, body, headers });
    assert.equal(retried.status, 200, JSON.stringify(retried.body));
    assert.deepEqual(retried.body.children.map((c) => c.name).sort(), ["build", "test"]);
    assert.equal((await adminDb().collection("jobs").get()).size, 3, "nothing made twice");
  });

  it("an artifact upload killed after storing the bytes records nothing; the retry stores it once", async function () {
    this.timeout(60_000);
    const { writeKey, runnerKey, readKey } = await jobsUser();
    const job = await createJob(writeKey);
    const leased = await leaseOne(runnerKey, "r1");
    const stopHeartbeats = keepLeased(runnerKey, job.id, "r1", leased.leaseToken);
    const send = () =>
      call<{ artifact: Snapshot["artifacts"][number] }>("POST", `/jobs/${job.id}/runner/artifacts?name=out.txt`, {
        token: runnerKey,
        headers: { "x-runner-id": "r1", "x-lease-token": leased.leaseToken, "content-type": "text/plain" },
        rawBody: "forty-two",
      });
    await killedDuring("uploadArtifact.afterBlob", send);
    const jobRef = adminDb().collection("jobs").doc(job.id);
    assert.equal((await jobRef.collection("artifacts").get()).size, 0);
    assert.equal((await jobRef.get()).get("artifactCount") ?? 0, 0);

    const retried = await send();
    await stopHeartbeats();
    assert.equal(retried.status, 201, JSON.stringify(retried.body));
    assert.equal((await jobRef.collection("artifacts").get()).size, 1);
    assert.equal((await jobRef.get()).get("artifactCount"), 1);
    const content = await call<string>("GET", `/jobs/${job.id}/artifacts/${retried.body.artifact.id}/content`, {
      token: readKey,
    });
    assert.deepEqual([content.status, content.body], [200, "forty-two"]);
  });
});
