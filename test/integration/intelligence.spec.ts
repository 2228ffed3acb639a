/**
 * Seed 002's insights, proposals, intelligence files and runner configuration, in a team with
 * one user per role and a runner token: what runners record on a job they hold, how people
 * curate it, versions and If-Match, and the two concurrency rules (one If-Match winner; one
 * application of a proposal however many approve it at once).
 */
import assert from "node:assert/strict";
import { jobHeartbeatAnswer } from "../../contract/src/jobs";
import { runnerConfigAnswer, runnerInsightAnswer, runnerProposalAnswer } from "../../contract/src/intelligence";
import { assertOnContract } from "../harness/contract";
import { adminDb, call, createUser, type TestUser } from "../harness/stack";
import { createJob, leaseOne, warmUp } from "./jobs-fixtures";
import { createTeam, inTeam, join, runnerToken } from "./teams-fixtures";

interface Arranged {
  teamId: string;
  owner: TestUser;
  member: TestUser;
  viewer: TestUser;
  runnerKey: string;
}

async function arrange(): Promise<Arranged> {
  const [owner, member, viewer] = await Promise.all([createUser(), createUser(), createUser()]);
  const team = await createTeam(owner, "Knowledge");
  await join(owner, team.teamId, member, "member");
  await join(owner, team.teamId, viewer, "viewer");
  const runner = await runnerToken(owner, team.teamId, ["jobs:read"]);
  return { teamId: team.teamId, owner, member, viewer, runnerKey: runner.token };
}

const insight = {
  phase: "implement",
  category: "testing",
  summary: "Flaky **suite**",
  detail: "The <b>auth</b> tests race.",
};

