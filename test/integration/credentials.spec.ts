import assert from "node:assert/strict";
import { createApiKey, createInstance, lease } from "../harness/fixtures";
import { adminDb, call, createUser, STACK_LOG } from "../harness/stack";

describe("runner credentials and API keys", () => {
  it("creates a user instance: 201, the token shown once as credentialId.secret, only a hash stored", async () => {
    const user = await createUser();
    const response = await call<Record<string, string>>("POST", "/createRunnerInstance", {
      token: user.idToken,
      body: { kind: "user", name: "laptop" },
    });
    assert.equal(response.status, 201);
    const { instanceId, credentialId, runnerToken, kind, name } = response.body;
    assert.equal(kind, "user");
    assert.equal(name, "laptop");
    assert.ok(instanceId && credentialId);
    const [id, secret] = (runnerToken ?? "").split(".");
    assert.equal(id, credentialId);
    assert.ok((secret ?? "").length >= 43, "secret carries at least 256 bits");
    const stored =
      (
        await adminDb()
          .collection("credentials")
          .doc(credentialId ?? "")
          .get()
      ).data() ?? {};
    assert.equal(stored.kind, "runner");
    assert.equal(stored.instanceId, instanceId);
    assert.match(String(stored.secretHash), /^[0-9a-f]{64}$/);
    assert.ok(!JSON.stringify(stored).includes(secret ?? "-"), "the secret is not stored");
    // Listed without secrets.
    const listed = await call<{ instances: Record<string, unknown>[] }>("GET", "/api/runner-instances", {
      token: user.idToken,
    });
    assert.equal(listed.status, 200);
    assert.equal(listed.body.instances.length, 1);
    assert.equal(listed.body.instances[0]?.instanceId, instanceId);
    assert.ok(!JSON.stringify(listed.body).includes(secret ?? "-"));
    assert.ok(!JSON.stringify(listed.body).includes("secretHash"));
  });

  it("refuses a global instance to a non-admin (403) and grants it to an admin", async () => {
    const user = await createUser();
    const refused = await call<{ error: string }>("POST", "/createRunnerInstance", {
      token: user.idToken,
      body: { kind: "global" },
    });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error, "ADMIN_REQUIRED");
    assert.equal((await adminDb().collection("credentials").get()).size, 0, "nothing was created");
    const admin = await createUser({ admin: true });
    const instance = await createInstance(admin, "global");
    assert.equal(instance.kind, "global");
  });

  it("revocation takes effect on the very next call", async () => {
    const user = await createUser();
    const instance = await createInstance(user);
    assert.equal((await lease(instance.runnerToken)).status, 200);
    const revoked = await call("POST", "/revokeRunnerInstance", {
      token: user.idToken,
      body: { instanceId: instance.instanceId },
    });
    assert.deepEqual([revoked.status, revoked.body], [200, { ok: true }]);
    const after = await lease(instance.runnerToken);
    assert.equal(after.status, 401);
    assert.equal((after.body as unknown as { error: string }).error, "REVOKED_CREDENTIAL");
    // Revoking again is harmless.
    assert.equal(
      (await call("POST", "/revokeRunnerInstance", { token: user.idToken, body: { instanceId: instance.instanceId } }))
        .status,
      200,
    );
  });

  it("renames an instance", async () => {
    const user = await createUser();
    const instance = await createInstance(user);
    const renamed = await call("POST", "/updateRunnerInstance", {
      token: user.idToken,
      body: { instanceId: instance.instanceId, name: "  build box  " },
    });
    assert.deepEqual([renamed.status, renamed.body], [200, { ok: true, name: "build box" }]);
    const stored = await adminDb().collection("credentials").doc(instance.credentialId).get();
    assert.equal(stored.get("name"), "build box");
  });

  it("keeps owners apart: another user can neither revoke nor rename (404), and nothing changes", async () => {
    const owner = await createUser();
    const stranger = await createUser();
    const instance = await createInstance(owner, "user", "mine");
    const revoke = await call("POST", "/revokeRunnerInstance", {
      token: stranger.idToken,
      body: { instanceId: instance.instanceId },
    });
    const rename = await call("POST", "/updateRunnerInstance", {
      token: stranger.idToken,
      body: { instanceId: instance.instanceId, name: "theirs" },
    });
    assert.equal(revoke.status, 404);
    assert.equal(rename.status, 404);
    const stored = (await adminDb().collection("credentials").doc(instance.credentialId).get()).data();
    assert.equal(stored?.name, "mine");
    assert.equal(stored?.revokedAt, null);
    assert.equal((await lease(instance.runnerToken)).status, 200);
  });

  it("lets an admin manage another user's global instance", async () => {
    const admin1 = await createUser({ admin: true });
    const admin2 = await createUser({ admin: true });
    const instance = await createInstance(admin1, "global");
    const revoke = await call("POST", "/revokeRunnerInstance", {
      token: admin2.idToken,
      body: { instanceId: instance.instanceId },
    });
    assert.equal(revoke.status, 200);
  });

  it("keeps credential kinds in their lanes", async () => {
    const user = await createUser();
    const instance = await createInstance(user);
    const runnerOnManagement = await call<{ error: string }>("POST", "/createRunnerInstance", {
      token: instance.runnerToken,
      body: { kind: "user" },
    });
    assert.equal(runnerOnManagement.status, 401);
    const idTokenOnJobRoute = await lease(user.idToken);
    assert.equal(idTokenOnJobRoute.status, 401);
    const key = await createApiKey(user, ["jobs:read"]);
    assert.equal((await lease(key.key)).status, 401, "an API key is not a runner key");
  });

  it("answers 401 to absent, malformed and forged credentials", async () => {
    const user = await createUser();
    const instance = await createInstance(user);
    const forgedSecret = `${instance.credentialId}.${"A".repeat(43)}`;
    const unknownId = `${"B".repeat(22)}.${instance.runnerToken.split(".")[1] ?? ""}`;
    const garbageJwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";
    for (const token of [undefined, "", "not-a-token", forgedSecret, unknownId, garbageJwt]) {
      const job = await call("POST", "/leaseWorkspaceJob", { token, body: {} });
      assert.equal(job.status, 401, `job route with ${String(token)}`);
      const manage = await call("POST", "/createRunnerInstance", { token, body: { kind: "user" } });
      assert.equal(manage.status, 401, `management route with ${String(token)}`);
    }
    const basic = await call("POST", "/leaseWorkspaceJob", {
      headers: { authorization: `Basic ${instance.runnerToken}` },
      body: {},
    });
    assert.equal(basic.status, 401);
  });

  it("validates management bodies with 400 and changes nothing", async () => {
    const user = await createUser();
    for (const body of [
      {},
      { kind: "team" },
      { kind: "user", name: "" },
      { kind: "user", name: "x".repeat(101) },
      { kind: "user", extra: 1 },
    ]) {
      const response = await call<{ error: string }>("POST", "/createRunnerInstance", { token: user.idToken, body });
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.equal(response.body.error, "INVALID_REQUEST");
    }
    const wrongType = await call("POST", "/createRunnerInstance", {
      token: user.idToken,
      rawBody: "kind=user",
      headers: { "content-type": "text/plain" },
    });
    assert.equal(wrongType.status, 415);
    assert.equal((await adminDb().collection("credentials").get()).size, 0);
  });

  it("creates, lists and revokes scoped API keys; the key is shown once", async () => {
    const user = await createUser();
    const other = await createUser();
    const created = await call<{ keyId: string; key: string; scopes: string[] }>("POST", "/api/keys", {
      token: user.idToken,
      body: { name: "ci", scopes: ["runners:read", "jobs:write", "jobs:write"] },
    });
    assert.equal(created.status, 201);
    assert.deepEqual(created.body.scopes, ["runners:read", "jobs:write"]);
    const secret = created.body.key.split(".")[1] ?? "";
    const listed = await call<{ keys: { credentialId: string; scopes: string[] }[] }>("GET", "/api/keys", {
      token: user.idToken,
    });
    assert.equal(listed.body.keys.length, 1);
    assert.equal(listed.body.keys[0]?.credentialId, created.body.keyId);
    assert.ok(!JSON.stringify(listed.body).includes(secret));
    assert.equal((await call<{ keys: unknown[] }>("GET", "/api/keys", { token: other.idToken })).body.keys.length, 0);
    assert.equal((await call("DELETE", `/api/keys/${created.body.keyId}`, { token: other.idToken })).status, 404);
    assert.equal((await call("DELETE", `/api/keys/${created.body.keyId}`, { token: user.idToken })).status, 200);
    const stored = await adminDb().collection("credentials").doc(created.body.keyId).get();
    assert.ok(stored.get("revokedAt"), "revokedAt set");
    const badScope = await call("POST", "/api/keys", { token: user.idToken, body: { name: "x", scopes: ["admin"] } });
    assert.equal(badScope.status, 400);
  });

  it("records lastUsedAt at most once in ten minutes (LAST_USED_GRANULARITY_MS)", async () => {
    const user = await createUser();
    const instance = await createInstance(user);
    await lease(instance.runnerToken);
    const ref = adminDb().collection("credentials").doc(instance.credentialId);
    const first = await ref.get();
    assert.ok(first.get("lastUsedAt"), "set on first use");
    await lease(instance.runnerToken);
    await lease(instance.runnerToken);
    const later = await ref.get();
    assert.equal(later.updateTime?.toMillis(), first.updateTime?.toMillis(), "no write on every request");
    assert.ok(first.updateTime !== undefined);
  });

  it("never stores or logs a secret in clear", async () => {
    const user = await createUser();
    const instance = await createInstance(user);
    const key = await createApiKey(user, ["runners:read"]);
    await lease(instance.runnerToken);
    await call("POST", "/leaseWorkspaceJob", { token: `${instance.credentialId}.${"C".repeat(43)}`, body: {} });
    const secrets = [instance.runnerToken.split(".")[1] ?? "", key.key.split(".")[1] ?? ""];
    const everything = await adminDb().collection("credentials").get();
    const stored = JSON.stringify(everything.docs.map((d) => d.data()));
    const logs = STACK_LOG.lines.join("\n");
    for (const secret of secrets) {
      assert.ok(secret.length >= 43);
      assert.ok(!stored.includes(secret), "secret found in stored documents");
      assert.ok(!logs.includes(secret), "secret found in logs");
    }
  });
});
