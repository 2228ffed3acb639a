/**
 * Two users in one team share a runner key and see each other's jobs and runners; a third user
 * gets 404 on every team resource; a key of team A never sees team B.
 */
import assert from "node:assert/strict";
import { createUser, call, adminDb } from "../harness/stack";
import { createJob, leaseOne, type Snapshot } from "./jobs-fixtures";
import { registered } from "./fleet-fixtures";
import { createTeam, inTeam, join, runnerToken } from "./teams-fixtures";

describe("teams: sharing runners, keys and jobs", () => {
  it("two members share a runner key and see each other's jobs and runners; a third user gets 404", async function () {
    this.timeout(180_000);
    const [alice, bob, carol] = await Promise.all([createUser(), createUser(), createUser()]);
    const team = await createTeam(alice, "Platform");
    await join(alice, team.teamId, bob, "member");
    const shared = await runnerToken(alice, team.teamId, ["jobs:read", "jobs:write", "runners:read"]);
    assert.deepEqual(shared.scopes, ["runners:read", "runners:write", "jobs:read", "jobs:write"]);

    // Alice queues through the team path, Bob through the team header on /jobs.
    const byAlice = await call<Snapshot>("POST", `/teams/${team.teamId}/jobs`, {
      token: alice.idToken,
      body: { type: "build", workflowPath: "w.md", params: { by: "alice" } },
    });
    assert.equal(byAlice.status, 201, JSON.stringify(byAlice.body));
    const byBob = await createJob(bob.idToken, { params: { by: "bob" } }, inTeam(team.teamId));
    // Bob's personal team stays his own.
    const personal = await createJob(bob.idToken, { params: { by: "bob alone" } });

    for (const user of [alice, bob]) {
      const listed = await call<{ jobs: { id: string }[] }>("GET", `/teams/${team.teamId}/jobs`, {
        token: user.idToken,
      });
      assert.equal(listed.status, 200, JSON.stringify(listed.body));
      assert.deepEqual(new Set(listed.body.jobs.map((j) => j.id)), new Set([byAlice.body.id, byBob.id]));
      const one = await call<Snapshot>("GET", `/jobs/${byBob.id}`, {
        token: user.idToken,
        headers: inTeam(team.teamId),
      });
      assert.equal(one.status, 200);
    }
    // Outside the team header, Alice does not see the team's jobs (her personal team has none).
    assert.equal((await call("GET", `/jobs/${byBob.id}`, { token: alice.idToken })).status, 404);
    assert.equal(
      (await call("GET", `/jobs/${personal.id}`, { token: alice.idToken, headers: inTeam(team.teamId) })).status,
      404,
    );

    // The shared key registers a fleet runner and leases the team's jobs; both members see the runner.
    await registered(shared.token, "shared-1", 2, "linux");
    const leased = await leaseOne(shared.token, "jobs-runner-1");
    assert.ok([byAlice.body.id, byBob.id].includes(leased.id));
    for (const user of [alice, bob]) {
      const runners = await call<{
        runners: { face: string; runnerId: string; status: string; currentJobs: string[] }[];
      }>("GET", `/teams/${team.teamId}/runners`, { token: user.idToken });
      assert.equal(runners.status, 200, JSON.stringify(runners.body));
      const fleet = runners.body.runners.find((r) => r.face === "fleet" && r.runnerId === "shared-1");
      assert.equal(fleet?.status, "online");
      const jobsRunner = runners.body.runners.find((r) => r.face === "jobs" && r.runnerId === "jobs-runner-1");
      assert.deepEqual(jobsRunner?.currentJobs, [leased.id]);
      assert.equal(jobsRunner?.status, "busy");
      const seed004 = await call<{ data: { id: string }[] }>("GET", "/api/runners", {
        token: user.idToken,
        headers: inTeam(team.teamId),
      });
      assert.deepEqual(
        seed004.body.data.map((r) => r.id),
        ["shared-1"],
      );
    }
    // The runner's doc belongs to the team and records who minted the key.
    const stored = (await adminDb().collection("runners").doc(`${team.teamId}:shared-1`).get()).data();
    assert.equal(stored?.teamId, team.teamId);
    assert.equal(stored?.ownerUid, alice.uid);

    const before = (await adminDb().collection("jobs").doc(byBob.id).get()).data();
    // Carol is in no part of it: 404 on every team resource, by path or by header.
    const paths = [
      ["GET", `/teams/${team.teamId}`],
      ["PATCH", `/teams/${team.teamId}`],
      ["DELETE", `/teams/${team.teamId}`],
      ["GET", `/teams/${team.teamId}/members`],
      ["GET", `/teams/${team.teamId}/invitations`],
      ["POST", `/teams/${team.teamId}/invitations`],
      ["GET", `/teams/${team.teamId}/runner-tokens`],
      ["POST", `/teams/${team.teamId}/runner-tokens`],
      ["DELETE", `/teams/${team.teamId}/runner-tokens/${shared.tokenId}`],
      ["GET", `/teams/${team.teamId}/runners`],
      ["GET", `/teams/${team.teamId}/jobs`],
      ["GET", `/teams/${team.teamId}/jobs/${byBob.id}`],
      ["POST", `/teams/${team.teamId}/jobs/${byBob.id}/cancel`],
      ["DELETE", `/teams/${team.teamId}/members/${bob.uid}`],
    ] as const;
    for (const [method, path] of paths) {
      const response = await call<{ error: string }>(method, path, {
        token: carol.idToken,
        ...(method === "POST" || method === "PATCH" ? { body: {} } : {}),
      });
      assert.equal(response.status, 404, `${method} ${path}: ${JSON.stringify(response.body)}`);
      assert.equal(response.body.error, "TEAM_NOT_FOUND");
    }
    for (const path of [`/jobs/${byBob.id}`, "/jobs", "/api/runners", "/api/keys", "/api/workspaces"]) {
      assert.equal((await call("GET", path, { token: carol.idToken, headers: inTeam(team.teamId) })).status, 404, path);
    }
    // Nothing of the team changed.
    assert.deepEqual((await adminDb().collection("jobs").doc(byBob.id).get()).data(), before);
    assert.equal(
      (await call<{ members: unknown[] }>("GET", `/teams/${team.teamId}/members`, { token: alice.idToken })).body
        .members.length,
      2,
    );
  });

  it("a key of team A never sees team B, by path or header", async function () {
    this.timeout(120_000);
    const [alice, bob] = await Promise.all([createUser(), createUser()]);
    const teamA = await createTeam(alice, "A");
    const teamB = await createTeam(bob, "B");
    const keyA = await runnerToken(alice, teamA.teamId, ["jobs:read", "jobs:write", "runners:read"]);
    const jobB = await createJob(bob.idToken, {}, inTeam(teamB.teamId));
    assert.equal((await call("GET", `/teams/${teamB.teamId}/jobs/${jobB.id}`, { token: keyA.token })).status, 404);
    assert.equal((await call("GET", `/teams/${teamB.teamId}/jobs`, { token: keyA.token })).status, 404);
    assert.equal((await call("GET", `/teams/${teamB.teamId}/runners`, { token: keyA.token })).status, 404);
    assert.equal(
      (await call("GET", `/jobs/${jobB.id}`, { token: keyA.token, headers: inTeam(teamB.teamId) })).status,
      404,
    );
    assert.equal((await call("GET", `/jobs/${jobB.id}`, { token: keyA.token })).status, 404);
    // Its own team, named or not, works; nothing leaks across leases either.
    assert.equal((await call("GET", `/teams/${teamA.teamId}/jobs`, { token: keyA.token })).status, 200);
    const lease = await call<{ jobs: unknown[] }>("POST", "/jobs/runner/lease", {
      token: keyA.token,
      body: { runnerId: "a-1" },
    });
    assert.deepEqual(lease.body.jobs, []);
  });
});
