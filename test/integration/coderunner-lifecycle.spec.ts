import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  assertRefused,
  completedVersion,
  cp,
  createDefinition,
  deployed,
  executionPayload,
  leaseExecutions,
  NODE_HELLO,
  runnerKey,
  storedDefinition,
  storedDeployment,
  storedJob,
  storedVersion,
  upload,
  warmRunnerRoutes,
  writeZip,
  type DeploymentView,
  type VersionView,
} from "../harness/coderunner";
import { newTenant } from "../harness/controlPlane";
import { sleep } from "../harness/fixtures";
import { TEST_FUNCTION_ENV } from "../harness/hooks";
import { adminDb, API_BASE, call, STACK_LOG } from "../harness/stack";

const LEASE_MS = Number(TEST_FUNCTION_ENV.JOB_LEASE_MS);

describe("Coderunner lifecycle through the upstream paths (seed 000)", () => {
  before(async function () {
    this.timeout(60_000);
    await warmRunnerRoutes();
  });

  it("creates a definition, uploads a ZIP that moves Pending → Processing → Completed, deploys, runs and reads the result", async function () {
    this.timeout(120_000);
    const tenant = await newTenant();

    // Create definition.
    const created = await cp<{ id: string }>(tenant, "POST", "/api/definitions", {
      body: { name: "My function", description: "hello", deploymentType: 1, languageType: 1 },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.success, true);
    assert.equal(created.body.message, "Code definition created");
    const definitionId = created.body.data.id;
    assert.match(definitionId, /^[0-9a-f-]{36}$/);
    const definition = await storedDefinition(definitionId);
    assert.equal(definition?.tenantId, tenant.tenantId);
    assert.equal(definition?.deploymentType, 1);
    assert.equal(definition?.languageType, 1);
    assert.equal(definition?.createdBy, tenant.userId);

    // Upload code.
    const zip = writeZip(NODE_HELLO);
    const uploaded = await upload(tenant, `/api/file/${definitionId}/upload`, zip, "first cut");
    assert.equal(uploaded.status, 201, JSON.stringify(uploaded.body));
    assert.equal(uploaded.body.success, true);
    const versionId = uploaded.body.data.versionId;
    assert.equal(uploaded.body.data.status, 3);
    assert.equal(uploaded.body.data.statusName, "Completed");
    assert.equal(uploaded.body.data.entryPoint, "src/handler.js");
    assert.deepEqual(
      uploaded.body.data.transitions.map((t) => t.status),
      [1, 2, 3],
      "every transition is stored",
    );
    const version = await storedVersion(versionId);
    assert.equal(version?.status, 3);
    assert.equal(version?.description, "first cut");
    assert.equal(version?.number, 1);
    assert.equal(version?.processingDeadline, null, "a settled version has no deadline for the recovery sweep");
    assert.equal(
      version?.bundle.sha256,
      createHash("sha256").update(zip).digest("hex"),
      "the bytes went to the blob store",
    );

    // List and get versions.
    const second = await upload(
      tenant,
      `/api/file/${definitionId}/upload`,
      writeZip([{ name: "main.js", data: "1" }]),
      "second",
    );
    assert.equal(second.body.data.status, 3);
    const listed = await cp<{ versions: VersionView[] }>(
      tenant,
      "GET",
      `/api/version/definition?DefinitionId=${definitionId}`,
    );
    assert.equal(listed.status, 200, JSON.stringify(listed.body));
    assert.deepEqual(
      listed.body.data.versions.map((v) => [v.number, v.id]),
      [
        [2, second.body.data.versionId],
        [1, versionId],
      ],
    );
    const got = await cp<VersionView>(tenant, "GET", `/api/version/${versionId}`);
    assert.equal(got.status, 200);
    assert.equal(got.body.data.status, 3);
    assert.equal(got.body.data.definitionId, definitionId);

    // Deploy.
    const deploy = await cp<DeploymentView>(tenant, "POST", "/api/deployment/create", {
      body: { DefinitionId: definitionId, VersionId: versionId, Configuration: { Cpu: "250m", Memory: "256Mi" } },
    });
    assert.equal(deploy.status, 201, JSON.stringify(deploy.body));
    const deploymentId = deploy.body.data.id;
    const deployment = await cp<DeploymentView>(tenant, "GET", `/api/deployment/${deploymentId}`);
    assert.equal(deployment.status, 200, JSON.stringify(deployment.body));
    const endpoint = deployment.body.data.configuration.externalEndpoint;
    assert.equal(endpoint, `${API_BASE}/api/invoke/${deploymentId}`);
    assert.equal(deployment.body.data.configuration.cpu, "250m");
    assert.equal(deployment.body.data.configuration.memory, "256Mi");
    const deploymentDoc = await storedDeployment(deploymentId);
    assert.deepEqual(deploymentDoc?.configuration, {
      cpu: "250m",
      memory: "256Mi",
      cronExpression: null,
      cpuMillis: 250,
      memoryMiB: 256,
    });
    assert.deepEqual((await storedVersion(versionId))?.deploymentIds, [deploymentId]);

    // Run, through the external endpoint and the one-time route.
    const invoked = await cp<{ executionId: string }>(tenant, "POST", new URL(endpoint).pathname, {
      body: { payload: { hello: "world" } },
    });
    assert.equal(invoked.status, 202, JSON.stringify(invoked.body));
    const onetime = await cp<{ executionId: string }>(tenant, "POST", `/api/execution/run/onetime/${deploymentId}`, {
      body: { payload: { hello: "again", nested: [[1, 2], [3]] } },
    });
    assert.equal(onetime.status, 202, JSON.stringify(onetime.body));
    const job = await storedJob(invoked.body.data.executionId);
    assert.equal(job?.kind, "execution");
    assert.equal(job?.queue, `execution/tenant:${tenant.tenantId}`);
    assert.equal(job?.status, "PENDING");
    assert.equal(job?.tenantId, tenant.tenantId);
    const payload = executionPayload(job);
    assert.equal(payload?.entryPoint, "src/handler.js");
    assert.equal(payload?.languageType, 1);
    assert.deepEqual(payload?.limits, { cpu: "250m", memory: "256Mi", cpuMillis: 250, memoryMiB: 256 });
    assert.equal(payload?.bundle.sha256, version?.bundle.sha256);
    assert.equal(payload?.inputJson, JSON.stringify({ hello: "world" }));

    const pending = await cp<{ status: string }>(tenant, "GET", `/api/execution/${invoked.body.data.executionId}`);
    assert.equal(pending.status, 200);
    assert.equal(pending.body.data.status, "PENDING");

    // A runner leases both, downloads the bundle, heartbeats and completes them.
    const key = await runnerKey(tenant);
    const leased = await leaseExecutions(key, 5);
    assert.deepEqual(
      leased.map((e) => e.executionId).sort(),
      [invoked.body.data.executionId, onetime.body.data.executionId].sort(),
    );
    const first = leased.find((e) => e.executionId === invoked.body.data.executionId);
    const other = leased.find((e) => e.executionId === onetime.body.data.executionId);
    assert.ok(first !== undefined && other !== undefined);
    assert.deepEqual(first.payload, { hello: "world" });
    assert.deepEqual(
      other.payload,
      { hello: "again", nested: [[1, 2], [3]] },
      "nested arrays survive (stored as JSON text)",
    );
    assert.equal(first.language, "NodeJS");
    assert.equal(first.entryPoint, "src/handler.js");
    assert.equal(first.trigger, "endpoint");
    assert.equal(other.trigger, "onetime");
    assert.deepEqual(await leaseExecutions(key), [], "nothing left to lease");

    const bundle = await fetch(`${API_BASE}${first.bundle.path}`, {
      headers: { authorization: `Bearer ${key}`, "x-lease-token": first.leaseToken },
    });
    assert.equal(bundle.status, 200);
    assert.equal(bundle.headers.get("content-type"), "application/zip");
    assert.deepEqual(Buffer.from(await bundle.arrayBuffer()), zip, "the runner gets the uploaded bytes");

    const beat = await call<{ data: { leaseExpiresAt: number; cancelRequested: boolean } }>(
      "POST",
      `/api/coderunner/executions/${first.executionId}/heartbeat`,
      {
        token: key,
        body: { leaseToken: first.leaseToken },
      },
    );
    assert.equal(beat.status, 200, JSON.stringify(beat.body));
    assert.ok(beat.body.data.leaseExpiresAt >= first.leaseExpiresAt);
    assert.equal(beat.body.data.cancelRequested, false);
    assert.equal((await storedJob(first.executionId))?.status, "RUNNING");

    const done = await call("POST", `/api/coderunner/executions/${first.executionId}/complete`, {
      token: key,
      body: { leaseToken: first.leaseToken, exitCode: 0, output: "hello world\n", result: { hello: "world" } },
    });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    const again = await call<{ data: { duplicate: boolean } }>(
      "POST",
      `/api/coderunner/executions/${first.executionId}/complete`,
      {
        token: key,
        body: { leaseToken: first.leaseToken, exitCode: 0, output: "hello world\n", result: { hello: "world" } },
      },
    );
    assert.equal(again.status, 200, "an identical retry by the holder is ok");
    assert.equal(again.body.data.duplicate, true);
    const different = await call("POST", `/api/coderunner/executions/${first.executionId}/complete`, {
      token: key,
      body: { leaseToken: first.leaseToken, exitCode: 1, output: "other" },
    });
    assertRefused(different, 409, "ALREADY_FINISHED");

    const failed = await call("POST", `/api/coderunner/executions/${other.executionId}/complete`, {
      token: key,
      body: { leaseToken: other.leaseToken, exitCode: 3, output: "boom" },
    });
    assert.equal(failed.status, 200, JSON.stringify(failed.body));

    const result = await cp<{
      status: string;
      jobName: string;
      result: { exitCode: number; output: string; result: unknown };
      error: string | null;
    }>(tenant, "GET", `/api/execution/${first.executionId}`);
    assert.equal(result.status, 200);
    assert.equal(result.body.data.status, "SUCCEEDED");
    assert.equal(result.body.data.jobName, first.executionId);
    assert.deepEqual(result.body.data.result, { exitCode: 0, output: "hello world\n", result: { hello: "world" } });
    const nonZero = await cp<{ status: string; error: string; result: { exitCode: number } }>(
      tenant,
      "GET",
      `/api/execution/${other.executionId}`,
    );
    assert.equal(nonZero.body.data.status, "FAILED");
    assert.equal(nonZero.body.data.result.exitCode, 3);
    assert.match(nonZero.body.data.error, /exited with status 3/);
    const finishedJob = await storedJob(first.executionId);
    assert.equal(finishedJob?.status, "SUCCEEDED");
    assert.equal(finishedJob?.lease, null);
    assert.equal(finishedJob?.pendingShard, null);
  });

  it("refuses to delete a version a deployment uses (409), deletes an unused one, and a new deploy frees the old version", async function () {
    this.timeout(60_000);
    const tenant = await newTenant();
    const { definitionId, versionId, deploymentId } = await deployed(tenant);
    const inUse = assertRefused(await cp(tenant, "DELETE", `/api/version/${versionId}`), 409, "VERSION_IN_USE");
    assert.match(inUse.message, new RegExp(`used by deployment ${deploymentId}`));
    assert.ok((await storedVersion(versionId)) !== undefined, "nothing deleted");

    const next = await upload(tenant, `/api/file/${definitionId}/upload`, writeZip([{ name: "index.js", data: "2" }]));
    const nextId = next.body.data.versionId;
    const redeploy = await cp<DeploymentView>(tenant, "POST", "/api/deployment/create", {
      body: { DefinitionId: definitionId, VersionId: nextId },
    });
    assert.equal(redeploy.status, 201, JSON.stringify(redeploy.body));
    assert.deepEqual(redeploy.body.data.configuration.cpu, "250m", "defaults apply");
    assert.equal((await storedDeployment(deploymentId))?.status, "superseded");
    assert.deepEqual((await storedVersion(versionId))?.deploymentIds, []);
    assert.equal((await storedDefinition(definitionId))?.activeDeploymentId, redeploy.body.data.id);

    const supersededRun = await cp(tenant, "POST", `/api/execution/run/onetime/${deploymentId}`, {
      body: { payload: {} },
    });
    assertRefused(supersededRun, 409, "DEPLOYMENT_SUPERSEDED");
    const byDefinition = await cp<{ deploymentId: string }>(
      tenant,
      "POST",
      `/api/execution/run/onetime/${definitionId}`,
      { body: { payload: {} } },
    );
    assert.equal(byDefinition.status, 202, "a definition id runs its active deployment");
    assert.equal(byDefinition.body.data.deploymentId, redeploy.body.data.id);

    const removed = await cp(tenant, "DELETE", `/api/version/${versionId}`);
    assert.equal(removed.status, 200, JSON.stringify(removed.body));
    assert.equal(removed.body.success, true);
    assert.equal(await storedVersion(versionId), undefined);
    assertRefused(await cp(tenant, "GET", `/api/version/${versionId}`), 404, "VERSION_NOT_FOUND");
  });

  it("fences the runner side: wrong token and a lapsed lease get 409 and change nothing", async function () {
    this.timeout(60_000);
    const tenant = await newTenant();
    const { deploymentId } = await deployed(tenant);
    const run = await cp<{ executionId: string }>(tenant, "POST", `/api/execution/run/onetime/${deploymentId}`, {
      body: { payload: { n: 1 } },
    });
    const key = await runnerKey(tenant);
    const [leased] = await leaseExecutions(key);
    assert.ok(leased !== undefined);
    const path = `/api/coderunner/executions/${run.body.data.executionId}`;

    assertRefused(
      await call("POST", `${path}/heartbeat`, { token: key, body: { leaseToken: "not-the-token" } }),
      409,
      "LEASE_NOT_HELD",
    );
    assertRefused(
      await call("GET", `${path}/bundle`, { token: key, headers: { "x-lease-token": "nope" } }),
      409,
      "LEASE_NOT_HELD",
    );
    assertRefused(await call("GET", `${path}/bundle`, { token: key }), 400);

    await sleep(LEASE_MS + 500);
    const before = JSON.stringify(await storedJob(leased.executionId));
    assertRefused(
      await call("POST", `${path}/complete`, { token: key, body: { leaseToken: leased.leaseToken, exitCode: 0 } }),
      409,
      "LEASE_NOT_HELD",
    );
    assertRefused(
      await call("POST", `${path}/fail`, { token: key, body: { leaseToken: leased.leaseToken, error: "late" } }),
      409,
      "LEASE_NOT_HELD",
    );
    assert.equal(JSON.stringify(await storedJob(leased.executionId)), before, "a late holder changed nothing");
  });

  it("two runners on one key: a lapsed lease's identical completion after another lease finished the job is 409, not a duplicate", async function () {
    this.timeout(90_000);
    const tenant = await newTenant();
    const { deploymentId } = await deployed(tenant);
    const run = await cp<{ executionId: string }>(tenant, "POST", `/api/execution/run/onetime/${deploymentId}`, {
      body: { payload: { n: 2 } },
    });
    const key = await runnerKey(tenant);
    const [first] = await leaseExecutions(key);
    assert.ok(first !== undefined);
    await sleep(LEASE_MS + 500);
    await STACK_LOG.fireScheduled("reapExpiredLeases");
    const [second] = await leaseExecutions(key);
    assert.equal(second?.executionId, run.body.data.executionId, "the reaped execution is leased again");
    assert.notEqual(second.leaseToken, first.leaseToken);
    const path = `/api/coderunner/executions/${first.executionId}`;
    const outcome = { exitCode: 0, output: "same output" };
    const done = await call<{ data: { duplicate: boolean } }>("POST", `${path}/complete`, {
      token: key,
      body: { leaseToken: second.leaseToken, ...outcome },
    });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal(done.body.data.duplicate, false);
    const stored = JSON.stringify(await storedJob(first.executionId));
    assertRefused(
      await call("POST", `${path}/complete`, { token: key, body: { leaseToken: first.leaseToken, ...outcome } }),
      409,
      "LEASE_NOT_HELD",
    );
    const retried = await call<{ data: { duplicate: boolean } }>("POST", `${path}/complete`, {
      token: key,
      body: { leaseToken: second.leaseToken, ...outcome },
    });
    assert.equal(retried.body.data.duplicate, true, "the finishing lease's own retry is still a duplicate");
    assert.equal(JSON.stringify(await storedJob(first.executionId)), stored, "neither repeat changed the job");
  });

  it("lets the runner fail an execution with its reason", async function () {
    this.timeout(60_000);
    const tenant = await newTenant();
    const { deploymentId } = await deployed(tenant);
    const run = await cp<{ executionId: string }>(tenant, "POST", `/api/execution/run/onetime/${deploymentId}`, {
      body: {},
    });
    assert.equal(run.status, 202, "an empty body runs with an empty payload");
    const key = await runnerKey(tenant);
    const [leased] = await leaseExecutions(key);
    assert.ok(leased !== undefined);
    assert.deepEqual(leased.payload, {});
    const failed = await call("POST", `/api/coderunner/executions/${leased.executionId}/fail`, {
      token: key,
      body: { leaseToken: leased.leaseToken, error: "node runtime missing" },
    });
    assert.equal(failed.status, 200, JSON.stringify(failed.body));
    const view = await cp<{ status: string; error: string; result: unknown }>(
      tenant,
      "GET",
      `/api/execution/${leased.executionId}`,
    );
    assert.equal(view.body.data.status, "FAILED");
    assert.equal(view.body.data.error, "node runtime missing");
    assert.equal(view.body.data.result, null);
  });

  it("answers deploy of a Failed version with 409, and a ScheduleJob without a cron with 400", async function () {
    this.timeout(60_000);
    const tenant = await newTenant();
    const definitionId = await createDefinition(tenant, { languageType: 2 });
    const failedUpload = await upload(
      tenant,
      `/api/file/${definitionId}/upload`,
      writeZip([{ name: "index.js", data: "x" }]),
    );
    assert.equal(failedUpload.body.data.status, 4);
    const deploy = await cp(tenant, "POST", "/api/deployment/create", {
      body: { DefinitionId: definitionId, VersionId: failedUpload.body.data.versionId },
    });
    const refused = assertRefused(deploy, 409, "VERSION_NOT_READY");
    assert.match(refused.message, /Failed/);
    assert.equal((await adminDb().collection("deployments").get()).size, 0);

    const schedule = await completedVersion(tenant, NODE_HELLO, { deploymentType: 3 });
    const noCron = await cp(tenant, "POST", "/api/deployment/create", {
      body: {
        DefinitionId: schedule.definitionId,
        VersionId: schedule.versionId,
        Configuration: { Cpu: "1", Memory: "1Gi" },
      },
    });
    assertRefused(noCron, 400, "CRON_REQUIRED");
    const badCron = await cp(tenant, "POST", "/api/deployment/create", {
      body: {
        DefinitionId: schedule.definitionId,
        VersionId: schedule.versionId,
        Configuration: { CronExpression: "61 * * * *" },
      },
    });
    assertRefused(badCron, 400, "INVALID_CRON");
    const ok = await cp<DeploymentView>(tenant, "POST", "/api/deployment/create", {
      body: {
        DefinitionId: schedule.definitionId,
        VersionId: schedule.versionId,
        Configuration: { Cpu: "0.5", Memory: "1Gi", CronExpression: "*/5 * * * *" },
      },
    });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    assert.equal(ok.body.data.configuration.cronExpression, "*/5 * * * *");
    const nextFireAt = ok.body.data.schedule?.nextFireAt;
    assert.ok(typeof nextFireAt === "string" && new Date(nextFireAt).getUTCMinutes() % 5 === 0);
    assert.equal((await adminDb().collection("deployments").get()).size, 1);
  });
});
