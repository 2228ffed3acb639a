import { randomBytes } from "node:crypto";
import { Timestamp } from "firebase-admin/firestore";
import { hashSecret, newCredentialId, newSecret } from "../../auth/secrets";
import type { CredentialDoc, RunnerPool, Scope } from "../../data/collections";
import { credentials } from "../../data/credentials";

export type NewCredential =
  | { kind: "runner"; pool: RunnerPool; name: string; ownerUid: string }
  | { kind: "apiKey"; scopes: Scope[]; name: string; ownerUid: string };

export interface CreatedCredential {
  credentialId: string;
  /** Runner instances only. */
  instanceId?: string;
  /** `credentialId.secret`: returned to the caller this once and never stored. */
  token: string;
  createdAt: Date;
}

/** Mints a credential; only the secret's hash is stored. */
export async function createCredential(input: NewCredential, now: Date): Promise<CreatedCredential> {
  const credentialId = newCredentialId();
  const secret = newSecret();
  const instanceId = input.kind === "runner" ? `inst_${randomBytes(12).toString("base64url")}` : undefined;
  const doc: CredentialDoc = {
    kind: input.kind,
    name: input.name,
    ownerUid: input.ownerUid,
    secretHash: hashSecret(secret),
    createdAt: Timestamp.fromDate(now),
    revokedAt: null,
    lastUsedAt: null,
    ...(input.kind === "runner" ? { instanceId, pool: input.pool } : { scopes: input.scopes }),
  };
  await credentials().doc(credentialId).create(doc);
  return { credentialId, instanceId, token: `${credentialId}.${secret}`, createdAt: now };
}
