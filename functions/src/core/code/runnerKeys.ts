import type { Scope } from "../../data/collections";
import { credentials } from "../../data/credentials";
import { NotFound } from "../../http/errors";
import { createCredential } from "../credentials/createCredential";
import { revokeCredential } from "../credentials/manageCredential";
import { tenantOwnerUid } from "./tenant";

/** What a tenant runner key may do: lease and finish the tenant's executions. */
export const RUNNER_KEY_SCOPES: Scope[] = ["runners:write"];

/** Mints a `runners:write` key owned by the tenant (see `tenantOwnerUid`); the token is shown once. */
export async function mintTenantRunnerKey(tenantId: string, name: string, now: Date) {
  const created = await createCredential(
    {
      kind: "apiKey",
      scopes: RUNNER_KEY_SCOPES,
      name,
      ownerUid: tenantOwnerUid(tenantId),
      teamId: tenantOwnerUid(tenantId),
    },
    now,
  );
  return {
    keyId: created.credentialId,
    key: created.token,
    name,
    scopes: RUNNER_KEY_SCOPES,
    createdAt: now.toISOString(),
  };
}

/** Revokes one of the tenant's runner keys; the key fails on its next call. Others' keys are 404. */
export async function revokeTenantRunnerKey(tenantId: string, keyId: string, now: Date): Promise<void> {
  const snap = await credentials().doc(keyId).get();
  const doc = snap.data();
  if (doc === undefined || doc.kind !== "apiKey" || doc.ownerUid !== tenantOwnerUid(tenantId))
    throw new NotFound("RUNNER_KEY_NOT_FOUND", "No such runner key.");
  await revokeCredential(snap, now);
}
