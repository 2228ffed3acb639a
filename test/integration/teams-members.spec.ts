/** Roles, invitations (accept, expiry, revoke), removal on the next call, last owner, team deletion. */
import assert from "node:assert/strict";
import { Timestamp } from "firebase-admin/firestore";
import { adminDb, call, createUser, type TestUser } from "../harness/stack";
import { createJob } from "./jobs-fixtures";
import { registered } from "./fleet-fixtures";
import { accept, createTeam, inTeam, invite, join, runnerToken, type Role } from "./teams-fixtures";

async function members(user: TestUser, teamId: string) {
  return (
    await call<{ members: { uid: string; role: Role }[] }>("GET", `/teams/${teamId}/members`, { token: user.idToken })
  ).body.members;
}

describe("teams: members, roles and invitations", () => {
  it("applies the role matrix: viewer reads, member writes jobs and workspaces, admin manages keys and members, owner deletes", async function () {
    this.timeout(240_000);
    const [owner, admin, member, viewer] = await Promise.all([createUser(), createUser(), createUser(), createUser()]);
    const team = await createTeam(owner);
    const t = team.teamId;
    await join(owner, t, admin, "admin");
    await join(owner, t, member, "member");
    await join(owner, t, viewer, "viewer");
    const job = await createJob(owner.idToken, {}, inTeam(t));
    const h = inTeam(t);

    type Case = [what: string, method: string, path: string, body: unknown, allowed: Role[]];
    const cases: Case[] = [
      ["read the team", "GET", `/teams/${t}`, undefined, ["viewer", "member", "admin", "owner"]],
      ["list members", "GET", `/teams/${t}/members`, undefined, ["viewer", "member", "admin", "owner"]],
      ["list jobs", "GET", `/teams/${t}/jobs`, undefined, ["viewer", "member", "admin", "owner"]],
      ["read the inventory", "GET", `/teams/${t}/runners`, undefined, ["viewer", "member", "admin", "owner"]],
      ["list keys", "GET", "/api/keys", undefined, ["viewer", "member", "admin", "owner"]],
      [
        "create a job",
        "POST",
        `/teams/${t}/jobs`,
        { type: "t", workflowPath: "w.md", params: {} },
        ["member", "admin", "owner"],
      ],
      ["message a job", "POST", `/teams/${t}/jobs/${job.id}/message`, { text: "hi" }, ["member", "admin", "owner"]],
      ["create a workspace", "POST", "/api/workspaces", { title: "W" }, ["member", "admin", "owner"]],
      ["mint an API key", "POST", "/api/keys", { name: "k", scopes: ["jobs:read"] }, ["admin", "owner"]],
      ["create a runner instance", "POST", "/createRunnerInstance", { kind: "user" }, ["admin", "owner"]],
      ["mint a runner token", "POST", `/teams/${t}/runner-tokens`, { name: "r" }, ["admin", "owner"]],
      ["list invitations", "GET", `/teams/${t}/invitations`, undefined, ["admin", "owner"]],
      ["rename the team", "PATCH", `/teams/${t}`, { name: "Renamed" }, ["admin", "owner"]],
    ];
    for (const [what, method, path, body, allowed] of cases) {
      for (const [role, user] of [
        ["viewer", viewer],
        ["member", member],
        ["admin", admin],
        ["owner", owner],
      ] as const) {
        const response = await call<{ error?: string }>(method, path, {
          token: user.idToken,
          headers: h,
          ...(body === undefined ? {} : { body }),
        });
        if (allowed.includes(role))
          assert.ok(response.status < 300, `${role} may ${what}: ${response.status} ${JSON.stringify(response.body)}`);
        else {
          assert.equal(response.status, 403, `${role} may not ${what}: ${JSON.stringify(response.body)}`);
          assert.equal(response.body.error, "ROLE_TOO_LOW");
        }
      }
    }
    // Roles: an admin may not touch owners or hand out owner; an owner may.
    assert.equal(
      (await call("PATCH", `/teams/${t}/members/${owner.uid}`, { token: admin.idToken, body: { role: "member" } }))
        .status,
      403,
    );
    assert.equal(
      (await call("PATCH", `/teams/${t}/members/${viewer.uid}`, { token: admin.idToken, body: { role: "owner" } }))
        .status,
      403,
    );
    assert.equal(
      (await call("PATCH", `/teams/${t}/members/${viewer.uid}`, { token: admin.idToken, body: { role: "member" } }))
        .status,
      200,
    );
    assert.equal(
      (await call("PATCH", `/teams/${t}/members/${viewer.uid}`, { token: member.idToken, body: { role: "admin" } }))
        .status,
      403,
    );
    assert.equal(
      (
        await call("POST", `/teams/${t}/invitations`, {
          token: admin.idToken,
          body: { email: "x@example.test", role: "owner" },
        })
      ).status,
      403,
    );
    // Only the owner deletes.
    for (const user of [admin, member, viewer])
      assert.equal((await call("DELETE", `/teams/${t}`, { token: user.idToken })).status, 403);
    const roles = Object.fromEntries((await members(owner, t)).map((m) => [m.uid, m.role]));
    assert.deepEqual(roles, {
      [owner.uid]: "owner",
      [admin.uid]: "admin",
      [member.uid]: "member",
      [viewer.uid]: "member",
    });
  });

  it("keeps the last owner: they cannot leave or be demoted until another owner exists", async function () {
    this.timeout(120_000);
    const [owner, other] = await Promise.all([createUser(), createUser()]);
    const t = (await createTeam(owner)).teamId;
    await join(owner, t, other, "admin");
    const leave = await call<{ error: string }>("DELETE", `/teams/${t}/members/${owner.uid}`, { token: owner.idToken });
    assert.equal(leave.status, 409);
    assert.equal(leave.body.error, "LAST_OWNER");
    assert.equal(
      (await call("PATCH", `/teams/${t}/members/${owner.uid}`, { token: owner.idToken, body: { role: "admin" } }))
        .status,
      409,
    );
    assert.equal(
      (await call("PATCH", `/teams/${t}/members/${other.uid}`, { token: owner.idToken, body: { role: "owner" } }))
        .status,
      200,
    );
    assert.equal((await call("DELETE", `/teams/${t}/members/${owner.uid}`, { token: owner.idToken })).status, 200);
    assert.deepEqual(
      (await members(other, t)).map((m) => [m.uid, m.role]),
      [[other.uid, "owner"]],
    );
    assert.equal((await call("GET", `/teams/${t}`, { token: owner.idToken })).status, 404);
    // The personal team: its user stays, and it cannot be deleted.
    assert.equal(
      (await call("DELETE", `/teams/${owner.uid}/members/${owner.uid}`, { token: owner.idToken })).status,
      409,
    );
    const personal = await call<{ error: string }>("DELETE", `/teams/${owner.uid}`, { token: owner.idToken });
    assert.equal(personal.status, 409);
    assert.equal(personal.body.error, "PERSONAL_TEAM");
  });

  it("refuses a removed member on their very next call, and keeps what they created with the team", async function () {
    this.timeout(120_000);
    const [owner, leaver] = await Promise.all([createUser(), createUser()]);
    const t = (await createTeam(owner)).teamId;
    await join(owner, t, leaver, "member");
    const theirs = await createJob(leaver.idToken, {}, inTeam(t));
    assert.equal((await call("GET", `/teams/${t}/jobs`, { token: leaver.idToken })).status, 200);
    assert.equal((await call("DELETE", `/teams/${t}/members/${leaver.uid}`, { token: owner.idToken })).status, 200);
    for (const [method, path] of [
      ["GET", `/teams/${t}/jobs`],
      ["GET", `/teams/${t}/jobs/${theirs.id}`],
      ["POST", `/teams/${t}/jobs/${theirs.id}/cancel`],
      ["GET", `/teams/${t}`],
    ] as const) {
      assert.equal(
        (await call(method, path, { token: leaver.idToken, ...(method === "POST" ? { body: {} } : {}) })).status,
        404,
        path,
      );
    }
    assert.equal((await call("GET", `/teams/${t}/jobs/${theirs.id}`, { token: owner.idToken })).status, 200);
    // A member may leave by themselves.
    const again = await createUser();
    await join(owner, t, again, "viewer");
    assert.equal((await call("DELETE", `/teams/${t}/members/${again.uid}`, { token: again.idToken })).status, 200);
    assert.equal((await call("GET", `/teams/${t}`, { token: again.idToken })).status, 404);
  });

  it("invitations: accepted by the invitee's email only, once, within 7 days, unless revoked", async function () {
    this.timeout(120_000);
    const [owner, invitee, stranger] = await Promise.all([createUser(), createUser(), createUser()]);
    const t = (await createTeam(owner)).teamId;
    const invitation = await invite(owner, t, invitee.email.toUpperCase(), "viewer");
    assert.equal(invitation.status, "pending");
    assert.ok(Math.abs(Date.parse(invitation.expiresAt) - Date.now() - 7 * 24 * 3600_000) < 120_000);
    // Someone else's acceptance is 404 and changes nothing.
    assert.equal((await accept(stranger, t, invitation.invitationId)).status, 404);
    assert.equal((await call("GET", `/teams/${t}`, { token: stranger.idToken })).status, 404);
    const accepted = await accept(invitee, t, invitation.invitationId);
    assert.equal(accepted.status, 200);
    assert.deepEqual(accepted.body, { teamId: t, role: "viewer" });
    const teams = await call<{ teams: { teamId: string; role: string }[] }>("GET", "/teams", {
      token: invitee.idToken,
    });
    assert.deepEqual(
      teams.body.teams.map((x) => [x.teamId, x.role]),
      [
        [invitee.uid, "owner"],
        [t, "viewer"],
      ],
    );
    assert.equal((await accept(invitee, t, invitation.invitationId)).status, 409);

    // Expired: 409, and the would-be member is not in.
    const late = await createUser();
    const expiring = await invite(owner, t, late.email, "member");
    await adminDb()
      .collection("teams")
      .doc(t)
      .collection("invitations")
      .doc(expiring.invitationId)
      .update({ expiresAt: Timestamp.fromMillis(Date.now() - 1000) });
    const expired = await accept(late, t, expiring.invitationId);
    assert.equal(expired.status, 409);
    assert.equal((expired.body as unknown as { error: string }).error, "INVITATION_EXPIRED");
    assert.equal((await call("GET", `/teams/${t}`, { token: late.idToken })).status, 404);

    // Revoked: 409 on accept; listed as revoked.
    const revokedFor = await createUser();
    const revocable = await invite(owner, t, revokedFor.email, "member");
    assert.equal(
      (await call("DELETE", `/teams/${t}/invitations/${revocable.invitationId}`, { token: owner.idToken })).status,
      200,
    );
    assert.equal((await accept(revokedFor, t, revocable.invitationId)).status, 409);
    const listed = await call<{ invitations: { invitationId: string; status: string }[] }>(
      "GET",
      `/teams/${t}/invitations`,
      { token: owner.idToken },
    );
    assert.deepEqual(Object.fromEntries(listed.body.invitations.map((i) => [i.invitationId, i.status])), {
      [invitation.invitationId]: "accepted",
      [expiring.invitationId]: "expired",
      [revocable.invitationId]: "revoked",
    });
  });

  it("deletes a team only when idle: 409 with an online runner or an unfinished job; keys die with it", async function () {
    this.timeout(120_000);
    const owner = await createUser();
    const t = (await createTeam(owner)).teamId;
    const key = await runnerToken(owner, t, ["jobs:write", "runners:read"]);
    await registered(key.token, "busy-one");
    const withRunner = await call<{ error: string }>("DELETE", `/teams/${t}`, { token: owner.idToken });
    assert.equal(withRunner.status, 409);
    assert.equal(withRunner.body.error, "TEAM_HAS_ACTIVE_RUNNERS");
    assert.equal((await call("DELETE", "/api/runners/busy-one", { token: key.token })).status, 200);
    const job = await createJob(owner.idToken, {}, inTeam(t));
    const withJob = await call<{ error: string }>("DELETE", `/teams/${t}`, { token: owner.idToken });
    assert.equal(withJob.status, 409);
    assert.equal(withJob.body.error, "TEAM_HAS_UNFINISHED_JOBS");
    assert.equal(
      (await call("POST", `/teams/${t}/jobs/${job.id}/cancel`, { token: owner.idToken, body: {} })).status,
      200,
    );
    assert.equal((await call("DELETE", `/teams/${t}`, { token: owner.idToken })).status, 200);
    assert.equal((await call("GET", `/teams/${t}`, { token: owner.idToken })).status, 404);
    assert.equal((await call("GET", "/api/runners", { token: key.token })).status, 401);
    assert.equal((await adminDb().collection("teams").doc(t).get()).exists, false);
  });
});
