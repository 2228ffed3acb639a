import { z } from "zod";
import { createCredential } from "../../core/credentials/createCredential";
import { listCredentials } from "../../core/credentials/listCredentials";
import { findManagedApiKey, revokeCredential } from "../../core/credentials/manageCredential";
import type { Scope } from "../../data/collections";
import { endpoint } from "../../http/route";
import { idSchema, nameSchema, scopeSchema } from "../../http/schemas";

const USER = { accept: ["user"] } as const;
/** Keys are a team's machine credentials: admins mint and revoke them. */
const TEAM_ADMIN = { accept: ["user"], role: "admin" } as const;

/** `POST /api/keys` `{ name, scopes }` → 201 with `key` (shown this once). */
export const createApiKey = endpoint({
  face: "platform",
  method: "POST",
  path: "/api/keys",
  auth: TEAM_ADMIN,
  body: z.object({ name: nameSchema, scopes: z.array(scopeSchema).min(1).max(4) }).strict(),
  handler: async ({ principal, body, now }) => {
    const scopes = [...new Set(body.scopes)] as Scope[];
    const created = await createCredential(
      { kind: "apiKey", scopes, name: body.name, ownerUid: principal.uid, teamId: principal.teamId },
      now,
    );
    return {
      status: 201,
      body: { keyId: created.credentialId, key: created.token, name: body.name, scopes, createdAt: now.toISOString() },
    };
  },
});

/** `GET /api/keys` → `{ keys }`, the caller's keys without secrets. */
export const listApiKeys = endpoint({
  face: "platform",
  method: "GET",
  path: "/api/keys",
  auth: USER,
  handler: async ({ principal }) => ({ body: { keys: await listCredentials(principal.teamId, "apiKey") } }),
});

/** `DELETE /api/keys/:keyId` → `{ ok: true }`; the key fails on its next call. */
export const revokeApiKey = endpoint({
  face: "platform",
  method: "DELETE",
  path: "/api/keys/:keyId",
  auth: TEAM_ADMIN,
  params: z.object({ keyId: idSchema }),
  handler: async ({ principal, params, now }) => {
    const { snap } = await findManagedApiKey(principal, params.keyId);
    await revokeCredential(snap, now);
    return { body: { ok: true } };
  },
});

/** `GET /api/runner-instances` → `{ instances }`, the caller's seed 001 runner instances. */
export const listRunnerInstances = endpoint({
  face: "platform",
  method: "GET",
  path: "/api/runner-instances",
  auth: USER,
  handler: async ({ principal }) => ({ body: { instances: await listCredentials(principal.teamId, "runner") } }),
});
