/**
 * Quotas through the public API: a burst of concurrent creates stops exactly at the limit, each
 * face refuses with 429, Retry-After and its own envelope naming the limit, and a refusal
 * changes nothing. Limits are lowered per team (or tenant, or caller) with the operator override
 * on the quota document, so the test makes limit + 1 things, not a thousand. The burst here is
 * small and runs on warm workers (the functions emulator boots one per concurrent request); the
 * larger races run against the offline Firestore in test/unit/quotas.spec.ts.
 */
import assert from "node:assert/strict";
import { Timestamp } from "firebase-admin/firestore";
import { personalTeamId } from "../../functions/src/core/teams/ensurePersonalTeam";
import { cp } from "../harness/coderunner";
import { newTenant } from "../harness/controlPlane";
import { createApiKey, eventually } from "../harness/fixtures";
import { adminDb, call, createUser, type ApiResponse } from "../harness/stack";
import { queue, register } from "./fleet-fixtures";
import { createJob, jobBody, jobsUser, leaseOne, runnerCall, SseClient, warmUp } from "./jobs-fixtures";

/** Sets the operator override for one quota of one scope. */
async function limit(quota: string, scope: string, value: number): Promise<void> {
  await adminDb().collection("quotas").doc(`${quota}:${scope}`).set({ limit: value });
}

async function count(collection: string, field: string, value: string): Promise<number> {
  return (await adminDb().collection(collection).where(field, "==", value).count().get()).data().count;
}

function assert429(response: ApiResponse<unknown>, reason: string, retryAfter: string | null, message: RegExp): void {
  assert.equal(response.status, 429, JSON.stringify(response.body));
  if (retryAfter !== null) assert.equal(response.headers.get("retry-after"), retryAfter);
  else assert.ok(Number(response.headers.get("retry-after")) >= 1);
  const text = JSON.stringify(response.body);
  assert.ok(text.includes(reason), text);
  assert.match(text, message);
}

