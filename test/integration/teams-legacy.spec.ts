/** Records from before teams (no `teamId`) belong to their owner's personal team. */
import assert from "node:assert/strict";
import { Timestamp } from "firebase-admin/firestore";
import { hashSecret, newCredentialId, newSecret } from "../../functions/src/auth/secrets";
import { adminDb, call, createUser } from "../harness/stack";
import { warmUp } from "./jobs-fixtures";

describe("teams: data from before teams", () => {
  it("maps a pre-team key, runner, job and workspace to the owner's personal team on first use", async function () {
    this.timeout(120_000);
    const user = await createUser();
    const db = adminDb();
    const credentialId = newCredentialId();
    const secret = newSecret();
    const at = Timestamp.now();
    // Written as earlier versions stored them: ownerUid, no teamId.
    await db
      .collection("credentials")
      .doc(credentialId)
      .create({
        kind: "apiKey",
        scopes: ["runners:read", "jobs:read"],
        name: "old key",
        ownerUid: user.uid,
        secretHash: hashSecret(secret),
        createdAt: at,
        revokedAt: null,
        lastUsedAt: null,
      });
    await db.collection("runners").doc(`${user.uid}:old-runner`).create({
      ownerUid: user.uid,
      runnerId: "old-runner",
      seq: 1,
      credentialId,
      name: "old-runner",
      version: "1",
      os: "linux",
      arch: "x64",
      tags: [],
      maxConcurrency: 1,
      status: "offline",
      heldJobs: 0,
      reportedJobs: 0,
      lastHeartbeatAt: at,
      offlineAt: at,
      claimLock: null,
      createdAt: at,
      updatedAt: at,
    });
    await db.collection("workspaces").doc("oldws").create({
      ownerUid: user.uid,
      title: "Old workspace",
      idea: null,
      messageCount: 0,
      messageSeq: 0,
      activeJobId: null,
      lastJobId: null,
      lastJobStatus: null,
      priorSummary: null,
      createdAt: at,
      updatedAt: at,
    });

    // The old key works, in the personal team, and sees the old runner.
    const runners = await call<{ data: { id: string }[] }>("GET", "/api/runners", {
      token: `${credentialId}.${secret}`,
    });
    assert.equal(runners.status, 200, JSON.stringify(runners.body));
    assert.deepEqual(
      runners.body.data.map((r) => r.id),
      ["old-runner"],
    );
    // Every old record now carries the personal team, and the team exists with the user as owner.
    for (const ref of [
      db.collection("credentials").doc(credentialId),
      db.collection("runners").doc(`${user.uid}:old-runner`),
      db.collection("workspaces").doc("oldws"),
    ]) {
      assert.equal((await ref.get()).data()?.teamId, user.uid, ref.path);
    }
    assert.equal(
      (await db.collection("teams").doc(user.uid).collection("members").doc(user.uid).get()).data()?.role,
      "owner",
    );
    const workspaces = await call<{ workspaces: { id: string }[] }>("GET", "/api/workspaces", { token: user.idToken });
    assert.deepEqual(
      workspaces.body.workspaces.map((w) => w.id),
      ["oldws"],
    );
    const keys = await call<{ keys: { keyId?: string; credentialId?: string }[] }>("GET", "/api/keys", {
      token: user.idToken,
    });
    assert.equal(keys.body.keys.length, 1);
  });

  it("creates the personal team once under concurrent first calls", async function () {
    this.timeout(120_000);
    const user = await createUser();
    // Warm workers first (unauthenticated calls answer 401 without touching any team).
    await warmUp([["/teams", 6]]);
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => call<{ teams: unknown[] }>("GET", "/teams", { token: user.idToken })),
    );
    for (const a of answers) assert.equal(a.status, 200, JSON.stringify(a.body));
    const members = await adminDb().collection("teams").doc(user.uid).collection("members").get();
    assert.deepEqual(
      members.docs.map((d) => [d.id, String(d.get("role"))]),
      [[user.uid, "owner"]],
    );
    assert.equal((await call<{ teams: unknown[] }>("GET", "/teams", { token: user.idToken })).body.teams.length, 1);
  });
});
