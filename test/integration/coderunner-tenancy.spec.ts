import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import {
  assertRefused,
  cp,
  deployed,
  leaseExecutions,
  NODE_HELLO,
  runnerKey,
  upload,
  warmRunnerRoutes,
  writeZip,
} from "../harness/coderunner";
import { controlPlaneToken, newTenant } from "../harness/controlPlane";
import { createApiKey } from "../harness/fixtures";
import { adminDb, call, createUser } from "../harness/stack";

async function snapshot(): Promise<string> {
  const names = ["definitions", "versions", "deployments", "jobs", "apps"];
  const all = await Promise.all(
    names.map(async (name) => (await adminDb().collection(name).get()).docs.map((d) => [d.id, d.data()])),
  );
  return JSON.stringify(all);
}

describe("Coderunner tenancy and authentication (seed 000)", () => {
  before(async function () {
    this.timeout(60_000);
    await warmRunnerRoutes();
  });

  it("answers 404 for every id of another tenant, and changes nothing", async function () {
    this.timeout(90_000);
    const alice = await newTenant();
    const mallory = await newTenant();
    const { definitionId, versionId, deploymentId } = await deployed(alice);
    const run = await cp<{ executionId: string }>(alice, "POST", `/api/execution/run/onetime/${deploymentId}`, {
      body: { payload: {} },
    });
    const executionId = run.body.data.executionId;
    const before = await snapshot();

    assertRefused(
      await upload(mallory, `/api/file/${definitionId}/upload`, writeZip(NODE_HELLO)),
      404,
      "DEFINITION_NOT_FOUND",
    );
    assertRefused(
      await cp(mallory, "GET", `/api/version/definition?DefinitionId=${definitionId}`),
      404,
      "DEFINITION_NOT_FOUND",
    );
    assertRefused(await cp(mallory, "GET", `/api/version/${versionId}`), 404, "VERSION_NOT_FOUND");
    assertRefused(await cp(mallory, "DELETE", `/api/version/${versionId}`), 404, "VERSION_NOT_FOUND");
    assertRefused(
      await cp(mallory, "POST", "/api/deployment/create", {
        body: { DefinitionId: definitionId, VersionId: versionId },
      }),
      404,
      "DEFINITION_NOT_FOUND",
    );
    assertRefused(await cp(mallory, "GET", `/api/deployment/${deploymentId}`), 404, "DEPLOYMENT_NOT_FOUND");
    assertRefused(
      await cp(mallory, "POST", `/api/invoke/${deploymentId}`, { body: { payload: {} } }),
      404,
      "DEPLOYMENT_NOT_FOUND",
    );
    assertRefused(
      await cp(mallory, "POST", `/api/execution/run/onetime/${deploymentId}`, { body: { payload: {} } }),
      404,
      "DEPLOYMENT_NOT_FOUND",
    );
    assertRefused(
      await cp(mallory, "POST", `/api/execution/run/onetime/${definitionId}`, { body: { payload: {} } }),
      404,
      "DEPLOYMENT_NOT_FOUND",
    );
    assertRefused(await cp(mallory, "GET", `/api/execution/${executionId}`), 404, "EXECUTION_NOT_FOUND");

    // Mallory's own definition cannot deploy Alice's version.
    const own = await cp<{ id: string }>(mallory, "POST", "/api/definitions", {
      body: { name: "m", deploymentType: 1, languageType: 1 },
    });
    assertRefused(
      await cp(mallory, "POST", "/api/deployment/create", {
        body: { DefinitionId: own.body.data.id, VersionId: versionId },
      }),
      404,
      "VERSION_NOT_FOUND",
    );
    await adminDb().collection("definitions").doc(own.body.data.id).delete();
    assert.equal(await snapshot(), before, "Mallory's calls changed nothing of Alice's");

    // Mallory's runner leases nothing of Alice's and cannot touch her execution.
    const malloryKey = await runnerKey(mallory);
    assert.deepEqual(await leaseExecutions(malloryKey, 10), []);
    const aliceKey = await runnerKey(alice);
    const [leased] = await leaseExecutions(aliceKey);
    assert.equal(leased?.executionId, executionId);
    const path = `/api/coderunner/executions/${executionId}`;
    const token = leased?.leaseToken ?? "";
    const afterLease = await snapshot();
    assertRefused(
      await call("POST", `${path}/heartbeat`, { token: malloryKey, body: { leaseToken: token } }),
      404,
      "EXECUTION_NOT_FOUND",
    );
    assertRefused(
      await call("GET", `${path}/bundle`, { token: malloryKey, headers: { "x-lease-token": token } }),
      404,
      "EXECUTION_NOT_FOUND",
    );
    assertRefused(
      await call("POST", `${path}/complete`, { token: malloryKey, body: { leaseToken: token, exitCode: 0 } }),
      404,
      "EXECUTION_NOT_FOUND",
    );
    assertRefused(
      await call("POST", `${path}/fail`, { token: malloryKey, body: { leaseToken: token, error: "x" } }),
      404,
      "EXECUTION_NOT_FOUND",
    );
    assert.equal(await snapshot(), afterLease, "Mallory changed nothing");
  });

  it("takes only tenant runner keys on the runner side; revoking one stops it", async function () {
    this.timeout(60_000);
    const tenant = await newTenant();
    const other = await newTenant();
    const user = await createUser();
    const studioKey = await createApiKey(user, ["runners:write"]);
    assertRefused(
      await call("POST", "/api/coderunner/executions/lease", { token: studioKey.key, body: {} }),
      403,
      "NOT_A_TENANT_RUNNER_KEY",
    );
    // A user's key is the wrong kind of key here whatever its scopes: refused before its scopes are read.
    const readOnly = await createApiKey(user, ["runners:read"]);
    assertRefused(
      await call("POST", "/api/coderunner/executions/lease", { token: readOnly.key, body: {} }),
      403,
      "NOT_A_TENANT_RUNNER_KEY",
    );
    assertRefused(
      await call("POST", "/api/coderunner/executions/lease", {
        token: tenant.token,
        headers: tenant.headers,
        body: {},
      }),
      401,
    );
    assertRefused(await call("POST", "/api/coderunner/executions/lease", { body: {} }), 401, "UNAUTHENTICATED");

    const minted = await cp<{ keyId: string; key: string; scopes: string[] }>(
      tenant,
      "POST",
      "/api/coderunner/runner-keys",
      { body: {} },
    );
    assert.equal(minted.status, 201, JSON.stringify(minted.body));
    assert.deepEqual(minted.body.data.scopes, ["runners:write"]);
    const stored = (await adminDb().collection("credentials").doc(minted.body.data.keyId).get()).data();
    assert.equal(stored?.ownerUid, `coderunner-tenant:${tenant.tenantId}`);
    assert.equal(
      JSON.stringify(stored).includes(minted.body.data.key.split(".")[1] ?? "?"),
      false,
      "the secret is not stored",
    );

    assertRefused(
      await cp(other, "DELETE", `/api/coderunner/runner-keys/${minted.body.data.keyId}`),
      404,
      "RUNNER_KEY_NOT_FOUND",
    );
    assert.equal(
      (await call("POST", "/api/coderunner/executions/lease", { token: minted.body.data.key, body: {} })).status,
      200,
    );
    const revoked = await cp(tenant, "DELETE", `/api/coderunner/runner-keys/${minted.body.data.keyId}`);
    assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
    assertRefused(
      await call("POST", "/api/coderunner/executions/lease", { token: minted.body.data.key, body: {} }),
      401,
      "REVOKED_CREDENTIAL",
    );
  });

  it("refuses bad Control Plane credentials with 401/403 in the envelope", async () => {
    const tenant = await newTenant();
    const body = { name: "x", deploymentType: 1, languageType: 1 };
    assertRefused(await call("POST", "/api/definitions", { body }), 401, "UNAUTHENTICATED");
    assertRefused(await call("POST", "/api/definitions", { token: tenant.token, body }), 401, "MISSING_HEADERS");
    assertRefused(
      await call("POST", "/api/definitions", {
        token: tenant.token,
        headers: { ...tenant.headers, "x-client-key": "someone-else" },
        body,
      }),
      403,
      "CLAIM_MISMATCH",
    );
    assertRefused(
      await call("POST", "/api/definitions", {
        token: tenant.token,
        headers: { ...tenant.headers, "x-userid": "7" },
        body,
      }),
      403,
      "CLAIM_MISMATCH",
    );
    const expired = await controlPlaneToken(tenant.tenantId, tenant.userId, { ttlSeconds: -60 });
    assertRefused(
      await call("POST", "/api/definitions", { token: expired, headers: tenant.headers, body }),
      401,
      "TOKEN_EXPIRED",
    );
    const forged = await controlPlaneToken(tenant.tenantId, tenant.userId, {
      key: generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey,
    });
    assertRefused(
      await call("POST", "/api/definitions", { token: forged, headers: tenant.headers, body }),
      401,
      "INVALID_TOKEN",
    );
    const odd = await controlPlaneToken("not/a~tenant", "1");
    assertRefused(
      await call("POST", "/api/definitions", {
        token: odd,
        headers: { "x-client-key": "not/a~tenant", "x-userid": "1" },
        body,
      }),
      400,
      "INVALID_CLIENT_KEY",
    );
    assert.equal((await adminDb().collection("definitions").get()).size, 0);
  });
});
