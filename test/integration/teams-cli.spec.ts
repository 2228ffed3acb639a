/** The CLI flow end to end: login → teams → runner token → a fleet runner registers → the inventory lists it. */
import assert from "node:assert/strict";
import { call, createUser } from "../harness/stack";
import { registered } from "./fleet-fixtures";

const PASSWORD = "password-123";

describe("teams: login and the CLI flow (seed 002)", () => {
  it("logs in, finds or creates a team, mints a runner token, and sees its runner in the inventory", async function () {
    this.timeout(120_000);
    const user = await createUser();
    const login = await call<{ idToken: string; refreshToken: string; expiresIn: number; uid: string }>(
      "POST",
      "/auth/login",
      { body: { email: user.email, password: PASSWORD } },
    );
    assert.equal(login.status, 200, JSON.stringify(login.body));
    assert.equal(login.body.uid, user.uid);
    assert.ok(login.body.expiresIn > 0 && login.body.refreshToken.length > 0);
    const token = login.body.idToken;

    const teams = await call<{ teams: { teamId: string; personal: boolean; role: string }[] }>("GET", "/teams", {
      token,
    });
    assert.equal(teams.status, 200);
    // The personal team exists from the first call.
    assert.deepEqual(
      teams.body.teams.map((t) => [t.teamId, t.personal, t.role]),
      [[user.uid, true, "owner"]],
    );
    const created = await call<{ teamId: string; role: string }>("POST", "/teams", {
      token,
      body: { name: "Build farm" },
    });
    assert.equal(created.status, 201);
    assert.equal(created.body.role, "owner");
    const teamId = created.body.teamId;

    const minted = await call<{ tokenId: string; token: string }>("POST", `/teams/${teamId}/runner-tokens`, {
      token,
      body: { name: "laptop" },
    });
    assert.equal(minted.status, 201, JSON.stringify(minted.body));
    const listed = await call<{ tokens: Record<string, unknown>[] }>("GET", `/teams/${teamId}/runner-tokens`, {
      token,
    });
    assert.deepEqual(
      listed.body.tokens.map((t) => t.tokenId),
      [minted.body.tokenId],
    );
    assert.ok(
      !JSON.stringify(listed.body).includes(minted.body.token.split(".")[1] ?? "?"),
      "the secret is never shown again",
    );

    await registered(minted.body.token, "cli-runner", 3, "gpu,linux");
    const inventory = await call<{
      runners: {
        face: string;
        runnerId: string;
        status: string;
        labels: string[];
        version: string | null;
        lastHeartbeatAt: string;
      }[];
    }>("GET", `/teams/${teamId}/runners`, { token });
    assert.equal(inventory.status, 200);
    assert.equal(inventory.body.runners.length, 1);
    const [runner] = inventory.body.runners;
    assert.equal(runner?.face, "fleet");
    assert.equal(runner?.runnerId, "cli-runner");
    assert.equal(runner?.status, "online");
    assert.deepEqual(runner?.labels, ["gpu", "linux"]);
    assert.ok(Date.now() - Date.parse(runner?.lastHeartbeatAt ?? "") < 60_000);
    // The personal team's inventory does not list it.
    assert.deepEqual(
      (await call<{ runners: unknown[] }>("GET", `/teams/${user.uid}/runners`, { token })).body.runners,
      [],
    );

    // Revoked, the token fails on its next call.
    assert.equal(
      (await call("DELETE", `/teams/${teamId}/runner-tokens/${minted.body.tokenId}`, { token })).status,
      200,
    );
    assert.equal(
      (
        await call("POST", "/api/runners/register", {
          headers: { "x-api-key": minted.body.token, "x-runner-id": "cli-runner" },
        })
      ).status,
      401,
    );

    const refreshed = await call<{ idToken: string; uid: string }>("POST", "/auth/refresh", {
      body: { refreshToken: login.body.refreshToken },
    });
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
    assert.equal(refreshed.body.uid, user.uid);
    assert.equal((await call("GET", "/teams", { token: refreshed.body.idToken })).status, 200);
    assert.equal((await call("POST", "/auth/refresh", { body: { refreshToken: "not-a-refresh-token" } })).status, 401);
  });

  it("answers a wrong password and an unknown email with the same 401, and rate-limits failures per email", async function () {
    this.timeout(120_000);
    const user = await createUser();
    const wrong = await call("POST", "/auth/login", { body: { email: user.email, password: "wrong-password" } });
    const unknown = await call("POST", "/auth/login", {
      body: { email: `nobody-${Date.now()}@example.test`, password: PASSWORD },
    });
    assert.equal(wrong.status, 401);
    assert.deepEqual(wrong.body, unknown.body);
    assert.equal(unknown.status, 401);
    // Four more failures reach the limit of five; then even the right password is refused for a while.
    for (let i = 0; i < 4; i++)
      assert.equal(
        (await call("POST", "/auth/login", { body: { email: user.email, password: `nope-${i}` } })).status,
        401,
      );
    const limited = await call<{ error: string }>("POST", "/auth/login", {
      body: { email: user.email, password: PASSWORD },
    });
    assert.equal(limited.status, 429);
    assert.equal(limited.body.error, "RATE_LIMITED");
    // Another email from the same caller is not yet limited.
    const other = await createUser();
    assert.equal((await call("POST", "/auth/login", { body: { email: other.email, password: PASSWORD } })).status, 200);
  });
});
