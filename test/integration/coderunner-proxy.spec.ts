import assert from "node:assert/strict";
import {
  assertRefused,
  cp,
  leaseExecutions,
  NODE_HELLO,
  runnerKey,
  upload,
  warmRunnerRoutes,
  writeZip,
  type DeploymentView,
  type VersionView,
} from "../harness/coderunner";
import { newTenant, type Tenant } from "../harness/controlPlane";
import { adminDb, API_BASE, call } from "../harness/stack";

const definitionBody = { name: "My function", description: "hello", deploymentType: 1, languageType: 1 };

function appPath(tenant: Tenant, slug: string, rest: string): string {
  return `/v1/workspaces/${tenant.tenantId}/apps/${slug}/coderunner/${rest}`;
}

async function appDoc(tenant: Tenant, slug: string) {
  return (await adminDb().collection("apps").doc(`${tenant.tenantId}~${slug}`).get()).data();
}

describe("Coderunner through the Control Plane proxy paths (seed 000)", () => {
  before(async function () {
    this.timeout(60_000);
    await warmRunnerRoutes();
  });

  it("walks definition → upload → versions → deploy → run on the app's mapping, and the result is readable", async function () {
    this.timeout(120_000);
    const tenant = await newTenant();
    const slug = "billing-bot";

    const created = await cp<{ id: string }>(tenant, "POST", appPath(tenant, slug, "definition"), {
      body: definitionBody,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.message, "Code definition created");
    const definitionId = created.body.data.id;
    assert.deepEqual(
      { ...(await appDoc(tenant, slug)), createdAt: null, updatedAt: null },
      {
        tenantId: tenant.tenantId,
        slug,
        definitionId,
        versionId: null,
        deploymentId: null,
        createdAt: null,
        updatedAt: null,
      },
    );
    const twice = await cp(tenant, "POST", appPath(tenant, slug, "definition"), { body: definitionBody });
    assertRefused(twice, 409, "APP_HAS_DEFINITION");
    assert.equal((await adminDb().collection("definitions").get()).size, 1, "one definition per app");

    const uploaded = await upload(tenant, appPath(tenant, slug, "upload"), writeZip(NODE_HELLO), "via proxy");
    assert.equal(uploaded.status, 201, JSON.stringify(uploaded.body));
    const versionId = uploaded.body.data.versionId;
    assert.equal(uploaded.body.data.status, 3);
    assert.equal(uploaded.body.data.definitionId, definitionId);
    assert.equal((await appDoc(tenant, slug))?.versionId, versionId, "the app's version_id follows the upload");

    const versions = await cp<{ versions: VersionView[] }>(tenant, "GET", appPath(tenant, slug, "versions"));
    assert.equal(versions.status, 200);
    assert.deepEqual(
      versions.body.data.versions.map((v) => v.id),
      [versionId],
    );
    const version = await cp<VersionView>(tenant, "GET", appPath(tenant, slug, `versions/${versionId}`));
    assert.equal(version.status, 200);
    assert.equal(version.body.data.status, 3);

    // The same resources are visible through the upstream paths.
    const upstream = await cp<VersionView>(tenant, "GET", `/api/version/${versionId}`);
    assert.equal(upstream.body.data.id, versionId);

    const deploy = await cp<DeploymentView>(tenant, "POST", appPath(tenant, slug, "deploy"), {
      body: { Configuration: { Cpu: "500m", Memory: "512Mi" } },
    });
    assert.equal(deploy.status, 201, JSON.stringify(deploy.body));
    const deploymentId = deploy.body.data.id;
    assert.equal(deploy.body.data.versionId, versionId, "VersionId defaults to the app's latest upload");
    assert.equal(deploy.body.data.externalEndpoint, `${API_BASE}/api/invoke/${deploymentId}`);
    assert.equal((await appDoc(tenant, slug))?.deploymentId, deploymentId);

    const inUse = await cp(tenant, "DELETE", appPath(tenant, slug, `versions/${versionId}`));
    assertRefused(inUse, 409, "VERSION_IN_USE");

    const run = await cp<{ executionId: string; deploymentId: string }>(tenant, "POST", appPath(tenant, slug, "run"), {
      body: { payload: { hello: "proxy" } },
    });
    assert.equal(run.status, 202, JSON.stringify(run.body));
    assert.equal(run.body.data.deploymentId, deploymentId);
    const executionId = run.body.data.executionId;

    const key = await runnerKey(tenant);
    const [leased] = await leaseExecutions(key);
    assert.equal(leased?.executionId, executionId);
    assert.deepEqual(leased?.payload, { hello: "proxy" });
    assert.deepEqual(leased?.limits, { cpu: "500m", memory: "512Mi", cpuMillis: 500, memoryMiB: 512 });
    const done = await call("POST", `/api/coderunner/executions/${executionId}/complete`, {
      token: key,
      body: { leaseToken: leased?.leaseToken, exitCode: 0, output: "hi", result: { ok: true } },
    });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    const result = await cp<{ status: string; result: unknown }>(tenant, "GET", `/api/execution/${executionId}`);
    assert.equal(result.body.data.status, "SUCCEEDED");
    assert.deepEqual(result.body.data.result, { exitCode: 0, output: "hi", result: { ok: true } });

    // A second upload, deleted through the proxy while unused.
    const spare = await upload(tenant, appPath(tenant, slug, "upload"), writeZip([{ name: "index.js", data: "2" }]));
    const removed = await cp(tenant, "DELETE", appPath(tenant, slug, `versions/${spare.body.data.versionId}`));
    assert.equal(removed.status, 200, JSON.stringify(removed.body));
    assert.equal((await adminDb().collection("versions").doc(spare.body.data.versionId).get()).exists, false);
  });

  it("refuses a workspace_id other than x-client-key with 403, and an unknown app with 404", async () => {
    const tenant = await newTenant();
    const other = await newTenant();
    const wrong = await cp(tenant, "POST", `/v1/workspaces/${other.tenantId}/apps/app/coderunner/definition`, {
      body: definitionBody,
    });
    assertRefused(wrong, 403, "WORKSPACE_MISMATCH");
    assert.equal((await adminDb().collection("definitions").get()).size, 0);
    assertRefused(await cp(tenant, "GET", appPath(tenant, "nope", "versions")), 404, "APP_NOT_FOUND");
    assertRefused(await upload(tenant, appPath(tenant, "nope", "upload"), writeZip(NODE_HELLO)), 404, "APP_NOT_FOUND");
    assertRefused(
      await cp(tenant, "POST", appPath(tenant, "Not_A_Slug", "definition"), { body: definitionBody }),
      400,
      "INVALID_REQUEST",
    );
  });

  it("keeps apps apart: another app's version is 404, run before deploy and deploy before upload are 409", async function () {
    this.timeout(60_000);
    const tenant = await newTenant();
    for (const slug of ["one", "two"]) {
      const created = await cp(tenant, "POST", appPath(tenant, slug, "definition"), { body: definitionBody });
      assert.equal(created.status, 201);
    }
    assertRefused(await cp(tenant, "POST", appPath(tenant, "one", "deploy"), { body: {} }), 409, "NO_VERSION");
    assertRefused(
      await cp(tenant, "POST", appPath(tenant, "one", "run"), { body: { payload: {} } }),
      409,
      "NOT_DEPLOYED",
    );
    const uploaded = await upload(tenant, appPath(tenant, "one", "upload"), writeZip(NODE_HELLO));
    const versionId = uploaded.body.data.versionId;
    assertRefused(await cp(tenant, "GET", appPath(tenant, "two", `versions/${versionId}`)), 404, "VERSION_NOT_FOUND");
    assertRefused(
      await cp(tenant, "DELETE", appPath(tenant, "two", `versions/${versionId}`)),
      404,
      "VERSION_NOT_FOUND",
    );
    assertRefused(
      await cp(tenant, "POST", appPath(tenant, "two", "deploy"), { body: { VersionId: versionId } }),
      404,
      "VERSION_NOT_FOUND",
    );
    const oneDefinition = (await appDoc(tenant, "one"))?.definitionId as string;
    assertRefused(
      await cp(tenant, "POST", appPath(tenant, "two", "deploy"), {
        body: { DefinitionId: oneDefinition, VersionId: versionId },
      }),
      400,
      "DEFINITION_MISMATCH",
    );
    assert.equal((await adminDb().collection("versions").doc(versionId).get()).exists, true, "nothing deleted");
    assert.equal((await adminDb().collection("deployments").get()).size, 0, "nothing deployed");
  });

  it("makes exactly one definition when two proxy calls race for the same app", async () => {
    const tenant = await newTenant();
    const answers = await Promise.all(
      Array.from({ length: 6 }, () =>
        cp<{ id: string }>(tenant, "POST", appPath(tenant, "racy", "definition"), { body: definitionBody }),
      ),
    );
    const won = answers.filter((a) => a.status === 201);
    assert.equal(won.length, 1, JSON.stringify(answers.map((a) => a.status)));
    assert.ok(answers.filter((a) => a.status !== 201).every((a) => a.status === 409 && a.body.success === false));
    assert.equal((await adminDb().collection("definitions").get()).size, 1);
    assert.equal((await appDoc(tenant, "racy"))?.definitionId, won[0]?.body.data.id);
  });
});
