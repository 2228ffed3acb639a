/** Arrangements shared by integration tests, made through the public API as a user would. */
import assert from "node:assert/strict";
import { Timestamp } from "firebase-admin/firestore";
import { hashSecret, newCredentialId, newSecret } from "../../functions/src/auth/secrets";
import { adminDb, call, createUser, type TestUser } from "./stack";

export interface RunnerInstance {
  instanceId: string;
  credentialId: string;
  runnerToken: string;
  kind: "user" | "global";
  name: string;
}

export async function createInstance(
  user: TestUser,
  kind: "user" | "global" = "user",
  name?: string,
): Promise<RunnerInstance> {
  const response = await call<RunnerInstance>("POST", "/createRunnerInstance", {
    token: user.idToken,
    body: name === undefined ? { kind } : { kind, name },
  });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return response.body;
}

/**
 * Many runner instances at once, written straight to Firestore in the shape createRunnerInstance
 * stores (same hashing code), for tests whose subject is what happens after creation.
 */
export async function seedInstances(
  user: TestUser,
  count: number,
  kind: "user" | "global" = "user",
): Promise<RunnerInstance[]> {
  const batch = adminDb().batch();
  const made: RunnerInstance[] = [];
  for (let i = 0; i < count; i++) {
    const credentialId = newCredentialId();
    const secret = newSecret();
    const instanceId = `inst_seed_${credentialId}`;
    const name = `seeded ${i}`;
    batch.create(adminDb().collection("credentials").doc(credentialId), {
      kind: "runner",
      instanceId,
      pool: kind,
      name,
      ownerUid: user.uid,
      secretHash: hashSecret(secret),
      createdAt: Timestamp.now(),
      revokedAt: null,
      lastUsedAt: null,
    });
    made.push({ instanceId, credentialId, runnerToken: `${credentialId}.${secret}`, kind, name });
  }
  await batch.commit();
  return made;
}

export async function createApiKey(
  user: TestUser,
  scopes: string[],
  name = "test key",
): Promise<{ keyId: string; key: string }> {
  const response = await call<{ keyId: string; key: string }>("POST", "/api/keys", {
    token: user.idToken,
    body: { name, scopes },
  });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return response.body;
}

/** A workspace with one user message and a queued generation. */
export async function queuedWorkspace(
  user: TestUser,
  target: "user" | "global" = "user",
  title = "A workspace",
): Promise<{ workspaceId: string; jobId: string }> {
  const created = await call<{ workspace: { id: string } }>("POST", "/api/workspaces", {
    token: user.idToken,
    body: { title },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const workspaceId = created.body.workspace.id;
  const message = await call("POST", `/api/workspaces/${workspaceId}/messages`, {
    token: user.idToken,
    body: { text: "Make me a plan." },
  });
  assert.equal(message.status, 201, JSON.stringify(message.body));
  const queued = await call<{ jobId: string }>("POST", `/api/workspaces/${workspaceId}/generate`, {
    token: user.idToken,
    body: { target },
  });
  assert.equal(queued.status, 201, JSON.stringify(queued.body));
  return { workspaceId, jobId: queued.body.jobId };
}

export async function lease(runnerToken: string) {
  return call<{ leased: boolean; workspaceId?: string; leaseExpiresAt?: number; workspace?: Record<string, unknown> }>(
    "POST",
    "/leaseWorkspaceJob",
    { token: runnerToken, body: {} },
  );
}

export { createUser };

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 15_000,
  what = "condition",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}
