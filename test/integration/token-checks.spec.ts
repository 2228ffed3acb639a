/**
 * Tokens checked fully (issue 18): Firebase ID tokens are checked for revocation, and a user who
 * is signed out everywhere, disabled or deleted loses their ID tokens and — for disabled and
 * deleted — their runner keys and API keys on the next call. Tenant runner keys serve only the
 * Coderunner runner routes.
 */
import assert from "node:assert/strict";
import { createApiKey, createInstance, createUser, sleep } from "../harness/fixtures";
import { adminAuth, call } from "../harness/stack";

type Credentials = Awaited<ReturnType<typeof credentialsOf>>;

async function credentialsOf() {
  const user = await createUser();
  const instance = await createInstance(user);
  const key = await createApiKey(user, ["jobs:read"]);
  return { user, instance, key };
}

/** One call per credential on a route that takes it: [ID token, runner key, API key]. */
async function statuses(c: Credentials): Promise<{ status: number; reason: unknown }[]> {
  const answers = await Promise.all([
    call("GET", "/api/workspaces", { token: c.user.idToken }),
    call("POST", "/leaseWorkspaceJob", { token: c.instance.runnerToken, body: {} }),
    call("GET", "/jobs", { token: c.key.key }),
  ]);
  return answers.map((a) => ({ status: a.status, reason: (a.body as { error?: unknown }).error }));
}

describe("token checks: revoked sessions, disabled and deleted users", () => {
  it("every credential works while the user is active", async () => {
    const c = await credentialsOf();
    assert.deepEqual(
      (await statuses(c)).map((s) => s.status),
      [200, 200, 200],
    );
  });

  it("signed out everywhere (refresh tokens revoked): the ID token is refused, machine keys keep working", async () => {
    const c = await credentialsOf();
    // Revocation is by whole seconds after the token's iat.
    await sleep(1100);
    await adminAuth().revokeRefreshTokens(c.user.uid);
    assert.deepEqual(await statuses(c), [
      { status: 401, reason: "ID_TOKEN_REVOKED" },
      { status: 200, reason: undefined },
      { status: 200, reason: undefined },
    ]);
  });

  it("disabled: the ID token, the runner key and the API key are refused on the next call; enabled again, they work", async () => {
    const c = await credentialsOf();
    await adminAuth().updateUser(c.user.uid, { disabled: true });
    assert.deepEqual(await statuses(c), [
      { status: 401, reason: "USER_DISABLED" },
      { status: 401, reason: "OWNER_INACTIVE" },
      { status: 401, reason: "OWNER_INACTIVE" },
    ]);
    await adminAuth().updateUser(c.user.uid, { disabled: false });
    assert.deepEqual(
      (await statuses(c)).map((s) => s.status),
      [200, 200, 200],
    );
  });

  it("deleted: every credential is refused on the next call", async () => {
    const c = await credentialsOf();
    await adminAuth().deleteUser(c.user.uid);
    assert.deepEqual(
      (await statuses(c)).map((s) => s.status),
      [401, 401, 401],
    );
    assert.equal((await statuses(c))[1]?.reason, "OWNER_INACTIVE");
  });
});
