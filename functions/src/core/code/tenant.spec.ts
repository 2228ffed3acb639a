import assert from "node:assert/strict";
import { ApiError } from "../../http/errors";
import { tenantOf, tenantOfRunnerKey, tenantOwnerUid } from "./tenant";

const TENANT = "6f1c2a9e-3b7d-4c1e-9a55-0d2f3e4b5c6d";

function refusal(run: () => unknown): ApiError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof ApiError);
    return error;
  }
  assert.fail("expected a refusal");
}

describe("Coderunner tenants", () => {
  it("takes a workspace UUID as the tenant and refuses ids that could break document ids", () => {
    assert.equal(tenantOf({ kind: "controlPlane", tenantId: TENANT, userId: "1" }), TENANT);
    for (const bad of ["a/b", "a~b", "x".repeat(65), "with space"]) {
      assert.equal(refusal(() => tenantOf({ kind: "controlPlane", tenantId: bad, userId: "1" })).status, 400, bad);
    }
  });

  it("links a runner key to its tenant through the key's owner, and refuses other keys with 403", () => {
    const key = (ownerUid: string) => ({ kind: "apiKey" as const, credentialId: "c", ownerUid, teamId: ownerUid, scopes: ["runners:write" as const] });
    assert.equal(tenantOfRunnerKey(key(tenantOwnerUid(TENANT))), TENANT);
    for (const owner of ["some-firebase-uid", "coderunner-tenant:", "coderunner-tenant:a/b", `x${tenantOwnerUid(TENANT)}`]) {
      const error = refusal(() => tenantOfRunnerKey(key(owner)));
      assert.equal(error.status, 403, owner);
      assert.equal(error.reason, "NOT_A_TENANT_RUNNER_KEY");
    }
  });
});
