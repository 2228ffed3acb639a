import { randomBytes } from "node:crypto";
import { Timestamp } from "firebase-admin/firestore";
import { hashSecret, newCredentialId, newSecret } from "../../auth/secrets";
import type { CredentialDoc, RunnerPool, Scope } from "../../data/collections";
import { credentials } from "../../data/credentials";
import { activeKeysOfTeam } from "../../data/quotas";
import { assertUnderQuota, runGuardedTransaction } from "../quotas/guardCount";
import { QUOTAS } from "../quotas/quotas";

/** `ownerUid` is who minted it; `teamId` the team it acts for. */
export type NewCredential =
  | { kind: "runner"; pool: RunnerPool; name: string; ownerUid: string; teamId: string }
  | { kind: "apiKey"; scopes: Scope[]; name: string; ownerUid: string; teamId: string; runnerToken?: boolean };

export interface CreatedCredential {
  credentialId: string;
  /** Runner instances only. */
  instanceId?: string;
  /** `credentialId.secret`: returned to the caller this once and never stored. */
  token: string;
  createdAt: Date;
}

/** Mints a credential within its team's key quota; only the secret's hash is stored. */
export async function createCredential(input: NewCredential, now: Date): Promise<CreatedCredential> {
  const credentialId = newCredentialId();
  const secret = newSecret();
  const instanceId = input.kind === "runner" ? `inst_${randomBytes(12).toString("base64url")}` : undefined;
  const doc: CredentialDoc = {
    kind: input.kind,
    name: input.name,
    ownerUid: input.ownerUid,
    teamId: input.teamId,
    secretHash: hashSecret(secret),
    createdAt: Timestamp.fromDate(now),
    revokedAt: null,
    lastUsedAt: null,
    ...(input.kind === "runner" ? { instanceId, pool: input.pool } : { scopes: input.scopes }),
    ...(input.kind === "apiKey" && input.runnerToken === true ? { runnerToken: true } : {}),
  };
  await runGuardedTransaction(QUOTAS.keys, `team:${input.teamId}`, async (tx) => {
    await assertUnderQuota(tx, {
      quota: QUOTAS.keys,
      scope: `team:${input.teamId}`,
      per: "team",
      counted: activeKeysOfTeam(input.teamId),
      adding: 1,
      serialise: "lock",
    });
    tx.create(credentials().doc(credentialId), doc);
  });
  return { credentialId, instanceId, token: `${credentialId}.${secret}`, createdAt: now };
}
