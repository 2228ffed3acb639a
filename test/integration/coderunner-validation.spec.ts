import assert from "node:assert/strict";
import {
  assertRefused,
  completedVersion,
  cp,
  deployed,
  leaseExecutions,
  runnerKey,
  warmRunnerRoutes,
} from "../harness/coderunner";
import { newTenant, type Tenant } from "../harness/controlPlane";
import { adminDb, call } from "../harness/stack";

/** Server-side caps (functions/src/core/code/model.ts). */
const MAX_RUN_PAYLOAD_BYTES = 64 * 1024;
const MAX_OUTPUT_BYTES = 256 * 1024;

async function counts(): Promise<number[]> {
  return Promise.all(
    ["definitions", "versions", "deployments", "jobs", "apps"].map(
      async (name) => (await adminDb().collection(name).get()).size,
    ),
  );
}

describe("Coderunner refuses bad bodies with the envelope and a 4xx (seed 000)", () => {
  let tenant: Tenant;
  before(async function () {
    this.timeout(60_000);
    await warmRunnerRoutes();
  });
  beforeEach(async () => {
    tenant = await newTenant();
  });

  it("POST /api/definitions", async () => {
    const good = { name: "f", description: "d", deploymentType: 1, languageType: 1 };
    const bad: [unknown, number][] = [
      [{}, 400],
      [{ ...good, name: "" }, 400],
      [{ ...good, name: "n".repeat(201) }, 400],
      [{ ...good, deploymentType: 0 }, 400],
      [{ ...good, deploymentType: 5 }, 400],
      [{ ...good, deploymentType: "1" }, 400],
      [{ ...good, languageType: 4 }, 400],
      [{ ...good, languageType: 1.5 }, 400],
      [{ ...good, extra: true }, 400],
      [{ ...good, description: "d".repeat(2001) }, 400],
      [[good], 400],
    ];
    for (const [body, status] of bad) assertRefused(await cp(tenant, "POST", "/api/definitions", { body }), status);
    // Malformed JSON never reaches our code: the platform's body parser answers 400 first (its
    // own HTML body, outside any face's envelope). We can only check it is a 400 and stores nothing.
    const malformed = await cp(tenant, "POST", "/api/definitions", {
      rawBody: "{nope",
      headers: { "content-type": "application/json" },
    });
    assert.equal(malformed.status, 400);
    assertRefused(
      await cp(tenant, "POST", "/api/definitions", {
        rawBody: "name=f",
        headers: { "content-type": "application/x-www-form-urlencoded" },
      }),
      415,
    );
    assertRefused(await cp(tenant, "PUT", "/api/definitions", { body: good }), 405, "METHOD_NOT_ALLOWED");
    assert.deepEqual(await counts(), [0, 0, 0, 0, 0], "nothing stored");
    const issues = assertRefused(
      await cp(tenant, "POST", "/api/definitions", { body: { ...good, deploymentType: 9 } }),
      400,
    ) as unknown as { detail: { issues: { path: string; message: string }[] } };
    assert.equal(issues.detail.issues[0]?.path, "body.deploymentType");
    assert.match(issues.detail.issues[0]?.message ?? "", /1 Function, 2 BackgroundJob, 3 ScheduleJob or 4 Deployment/);
  });

  it("versions: list without DefinitionId, odd ids", async () => {
    assertRefused(await cp(tenant, "GET", "/api/version/definition"), 400, "INVALID_REQUEST");
    assertRefused(await cp(tenant, "GET", "/api/version/definition?DefinitionId=a%20b"), 400, "INVALID_REQUEST");
    assertRefused(await cp(tenant, "GET", "/api/version/definition?DefinitionId=unknown"), 404, "DEFINITION_NOT_FOUND");
    assertRefused(await cp(tenant, "GET", "/api/version/has%20space"), 400, "INVALID_REQUEST");
    assertRefused(await cp(tenant, "DELETE", "/api/version/unknown"), 404, "VERSION_NOT_FOUND");
  });

  it("POST /api/deployment/create: ids, resources and cron", async function () {
    this.timeout(60_000);
    const { definitionId, versionId } = await completedVersion(tenant);
    const before = await counts();
    const body = (configuration: Record<string, unknown>) => ({
      DefinitionId: definitionId,
      VersionId: versionId,
      Configuration: configuration,
    });
    const bad: [unknown, number, string?][] = [
      [{}, 400, "INVALID_REQUEST"],
      [{ DefinitionId: definitionId }, 400, "INVALID_REQUEST"],
      [{ definitionId, versionId }, 400, "INVALID_REQUEST"],
      [body({ Cpu: "lots" }), 400, "INVALID_CONFIGURATION"],
      [body({ Cpu: "5000m" }), 400, "INVALID_CONFIGURATION"],
      [body({ Cpu: "10m" }), 400, "INVALID_CONFIGURATION"],
      [body({ Cpu: 1 }), 400, "INVALID_REQUEST"],
      [body({ Memory: "256MB" }), 400, "INVALID_CONFIGURATION"],
      [body({ Memory: "10Gi" }), 400, "INVALID_CONFIGURATION"],
      [body({ Memory: "32Mi" }), 400, "INVALID_CONFIGURATION"],
      [body({ CronExpression: "*/5 * * * *" }), 400, "CRON_NOT_ALLOWED"],
      [body({ cronExpression: "*/5 * * * *" }), 400, "INVALID_REQUEST"],
      [{ ...body({}), Extra: 1 }, 400, "INVALID_REQUEST"],
      [{ DefinitionId: definitionId, VersionId: "unknown" }, 404, "VERSION_NOT_FOUND"],
      [{ DefinitionId: "unknown", VersionId: versionId }, 404, "DEFINITION_NOT_FOUND"],
    ];
    for (const [request, status, reason] of bad)
      assertRefused(await cp(tenant, "POST", "/api/deployment/create", { body: request }), status, reason);
    assert.deepEqual(await counts(), before, "nothing stored");

    const schedule = await completedVersion(tenant, undefined, { deploymentType: 3 });
    const scheduleBefore = await counts();
    for (const cron of ["* * * *", "0 * * * * *", "61 * * * *", "0 0 30 2 *", "every minute", ""]) {
      const response = await cp(tenant, "POST", "/api/deployment/create", {
        body: {
          DefinitionId: schedule.definitionId,
          VersionId: schedule.versionId,
          Configuration: { CronExpression: cron },
        },
      });
      assertRefused(response, 400, cron === "" ? "CRON_REQUIRED" : "INVALID_CRON");
    }
    assert.deepEqual(await counts(), scheduleBefore, "no deployment stored");
  });

  it("runs: payload shape and size", async function () {
    this.timeout(60_000);
    const { deploymentId } = await deployed(tenant);
    const path = `/api/execution/run/onetime/${deploymentId}`;
    const before = await counts();
    for (const body of [{ payload: [1, 2] }, { payload: "text" }, { payload: 1 }, { payload: {}, extra: 1 }]) {
      assertRefused(await cp(tenant, "POST", path, { body }), 400, "INVALID_REQUEST");
      assertRefused(await cp(tenant, "POST", `/api/invoke/${deploymentId}`, { body }), 400, "INVALID_REQUEST");
    }
    const big = { payload: { blob: "x".repeat(MAX_RUN_PAYLOAD_BYTES) } };
    assertRefused(await cp(tenant, "POST", path, { body: big }), 413, "PAYLOAD_TOO_LARGE");
    const oneOver = { payload: { blob: "x".repeat(MAX_RUN_PAYLOAD_BYTES - '{"blob":""}'.length + 1) } };
    assertRefused(await cp(tenant, "POST", path, { body: oneOver }), 413, "PAYLOAD_TOO_LARGE");
    assertRefused(
      await cp(tenant, "POST", "/api/execution/run/onetime/unknown", { body: { payload: {} } }),
      404,
      "DEPLOYMENT_NOT_FOUND",
    );
    assertRefused(await cp(tenant, "GET", "/api/execution/unknown"), 404, "EXECUTION_NOT_FOUND");
    assert.deepEqual(await counts(), before, "no execution queued");
    const atCap = { payload: { blob: "x".repeat(MAX_RUN_PAYLOAD_BYTES - '{"blob":""}'.length) } };
    assert.equal((await cp(tenant, "POST", path, { body: atCap })).status, 202, "a payload exactly at the cap runs");
  });

  it("runner side: lease, complete and fail bodies", async function () {
    this.timeout(60_000);
    const { deploymentId } = await deployed(tenant);
    await cp(tenant, "POST", `/api/execution/run/onetime/${deploymentId}`, { body: { payload: {} } });
    const key = await runnerKey(tenant);
    for (const body of [{ limit: 0 }, { limit: 11 }, { limit: "1" }, { other: 1 }]) {
      assertRefused(
        await call("POST", "/api/coderunner/executions/lease", { token: key, body }),
        400,
        "INVALID_REQUEST",
      );
    }
    const [leased] = await leaseExecutions(key);
    assert.ok(leased !== undefined);
    const path = `/api/coderunner/executions/${leased.executionId}`;
    const before = JSON.stringify((await adminDb().collection("jobs").doc(leased.executionId).get()).data());
    for (const body of [
      {},
      { leaseToken: leased.leaseToken },
      { leaseToken: leased.leaseToken, exitCode: 1.5 },
      { leaseToken: leased.leaseToken, exitCode: 0, output: 5 },
    ]) {
      assertRefused(await call("POST", `${path}/complete`, { token: key, body }), 400, "INVALID_REQUEST");
    }
    assertRefused(
      await call("POST", `${path}/complete`, {
        token: key,
        body: { leaseToken: leased.leaseToken, exitCode: 0, output: "o".repeat(MAX_OUTPUT_BYTES + 1) },
      }),
      400,
      "INVALID_REQUEST",
    );
    assertRefused(
      await call("POST", `${path}/complete`, {
        token: key,
        body: { leaseToken: leased.leaseToken, exitCode: 0, result: { r: "r".repeat(MAX_OUTPUT_BYTES) } },
      }),
      413,
      "PAYLOAD_TOO_LARGE",
    );
    assertRefused(
      await call("POST", `${path}/fail`, { token: key, body: { leaseToken: leased.leaseToken } }),
      400,
      "INVALID_REQUEST",
    );
    assertRefused(
      await call("POST", `${path}/fail`, { token: key, body: { leaseToken: leased.leaseToken, error: "" } }),
      400,
      "INVALID_REQUEST",
    );
    assertRefused(await call("POST", `${path}/heartbeat`, { token: key, body: {} }), 400, "INVALID_REQUEST");
    assert.equal(
      JSON.stringify((await adminDb().collection("jobs").doc(leased.executionId).get()).data()),
      before,
      "the job is untouched",
    );
    assertRefused(
      await cp(tenant, "POST", "/api/coderunner/runner-keys", { body: { name: "" } }),
      400,
      "INVALID_REQUEST",
    );
  });

  it("the proxy paths refuse the same bad bodies", async () => {
    const base = `/v1/workspaces/${tenant.tenantId}/apps/app/coderunner`;
    assertRefused(
      await cp(tenant, "POST", `${base}/definition`, { body: { name: "x", deploymentType: 7, languageType: 1 } }),
      400,
      "INVALID_REQUEST",
    );
    const created = await cp(tenant, "POST", `${base}/definition`, {
      body: { name: "x", deploymentType: 1, languageType: 1 },
    });
    assert.equal(created.status, 201);
    assertRefused(
      await cp(tenant, "POST", `${base}/deploy`, { body: { VersionId: "unknown", Configuration: { Memory: "lots" } } }),
      400,
      "INVALID_CONFIGURATION",
    );
    assertRefused(
      await cp(tenant, "POST", `${base}/deploy`, { body: { Configuration: { Unknown: 1 } } }),
      400,
      "INVALID_REQUEST",
    );
    assertRefused(await cp(tenant, "POST", `${base}/run`, { body: { payload: [] } }), 400, "INVALID_REQUEST");
    assertRefused(await cp(tenant, "POST", `${base}/upload`, { body: {} }), 415, "UNSUPPORTED_MEDIA_TYPE");
    assert.deepEqual(await counts(), [1, 0, 0, 0, 1], "only the one good definition and its app");
  });
});
