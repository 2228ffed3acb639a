import assert from "node:assert/strict";
import { sleep } from "../harness/fixtures";
import { TEST_FUNCTION_ENV } from "../harness/hooks";
import { adminDb, API_BASE, call, STACK_LOG } from "../harness/stack";
import {
  createJob,
  jobsUser,
  keepLeased,
  leaseJobs,
  leaseOne,
  runnerCall,
  storedJob,
  warmUp,
  type Heartbeat,
  type Snapshot,
} from "./jobs-fixtures";

const LEASE_MS = Number(TEST_FUNCTION_ENV.JOB_LEASE_MS);

async function logLines(jobId: string): Promise<{ seq: number; line: string; stream: string }[]> {
  const snap = await adminDb().collection("jobs").doc(jobId).collection("logs").orderBy("seq").get();
  return snap.docs.map((d) => d.data() as { seq: number; line: string; stream: string });
}

describe("jobs API: runner side (seed 002)", () => {
  before(async function () {
    this.timeout(300_000);
    const runner = (action: string): [string, number] => [`/jobs/x/runner/${action}`, 1];
    await warmUp([
      ["/jobs", 1],
      ["/jobs/x", 1],
      ["/jobs/runner/lease", 1],
      ["/jobs/x/runner/logs", 4],
      runner("heartbeat"),
      runner("artifacts"),
      runner("complete"),
      runner("fail"),
      runner("release"),
    ]);
  });

  it("leases by tags, to one runner per job, with a lease token; the snapshot names the holder", async () => {
    const { user, runnerKey } = await jobsUser();
    const gpu = await createJob(user.idToken, { tags: ["gpu"] });
    const plain = await createJob(user.idToken);
    const cpuRunner = await leaseJobs(runnerKey, "cpu-1", { limit: 5 });
    assert.deepEqual(
      cpuRunner.map((j) => j.id),
      [plain.id],
      "a runner without the tag does not get the gpu job",
    );
    const gpuRunner = await leaseJobs(runnerKey, "gpu-1", { tags: ["gpu", "linux"], limit: 5 });
    assert.deepEqual(
      gpuRunner.map((j) => j.id),
      [gpu.id],
    );
    const leased = gpuRunner[0];
    assert.ok(leased);
    assert.equal(leased.type, "implement");
    assert.deepEqual(leased.params, { repo: "org/api", ticket: 7 });
    assert.ok(leased.leaseToken.length >= 16);
    assert.deepEqual(await leaseJobs(runnerKey, "gpu-2", { tags: ["gpu"] }), [], "nothing left");

    const snapshot = await call<Snapshot>("GET", `/jobs/${gpu.id}`, { token: user.idToken });
    assert.equal(snapshot.body.status, "LEASED");
    assert.deepEqual((snapshot.body.lease as { runnerId: string }).runnerId, "gpu-1");
    assert.ok(!JSON.stringify(snapshot.body).includes(leased.leaseToken), "the lease token is not shown to readers");
    const stored = await storedJob(gpu.id);
    assert.equal((stored.lease as { holder: string }).holder, `${user.uid}:gpu-1`);
  });

  it("keeps owners apart: a runner leases only its key owner's jobs, and cannot touch another's", async () => {
    const alice = await jobsUser();
    const bob = await jobsUser();
    const job = await createJob(alice.user.idToken);
    assert.deepEqual(await leaseJobs(bob.runnerKey, "r1", { limit: 10 }), []);
    const leased = await leaseOne(alice.runnerKey, "r1");
    const foreign = await runnerCall<{ error: string }>(bob.runnerKey, job.id, "heartbeat", "r1", leased.leaseToken);
    assert.equal(foreign.status, 404);
    assert.equal(foreign.body.error, "JOB_NOT_FOUND");
  });

  it("refuses the runner side to keys without runners:write (403) and to no key (401); takes x-api-key", async () => {
    const { writeKey, runnerKey } = await jobsUser();
    const wrongScope = await call<{ error: string }>("POST", "/jobs/runner/lease", {
      token: writeKey,
      body: { runnerId: "r1" },
    });
    assert.equal(wrongScope.status, 403);
    assert.equal((await call("POST", "/jobs/runner/lease", { body: { runnerId: "r1" } })).status, 401);
    const viaHeader = await call("POST", "/jobs/runner/lease", {
      headers: { "x-api-key": runnerKey },
      body: { runnerId: "r1" },
    });
    assert.deepEqual([viaHeader.status, viaHeader.body], [200, { jobs: [] }]);
    const badRunnerId = await call<{ error: string }>("POST", "/jobs/runner/lease", {
      token: runnerKey,
      body: { runnerId: "a b" },
    });
    assert.equal(badRunnerId.status, 400);
  });

  it("appends logs in order; a retried batch is not stored twice; a gap is refused", async () => {
    const { user, runnerKey } = await jobsUser();
    const job = await createJob(user.idToken);
    const leased = await leaseOne(runnerKey, "r1");
    // Many calls in a row: heartbeats alongside keep the 4 s test lease on a busy machine.
    const stopHeartbeats = keepLeased(runnerKey, job.id, "r1", leased.leaseToken);
    const send = (offset: number, lines: unknown[]) =>
      runnerCall<{ accepted: number; duplicates: number; nextOffset: number; lastSeq: number }>(
        runnerKey,
        job.id,
        "logs",
        "r1",
        leased.leaseToken,
        { offset, lines },
      );

    const first = await send(0, ["one", { line: "two", stream: "stderr" }]);
    assert.deepEqual([first.status, first.body], [200, { accepted: 2, duplicates: 0, nextOffset: 2, lastSeq: 2 }]);
    const retry = await send(0, ["one", { line: "two", stream: "stderr" }]);
    assert.deepEqual(retry.body, { accepted: 0, duplicates: 2, nextOffset: 2, lastSeq: 2 });
    const overlap = await send(1, [{ line: "two", stream: "stderr" }, "three"]);
    assert.deepEqual(overlap.body, { accepted: 1, duplicates: 1, nextOffset: 3, lastSeq: 3 });
    const gap = await send(10, ["eleven"]);
    assert.equal(gap.status, 409);
    assert.deepEqual((gap.body as unknown as { error: string; detail: unknown }).detail, { expectedOffset: 3 });
    // Concurrent retries of one batch: stored once.
    await Promise.all(Array.from({ length: 4 }, () => send(3, ["four", "five"])));
    assert.deepEqual(
      (await logLines(job.id)).map((l) => [l.seq, l.line, l.stream]),
      [
        [1, "one", "log"],
        [2, "two", "stderr"],
        [3, "three", "log"],
        [4, "four", "log"],
        [5, "five", "log"],
      ],
    );
    assert.equal((await storedJob(job.id)).logSeq, 5);
    const sixth = await send(5, ["six"]);
    assert.deepEqual(sixth.body, { accepted: 1, duplicates: 0, nextOffset: 6, lastSeq: 6 });
    await stopHeartbeats();
    const stranger = await runnerCall(runnerKey, job.id, "logs", "r1", "forged-token", { offset: 6, lines: ["x"] });
    assert.equal(stranger.status, 409);
    assert.equal((await logLines(job.id)).length, 6);
  });

  it("uploads artifacts (raw and multipart) for the holder only; readers download the bytes with their type", async () => {
    const { user, readKey, runnerKey } = await jobsUser();
    const job = await createJob(user.idToken);
    const leased = await leaseOne(runnerKey, "r1");
    const stopHeartbeats = keepLeased(runnerKey, job.id, "r1", leased.leaseToken);
    const headers = { "x-runner-id": "r1", "x-lease-token": leased.leaseToken };
    const report = JSON.stringify({ ok: true, items: [1, 2, 3] });

    const raw = await call<{ artifact: Snapshot["artifacts"][number] }>(
      "POST",
      `/jobs/${job.id}/runner/artifacts?name=reports/summary.json`,
      {
        token: runnerKey,
        headers: { ...headers, "content-type": "application/json" },
        rawBody: report,
      },
    );
    assert.equal(raw.status, 201, JSON.stringify(raw.body));
    assert.equal(raw.body.artifact.name, "reports/summary.json");
    assert.equal(raw.body.artifact.size, Buffer.byteLength(report));
    const again = await call<{ artifact: { id: string } }>(
      "POST",
      `/jobs/${job.id}/runner/artifacts?name=reports/summary.json`,
      {
        token: runnerKey,
        headers: { ...headers, "content-type": "application/json" },
        rawBody: report,
      },
    );
    assert.deepEqual(
      [again.status, again.body.artifact.id],
      [200, raw.body.artifact.id],
      "a retried upload is the same artifact",
    );

    const form = new FormData();
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 1, 2, 255]);
    form.append("file", new Blob([png], { type: "image/png" }), "chart.png");
    const multipart = await fetch(`${API_BASE}/jobs/${job.id}/runner/artifacts`, {
      method: "POST",
      headers: { authorization: `Bearer ${runnerKey}`, ...headers },
      body: form,
    });
    assert.equal(multipart.status, 201, await multipart.clone().text());
    const uploaded = (await multipart.json()) as { artifact: { id: string; contentType: string; name: string } };
    assert.deepEqual([uploaded.artifact.name, uploaded.artifact.contentType], ["chart.png", "image/png"]);

    const stranger = await call<{ error: string }>("POST", `/jobs/${job.id}/runner/artifacts?name=x.txt`, {
      token: runnerKey,
      headers: { "x-runner-id": "r2", "x-lease-token": leased.leaseToken, "content-type": "text/plain" },
      rawBody: "sneaky",
    });
    assert.equal(stranger.status, 409);
    assert.equal(stranger.body.error, "LEASE_NOT_HELD");
    const unnamed = await call<{ error: string }>("POST", `/jobs/${job.id}/runner/artifacts`, {
      token: runnerKey,
      headers: { ...headers, "content-type": "text/plain" },
      rawBody: "x",
    });
    assert.deepEqual([unnamed.status, unnamed.body.error], [400, "INVALID_ARTIFACT_NAME"]);
    await stopHeartbeats();

    const snapshot = await call<Snapshot>("GET", `/jobs/${job.id}`, { token: readKey });
    assert.deepEqual(snapshot.body.artifacts.map((a) => a.name).sort(), ["chart.png", "reports/summary.json"]);
    const download = await fetch(`${API_BASE}/jobs/${job.id}/artifacts/${uploaded.artifact.id}/content`, {
      headers: { authorization: `Bearer ${readKey}` },
    });
    assert.equal(download.status, 200);
    assert.equal(download.headers.get("content-type"), "image/png");
    assert.equal(download.headers.get("x-content-type-options"), "nosniff");
    assert.deepEqual(Buffer.from(await download.arrayBuffer()), png);
    const json = await fetch(`${API_BASE}${raw.body.artifact.contentUrl}`, {
      headers: { authorization: `Bearer ${user.idToken}` },
    });
    assert.equal(await json.text(), report);
    const missing = await call<{ error: string }>("GET", `/jobs/${job.id}/artifacts/anothername/content`, {
      token: readKey,
    });
    assert.deepEqual([missing.status, missing.body.error], [404, "ARTIFACT_NOT_FOUND"]);
  });

  it("refuses an artifact over the size cap with 413 and stores nothing", async function () {
    this.timeout(60_000);
    const { user, runnerKey } = await jobsUser();
    const job = await createJob(user.idToken);
    const leased = await leaseOne(runnerKey, "r1");
    const tooBig = new Uint8Array(8 * 1024 * 1024 + 64 * 1024 + 1);
    const response = await call<{ error: string }>("POST", `/jobs/${job.id}/runner/artifacts?name=big.bin`, {
      token: runnerKey,
      headers: { "x-runner-id": "r1", "x-lease-token": leased.leaseToken, "content-type": "application/octet-stream" },
      rawBody: tooBig,
    });
    assert.equal(response.status, 413);
    assert.equal(response.body.error, "PAYLOAD_TOO_LARGE");
    assert.equal((await adminDb().collection("jobs").doc(job.id).collection("artifacts").get()).size, 0);
  });

  it("completes for the holder: SUCCEEDED with the result; an identical retry is ok, a different one 409", async () => {
    const { user, runnerKey } = await jobsUser();
    const job = await createJob(user.idToken);
    const leased = await leaseOne(runnerKey, "r1");
    const hb = await runnerCall<Heartbeat>(runnerKey, job.id, "heartbeat", "r1", leased.leaseToken);
    assert.equal(hb.status, 200);
    assert.equal((await storedJob(job.id)).status, "RUNNING");
    const done = await runnerCall(runnerKey, job.id, "complete", "r1", leased.leaseToken, {
      result: { pr: "https://example.test/pr/1" },
    });
    assert.deepEqual([done.status, done.body], [200, { status: "SUCCEEDED", duplicate: false }]);
    const retry = await runnerCall(runnerKey, job.id, "complete", "r1", leased.leaseToken, {
      result: { pr: "https://example.test/pr/1" },
    });
    assert.deepEqual([retry.status, retry.body], [200, { status: "SUCCEEDED", duplicate: true }]);
    const different = await runnerCall<{ error: string }>(runnerKey, job.id, "complete", "r1", leased.leaseToken, {
      result: { pr: "other" },
    });
    assert.equal(different.status, 409);
    const snapshot = await call<Snapshot>("GET", `/jobs/${job.id}`, { token: user.idToken });
    assert.equal(snapshot.body.status, "SUCCEEDED");
    assert.deepEqual(snapshot.body.result, { pr: "https://example.test/pr/1" });
    assert.ok(snapshot.body.finishedAt);
    assert.equal(snapshot.body.lease, null);
    const afterEnd = await runnerCall(runnerKey, job.id, "heartbeat", "r1", leased.leaseToken);
    assert.equal(afterEnd.status, 409, "no heartbeat after the end");
  });

  it("fails for the holder: FAILED with the error, final", async () => {
    const { user, runnerKey } = await jobsUser();
    const job = await createJob(user.idToken);
    const leased = await leaseOne(runnerKey, "r1");
    const failed = await runnerCall(runnerKey, job.id, "fail", "r1", leased.leaseToken, { error: "tests failed" });
    assert.deepEqual([failed.status, failed.body], [200, { status: "FAILED", duplicate: false }]);
    const stored = await storedJob(job.id);
    assert.deepEqual([stored.status, stored.error, stored.pendingShard], ["FAILED", "tests failed", null]);
    assert.deepEqual(await leaseJobs(runnerKey, "r2"), []);
  });

  it("answers 409 to a late complete from a runner whose lease moved on, and changes nothing", async function () {
    this.timeout(60_000);
    const { user, runnerKey } = await jobsUser();
    const job = await createJob(user.idToken);
    const late = await leaseOne(runnerKey, "slow-runner");
    await sleep(LEASE_MS + 500);
    await STACK_LOG.fireScheduled("reapExpiredLeases");
    const requeued = await storedJob(job.id);
    assert.deepEqual([requeued.status, requeued.attempts], ["PENDING", 1]);
    const current = await leaseOne(runnerKey, "fast-runner");
    assert.notEqual(current.leaseToken, late.leaseToken);
    const before = await storedJob(job.id);

    const lateComplete = await runnerCall<{ error: string }>(
      runnerKey,
      job.id,
      "complete",
      "slow-runner",
      late.leaseToken,
      { result: { stale: true } },
    );
    assert.equal(lateComplete.status, 409);
    assert.equal(lateComplete.body.error, "LEASE_NOT_HELD");
    for (const action of ["heartbeat", "fail", "logs"]) {
      const body = action === "fail" ? { error: "x" } : action === "logs" ? { offset: 0, lines: ["stale"] } : {};
      assert.equal(
        (await runnerCall(runnerKey, job.id, action, "slow-runner", late.leaseToken, body)).status,
        409,
        action,
      );
    }
    // The old token under the new holder's name is no better.
    assert.equal((await runnerCall(runnerKey, job.id, "complete", "fast-runner", late.leaseToken)).status, 409);
    assert.deepEqual(await storedJob(job.id), before, "nothing changed");
    assert.equal((await logLines(job.id)).length, 0);

    const ok = await runnerCall(runnerKey, job.id, "complete", "fast-runner", current.leaseToken, {
      result: { fresh: true },
    });
    assert.equal(ok.status, 200);
  });

  it("release gives a job back to the queue for another runner", async () => {
    const { user, runnerKey } = await jobsUser();
    const job = await createJob(user.idToken);
    const leased = await leaseOne(runnerKey, "r1");
    const released = await runnerCall(runnerKey, job.id, "release", "r1", leased.leaseToken, { status: "PENDING" });
    assert.deepEqual([released.status, released.body], [200, { status: "PENDING" }]);
    const refused = await runnerCall<{ error: string }>(runnerKey, job.id, "release", "r1", leased.leaseToken, {
      status: "PENDING",
    });
    assert.equal(refused.status, 409);
    const again = await leaseOne(runnerKey, "r2");
    assert.equal(again.id, job.id);
    const notAsked = await runnerCall<{ error: string }>(runnerKey, job.id, "release", "r2", again.leaseToken, {
      status: "CANCELLED",
    });
    assert.deepEqual([notAsked.status, notAsked.body.error], [409, "NOT_REQUESTED"]);
  });
});
