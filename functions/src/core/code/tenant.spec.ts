import assert from "node:assert/strict";
import { ApiError } from "../../http/errors";
import { tenantOf, tenantOfOwner, tenantOwnerUid } from "./tenant";

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

  it("links a runner key to its tenant through the key's owner, and no other owner", () => {
    assert.equal(tenantOfOwner(tenantOwnerUid(TENANT)), TENANT);
    for (const owner of [
      "some-firebase-uid",
      "coderunner-tenant:",
      "coderunner-tenant:a/b",
      `x${tenantOwnerUid(TENANT)}`,
    ]) {
      assert.equal(tenantOfOwner(owner), null, owner);
    }
  });
});