describe("quotas", () => {
  it("pending jobs: 4 concurrent creates against a limit of 2 make exactly 2; each face then answers 429 in its envelope", async function () {
    this.timeout(180_000);
    await warmUp([["/jobs", 4]]);
    const { user, writeKey } = await jobsUser();
    const team = personalTeamId(user.uid);
    await limit("pendingJobs", `team:${team}`, 2);
    const burst = await Promise.all(
      Array.from({ length: 4 }, (_, i) => call("POST", "/jobs", { token: writeKey, body: jobBody({ params: { i } }) })),
    );
    assert.deepEqual(burst.map((r) => r.status).sort(), [201, 201, 429, 429], JSON.stringify(burst.map((r) => r.body)));
    const refused = burst.find((r) => r.status === 429);
    assert.ok(refused);
    assert.equal(refused.headers.get("retry-after"), "30");
    assert.deepEqual(refused.body, {
      error: "PENDING_JOBS_QUOTA_EXCEEDED",
      message: "Quota exceeded: at most 2 pending jobs per team (MAX_PENDING_JOBS).",
      detail: { quota: "pendingJobs", param: "MAX_PENDING_JOBS", limit: 2, per: "team" },
    });
    assert.equal(await count("jobs", "teamId", team), 2, "the refused creates wrote nothing");

    // The same team's queue, through the fleet face (seed 004) and the workspace face (seed 001).
    const task = await queue(user.idToken);
    assert429(task, "PENDING_JOBS_QUOTA_EXCEEDED", "30", /"data":null/);
    const ws = await call<{ workspace: { id: string } }>("POST", "/api/workspaces", {
      token: user.idToken,
      body: { title: "Quota" },
    });
    assert.equal(ws.status, 201, JSON.stringify(ws.body));
    const generate = await call("POST", `/api/workspaces/${ws.body.workspace.id}/generate`, {
      token: user.idToken,
      body: { target: "user" },
    });
    assert429(generate, "PENDING_JOBS_QUOTA_EXCEEDED", "30", /"error":"PENDING_JOBS_QUOTA_EXCEEDED"/);
    assert.equal(await count("jobs", "teamId", team), 2);
    const stored = (await adminDb().collection("workspaces").doc(ws.body.workspace.id).get()).data();
    assert.equal(stored?.activeJobId, null, "the refused generation left the workspace idle");
  });

  it("pending executions per Coderunner tenant: 429 in seed 000's envelope", async function () {
    this.timeout(120_000);
    const tenant = await newTenant();
    await limit("pendingJobs", `tenant:${tenant.tenantId}`, 1);
    const deploymentId = "dep-quota-1";
    await adminDb()
      .collection("deployments")
      .doc(deploymentId)
      .set({
        tenantId: tenant.tenantId,
        definitionId: "def-quota",
        versionId: "ver-quota",
        deploymentType: 1,
        languageType: 1,
        bundle: { sha256: "0".repeat(64), size: 1, contentType: "application/zip" },
        entryPoint: "src/handler.js",
        configuration: { cpu: "250m", memory: "256Mi", cronExpression: null, cpuMillis: 250, memoryMiB: 256 },
        status: "active",
        nextFireAt: null,
        lastFiredSlot: null,
        createdAt: Timestamp.now(),
        updatedAt: Timestamp.now(),
      });
    const run = () => cp(tenant, "POST", `/api/execution/run/onetime/${deploymentId}`, { body: { payload: { q: 1 } } });
    const first = await run();
    assert.equal(first.status, 202, JSON.stringify(first.body));
    const refused = await run();
    assert.equal(refused.status, 429, JSON.stringify(refused.body));
    assert.equal(refused.headers.get("retry-after"), "30");
    assert.equal(refused.body.success, false);
    assert.equal(refused.body.data, null);
    assert.equal(refused.body.reason, "PENDING_JOBS_QUOTA_EXCEEDED");
    assert.match(refused.body.message, /at most 1 pending jobs per Coderunner tenant \(MAX_PENDING_JOBS\)/);
    assert.equal(await count("jobs", "tenantId", tenant.tenantId), 1);
  });

  it("keys, runner instances and runners: limits per team, 429 in each face's envelope", async function () {
    this.timeout(120_000);
    const user = await createUser();
    const team = personalTeamId(user.uid);
    await limit("keys", `team:${team}`, 1);
    const { key } = await createApiKey(user, ["runners:write"]);
    const refusedKey = await call("POST", "/api/keys", {
      token: user.idToken,
      body: { name: "k", scopes: ["jobs:read"] },
    });
    assert429(refusedKey, "KEYS_QUOTA_EXCEEDED", "3600", /at most 1 active keys per team \(MAX_KEYS\)/);
    const instance = await call("POST", "/createRunnerInstance", { token: user.idToken, body: { kind: "user" } });
    assert429(instance, "KEYS_QUOTA_EXCEEDED", "3600", /"error":"KEYS_QUOTA_EXCEEDED"/);
    assert.equal(await count("credentials", "teamId", team), 1);

    // Runners: a second registration is refused; re-registering the first is not a new runner.
    await limit("runners", `team:${team}`, 1);
    assert.equal((await register(key, "runner-a")).status, 200);
    const second = await register(key, "runner-b");
    assert429(second, "RUNNERS_QUOTA_EXCEEDED", "3600", /"data":null.*at most 1 registered runners per team/);
    assert.equal((await register(key, "runner-a")).status, 200);
    assert.equal(await count("runners", "teamId", team), 1);
  });

  it("log lines per job: the append past MAX_LOG_LINES_PER_JOB is refused whole", async function () {
    this.timeout(120_000);
    const { user, runnerKey } = await jobsUser();
    const job = await createJob(user.idToken);
    const leased = await leaseOne(runnerKey, "r1");
    // The test stack's leases last 4 s, shorter than five appends on a loaded machine: this
    // test is about the log, so its lease is made long.
    const longLease = Timestamp.fromMillis(Date.now() + 10 * 60_000);
    await adminDb().collection("jobs").doc(job.id).update({ "lease.expiresAt": longLease, leaseExpiresAt: longLease });
    for (let batch = 0; batch < 5; batch++) {
      const lines = Array.from({ length: 200 }, (_, i) => `line ${batch * 200 + i}`);
      const sent = await runnerCall(runnerKey, job.id, "logs", "r1", leased.leaseToken, { offset: batch * 200, lines });
      assert.equal(sent.status, 200, JSON.stringify(sent.body));
    }
    const over = await runnerCall(runnerKey, job.id, "logs", "r1", leased.leaseToken, {
      offset: 1000,
      lines: ["x", "y"],
    });
    assert429(over, "LOG_LINES_QUOTA_EXCEEDED", "3600", /at most 1000 log lines per job \(MAX_LOG_LINES_PER_JOB\)/);
    const stored = (await adminDb().collection("jobs").doc(job.id).get()).data();
    assert.equal(stored?.logSeq, 1000);
  });

  it("open streams per caller: the one past the limit is 429 before any event; closing one frees it", async function () {
    this.timeout(120_000);
    // Warm stream workers: a cold boot for the second call could outlast the test stack's 8 s streams.
    await warmUp([["/jobs/none/stream", 3]]);
    const user = await createUser();
    const { key, keyId } = await createApiKey(user, ["jobs:read", "jobs:write"]);
    const job = await createJob(key);
    await limit("openStreams", `caller:apiKey:${keyId}`, 1);
    const first = await SseClient.open(`/jobs/${job.id}/stream`, key);
    assert.equal(first.status, 200);
    const second = await call("GET", `/jobs/${job.id}/stream`, { token: key });
    first.close();
    assert429(second, "STREAMS_QUOTA_EXCEEDED", null, /at most 1 open streams per caller \(MAX_OPEN_STREAMS\)/);
    await eventually(
      async () => {
        const again = await SseClient.open(`/jobs/${job.id}/stream`, key);
        again.close();
        return again.status === 200 ? true : undefined;
      },
      15_000,
      "the closed stream's slot to come back",
    );
  });
});