describe("insights, proposals, intelligence files and runner configuration", () => {
  before(async function () {
    // Cold workers take seconds, longer than the 4 s lease the tests run with; the concurrent
    // cases need several workers of their function.
    this.timeout(600_000);
    await warmUp([
      ["/teams", 1],
      ["/teams/x/invitations", 1],
      ["/teams/x/invitations/y/accept", 1],
      ["/teams/x/runner-tokens", 1],
      ["/jobs", 1],
      ["/jobs/runner/lease", 1],
      ["/jobs/x/runner/heartbeat", 1],
      ["/jobs/x/runner/insights", 1],
      ["/jobs/x/runner/proposals", 1],
      ["/jobs/x/insights", 1],
      ["/intelligence/file", 2],
      ["/proposals/x/approve", 4],
      ["/config", 4],
    ]);
  });

  it("a runner records insights on the job it holds; people list, edit, decide and delete them", async function () {
    this.timeout(120_000);
    const { teamId, member, viewer, runnerKey } = await arrange();
    const job = await createJob(member.idToken, {}, inTeam(teamId));
    const base = `/teams/${teamId}/jobs/${job.id}`;
    // Nobody holds the job yet: refused, nothing stored. (This first call also opens the worker's
    // Firestore connection, which on a loaded machine can take longer than the 4 s test lease.)
    const unheld = await call("POST", `${base}/runner/insights`, {
      token: runnerKey,
      body: { runnerId: "r1", leaseToken: "none", ...insight },
    });
    assert.equal(unheld.status, 409, JSON.stringify(unheld.body));
    const leased = await leaseOne(runnerKey, "r1");
    assert.equal(leased.id, job.id);

    const posted = await call("POST", `${base}/runner/insights`, {
      token: runnerKey,
      body: { runnerId: "r1", leaseToken: leased.leaseToken, ...insight, suggestion: "Seed the clock." },
    });
    assert.equal(posted.status, 201, JSON.stringify(posted.body));
    const { insight: created } = assertOnContract(runnerInsightAnswer, posted.body, "POST …/runner/insights");
    assert.equal(created.status, "pending");
    assert.match(created.createdBy, /^r1 /);
    // The same through the root path with the team's key, and refusals that change nothing.
    const wrongToken = await call("POST", `/jobs/${job.id}/runner/insights`, {
      token: runnerKey,
      body: { runnerId: "r1", leaseToken: "not-the-token", ...insight },
    });
    assert.equal(wrongToken.status, 409, JSON.stringify(wrongToken.body));
    const otherRunner = await call("POST", `${base}/runner/insights`, {
      token: runnerKey,
      body: { runnerId: "r2", leaseToken: leased.leaseToken, ...insight },
    });
    assert.equal(otherRunner.status, 409);
    const missing = await call<{ error: string }>("POST", `${base}/runner/insights`, {
      token: runnerKey,
      body: { runnerId: "r1", leaseToken: leased.leaseToken, phase: "x" },
    });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.error, "INVALID_REQUEST");

    const listed = await call<{ insights: { insightId: string; summary: string }[] }>("GET", `${base}/insights`, {
      token: viewer.idToken,
    });
    assert.equal(listed.status, 200, JSON.stringify(listed.body));
    assert.deepEqual(
      listed.body.insights.map((i) => i.summary),
      ["Flaky **suite**"],
    );
    const id = created.insightId;
    assert.equal((await call("POST", `${base}/insights/${id}/approve`, { token: viewer.idToken })).status, 403);
    assert.equal((await call("DELETE", `${base}/insights/${id}`, { token: viewer.idToken })).status, 403);

    const edited = await call<{ summary: string; editedBy: string; editedAt: string }>(
      "PATCH",
      `${base}/insights/${id}`,
      { token: member.idToken, body: { summary: "Flaky auth suite", suggestion: null } },
    );
    assert.equal(edited.status, 200, JSON.stringify(edited.body));
    assert.equal(edited.body.summary, "Flaky auth suite");
    assert.equal(edited.body.editedBy, member.uid);
    const approved = await call<{ status: string; decidedBy: string; decidedAt: string }>(
      "POST",
      `${base}/insights/${id}/approve`,
      { token: member.idToken },
    );
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
    assert.equal(approved.body.status, "approved");
    assert.equal(approved.body.decidedBy, member.uid);
    assert.ok(Date.parse(approved.body.decidedAt) > 0);
    const stored = (await adminDb().collection("jobs").doc(job.id).collection("insights").doc(id).get()).data();
    assert.equal(stored?.status, "approved");
    assert.equal(stored?.suggestion, null);
    assert.equal((await call("POST", `${base}/insights/${id}/shelve`, { token: member.idToken })).status, 404);
    assert.equal(
      (await call("GET", `/jobs/${job.id}/insights?status=pending`, { token: member.idToken, headers: inTeam(teamId) }))
        .body.insights instanceof Array,
      true,
    );

    assert.equal((await call("DELETE", `${base}/insights/${id}`, { token: member.idToken })).status, 200);
    assert.equal((await call("DELETE", `${base}/insights/${id}`, { token: member.idToken })).status, 404);
    const after = await call<{ insights: unknown[] }>("GET", `${base}/insights`, { token: viewer.idToken });
    assert.equal(after.body.insights.length, 0);
    // Another team's job does not exist for this team.
    const stranger = await createUser();
    assert.equal((await call("GET", `/jobs/${job.id}/insights`, { token: stranger.idToken })).status, 404);
  });

  it("intelligence files are versioned with history, If-Match refuses a stale write, preflight saves nothing", async function () {
    this.timeout(120_000);
    const { teamId, member, viewer, runnerKey } = await arrange();
    const file = (path: string, layer = "tenant") =>
      `/teams/${teamId}/intelligence/file?layer=${encodeURIComponent(layer)}&path=${encodeURIComponent(path)}`;

    const created = await call<{ version: number }>("PUT", file("agents/review.md"), {
      token: member.idToken,
      body: { content: "# Review\n\n- keep it short\n" },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.headers.get("etag"), '"1"');
    const read = await call<{ content: string; version: number }>("GET", file("agents/review.md"), {
      token: runnerKey,
    });
    assert.equal(read.status, 200, JSON.stringify(read.body));
    assert.equal(read.body.content, "# Review\n\n- keep it short\n");
    assert.equal(read.headers.get("etag"), '"1"');

    const second = await call("PUT", file("agents/review.md"), {
      token: member.idToken,
      headers: { "if-match": '"1"' },
      body: { content: "# Review\n\n- keep it short\n- name constants\n" },
    });
    assert.equal(second.status, 200, JSON.stringify(second.body));
    const stale = await call<{ error: string; detail: { currentVersion: number } }>("PUT", file("agents/review.md"), {
      token: member.idToken,
      headers: { "if-match": '"1"' },
      body: { content: "lost update" },
    });
    assert.equal(stale.status, 412);
    assert.equal(stale.body.error, "PRECONDITION_FAILED");
    assert.equal(stale.body.detail.currentVersion, 2);

    for (const bad of ["../escape.md", "/abs.md", "notes.txt", "a//b.md"]) {
      const refused = await call<{ error: string }>("PUT", file(bad), {
        token: member.idToken,
        body: { content: "x" },
      });
      assert.equal(refused.status, 400, bad);
      assert.equal(refused.body.error, "INVALID_PATH");
    }
    const badLayer = await call<{ error: string }>("GET", file("a.md", "repo:../x"), { token: member.idToken });
    assert.equal(badLayer.body.error, "INVALID_LAYER");
    const tooBig = await call<{ error: string }>("PUT", file("big.md"), {
      token: member.idToken,
      body: { content: "x".repeat(256 * 1024 + 1) },
    });
    assert.equal(tooBig.status, 413);
    assert.equal(tooBig.body.error, "FILE_TOO_LARGE");
    assert.equal((await call("PUT", file("v.md"), { token: viewer.idToken, body: { content: "x" } })).status, 403);
    assert.equal((await call("PUT", file("r.md"), { token: runnerKey, body: { content: "x" } })).status, 401);

    await call("PUT", file("CLAUDE.md", "repo:org/api"), { token: member.idToken, body: { content: "repo rules\n" } });
    const layers = await call<{ layers: { layer: string; files: { path: string; version: number }[] }[] }>(
      "GET",
      `/teams/${teamId}/intelligence/layers`,
      { token: viewer.idToken },
    );
    assert.deepEqual(
      layers.body.layers.map((l) => [l.layer, l.files.map((f) => `${f.path}@${f.version}`)]),
      [
        ["tenant", ["agents/review.md@2"]],
        ["repo:org/api", ["CLAUDE.md@1"]],
      ],
    );

    const before = await adminDb().collection("teams").doc(teamId).collection("intelligenceFiles").get();
    const checked = await call<{ ok: boolean; edits: { ok: boolean; problems: { code: string }[] }[] }>(
      "POST",
      `/teams/${teamId}/intelligence/preflight`,
      {
        token: viewer.idToken,
        body: {
          edits: [
            { path: "agents/review.md", content: "new", baseVersion: 2 },
            { path: "../x.md", content: "x" },
            { path: "agents/review.md", patch: "@@ -1 +1 @@\n-# Nope\n+# Yes\n", layer: "repo:org/api" },
            { path: "CLAUDE.md", layer: "repo:org/api", content: "y", baseVersion: 1 },
            { path: "gone.md", delete: true },
            { path: "old.md", content: "z", baseVersion: 5 },
          ],
        },
      },
    );
    assert.equal(checked.status, 200, JSON.stringify(checked.body));
    assert.equal(checked.body.ok, false);
    assert.deepEqual(
      checked.body.edits.map((e) => e.problems.map((p) => p.code)),
      [[], ["INVALID_PATH"], ["PATCH_DOES_NOT_APPLY"], [], ["FILE_NOT_FOUND"], ["VERSION_CONFLICT"]],
    );
    const afterPreflight = await adminDb().collection("teams").doc(teamId).collection("intelligenceFiles").get();
    assert.deepEqual(
      afterPreflight.docs.map((d) => d.data().version as number),
      before.docs.map((d) => d.data().version as number),
    );

    const deleted = await call<{ version: number }>("DELETE", file("agents/review.md"), { token: member.idToken });
    assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
    assert.equal(deleted.body.version, 3);
    assert.equal((await call("GET", file("agents/review.md"), { token: viewer.idToken })).status, 404);
    const old = await call<{ content: string }>("GET", `${file("agents/review.md")}&version=1`, {
      token: viewer.idToken,
    });
    assert.equal(old.body.content, "# Review\n\n- keep it short\n");
    const history = await call<{ deleted: boolean; versions: { version: number; op: string; by: string }[] }>(
      "GET",
      `/teams/${teamId}/intelligence/history?path=agents%2Freview.md`,
      { token: viewer.idToken },
    );
    assert.equal(history.body.deleted, true);
    assert.deepEqual(
      history.body.versions.map((v) => `${v.version}:${v.op}`),
      ["3:delete", "2:put", "1:put"],
    );
    assert.ok(history.body.versions.every((v) => v.by === member.uid));
  });

  it("a runner proposes a patch; concurrent approvals apply it once, as the file's next version", async function () {
    this.timeout(120_000);
    const { teamId, owner, member, viewer, runnerKey } = await arrange();
    const path = `/teams/${teamId}/intelligence/file?path=rules.md`;
    await call("PUT", path, { token: member.idToken, body: { content: "# Rules\n- one\n- two\n" } });
    const job = await createJob(member.idToken, {}, inTeam(teamId));
    const unheld = await call("POST", `/teams/${teamId}/jobs/${job.id}/runner/proposals`, {
      token: runnerKey,
      body: { runnerId: "r1", leaseToken: "none", path: "rules.md", content: "x", rationale: "r" },
    });
    assert.equal(unheld.status, 409, JSON.stringify(unheld.body));
    const leased = await leaseOne(runnerKey, "r1");
    const propose = (body: Record<string, unknown>) =>
      call("POST", `/teams/${teamId}/jobs/${job.id}/runner/proposals`, {
        token: runnerKey,
        body: {
          runnerId: "r1",
          leaseToken: leased.leaseToken,
          path: "rules.md",
          rationale: "Runs showed it.",
          ...body,
        },
      });
    const proposed = await propose({
      patch: "--- a/rules.md\n+++ b/rules.md\n@@ -2,2 +2,3 @@\n - one\n - two\n+- three\n",
    });
    assert.equal(proposed.status, 201, JSON.stringify(proposed.body));
    const { proposal } = assertOnContract(runnerProposalAnswer, proposed.body, "POST …/runner/proposals");
    assert.equal(proposal.sourceJobId, job.id);
    // Both within the 4 s test lease; the refusals below are decided before the lease is looked at.
    const stale = await propose({ content: "# Rules\n", baseVersion: 0 });
    assert.equal(stale.status, 201, JSON.stringify(stale.body));
    assert.equal((await propose({ patch: "not a diff" })).status, 400);
    assert.equal((await propose({ content: "x", path: "../x.md" })).status, 400);

    const pending = await call<{ proposals: { proposalId: string }[] }>(
      "GET",
      `/teams/${teamId}/proposals?status=pending`,
      {
        token: viewer.idToken,
      },
    );
    assert.equal(pending.body.proposals.length, 2);
    const decide = `/teams/${teamId}/proposals/${proposal.proposalId}`;
    assert.equal((await call("POST", `${decide}/approve`, { token: viewer.idToken })).status, 403);

    // Four members' clicks at once: one applies, the rest see it decided (or are asked to retry).
    const approvals = await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        call("POST", `${decide}/approve`, { token: (i % 2 ? owner : member).idToken }),
      ),
    );
    const statuses = approvals.map((a) => a.status);
    assert.equal(statuses.filter((s) => s === 200).length, 1, JSON.stringify(statuses));
    assert.ok(
      statuses.every((s) => s === 200 || s === 409 || s === 503),
      JSON.stringify(statuses),
    );
    const applied = await call<{ content: string; version: number }>("GET", path, { token: viewer.idToken });
    assert.equal(applied.body.content, "# Rules\n- one\n- two\n- three\n");
    assert.equal(applied.body.version, 2);
    const history = await call<{ versions: { version: number; proposalId: string | null }[] }>(
      "GET",
      `/teams/${teamId}/intelligence/history?path=rules.md`,
      { token: viewer.idToken },
    );
    assert.deepEqual(
      history.body.versions.map((v) => [v.version, v.proposalId]),
      [
        [2, proposal.proposalId],
        [1, null],
      ],
    );
    const full = await call<{ status: string; appliedVersion: number; patch: string }>("GET", decide, {
      token: viewer.idToken,
    });
    assert.equal(full.body.status, "approved");
    assert.equal(full.body.appliedVersion, 2);
    assert.match(full.body.patch, /\+- three/);

    // Made against "no file yet": the file has moved on, so it stays pending until rejected.
    const staleId = (stale.body as { proposal: { proposalId: string } }).proposal.proposalId;
    const refused = await call<{ error: string }>("POST", `/teams/${teamId}/proposals/${staleId}/approve`, {
      token: member.idToken,
    });
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error, "PROPOSAL_STALE");
    const rejected = await call<{ status: string; note: string }>(
      "POST",
      `/teams/${teamId}/proposals/${staleId}/reject`,
      { token: member.idToken, body: { note: "superseded" } },
    );
    assert.equal(rejected.body.status, "rejected");
    assert.equal(rejected.body.note, "superseded");
    const approvedList = await call<{ proposals: unknown[] }>("GET", `/teams/${teamId}/proposals?status=approved`, {
      token: member.idToken,
    });
    assert.equal(approvedList.body.proposals.length, 1);
    assert.equal((await call("GET", `/teams/${teamId}/proposals?status=nope`, { token: member.idToken })).status, 400);
  });

  it("runner configuration: validated, versioned, one If-Match winner, version in heartbeats", async function () {
    this.timeout(120_000);
    const { teamId, owner, member, runnerKey } = await arrange();
    const config = `/teams/${teamId}/config`;
    const empty = await call("GET", config, { token: member.idToken });
    assert.equal(empty.status, 200, JSON.stringify(empty.body));
    assertOnContract(runnerConfigAnswer, empty.body, "GET /config");
    assert.equal(empty.headers.get("etag"), '"0"');

    const mcp = { command: "npx", args: ["-y", "server-github"], env: { GITHUB_TOKEN: "${GITHUB_TOKEN}" } };
    const first = await call("PUT", config, {
      token: owner.idToken,
      body: {
        config: { llm: { aliases: { planning: "claude-sonnet-4-6" } }, claudeCode: { mcpServers: { github: mcp } } },
      },
    });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.headers.get("etag"), '"1"');
    assert.equal((await call("PUT", config, { token: member.idToken, body: { config: {} } })).status, 403);
    const secret = await call<{ error: string }>("PUT", config, {
      token: owner.idToken,
      body: { config: { claudeCode: { mcpServers: { x: { command: "x", env: { API_KEY: "sk-live" } } } } } },
    });
    assert.equal(secret.status, 400);

    // Four saves based on version 1 at once: exactly one wins, the others are told they are stale.
    const saves = await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        call("PUT", config, {
          token: owner.idToken,
          headers: { "if-match": '"1"' },
          body: { config: { llm: { defaultModel: `model-${i}` } } },
        }),
      ),
    );
    const statuses = saves.map((s) => s.status);
    assert.equal(statuses.filter((s) => s === 200).length, 1, JSON.stringify(statuses));
    assert.ok(
      statuses.every((s) => s === 200 || s === 412 || s === 503),
      JSON.stringify(statuses),
    );
    const winner = saves.find((s) => s.status === 200)?.body as { config: { llm: { defaultModel: string } } };

    const fetched = await call<{ version: number; config: { llm: { defaultModel: string } } }>("GET", "/config", {
      token: runnerKey,
    });
    assert.equal(fetched.status, 200, JSON.stringify(fetched.body));
    assert.equal(fetched.body.version, 2);
    assert.equal(fetched.body.config.llm.defaultModel, winner.config.llm.defaultModel);
    const v1 = await call<{ config: { claudeCode: unknown } }>("GET", `${config}?version=1`, { token: member.idToken });
    assert.deepEqual(v1.body.config.claudeCode, { mcpServers: { github: mcp } });
    const mcps = await call<{ mcpServers: unknown }>("GET", `/teams/${teamId}/config/claude-code-mcps`, {
      token: runnerKey,
    });
    assert.deepEqual(mcps.body.mcpServers, {});

    await createJob(member.idToken, {}, inTeam(teamId));
    const leased = await leaseOne(runnerKey, "r1");
    const beat = await call("POST", `/jobs/${leased.id}/runner/heartbeat`, {
      token: runnerKey,
      body: { runnerId: "r1", leaseToken: leased.leaseToken },
    });
    assert.equal(beat.status, 200, JSON.stringify(beat.body));
    assert.equal(assertOnContract(jobHeartbeatAnswer, beat.body, "heartbeat").configVersion, 2);
  });
});
