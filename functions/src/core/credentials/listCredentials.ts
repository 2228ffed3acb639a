import type { CredentialDoc } from "../../data/collections";
import { teamCredentials } from "../../data/credentials";

/** Most a listing returns; a user with more sees the newest. */
export const MAX_LISTED_CREDENTIALS = 200;

export interface CredentialView {
  credentialId: string;
  instanceId?: string;
  kind: CredentialDoc["kind"];
  pool?: CredentialDoc["pool"];
  scopes?: CredentialDoc["scopes"];
  name: string;
  createdAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

/** A team's credentials, newest first, without secrets or hashes. */
export async function listCredentials(teamId: string, kind: CredentialDoc["kind"]): Promise<CredentialView[]> {
  const snap = await teamCredentials(teamId, kind).limit(MAX_LISTED_CREDENTIALS).get();
  return snap.docs.map((d) => toView(d.id, d.data()));
}

export function toView(credentialId: string, doc: CredentialDoc): CredentialView {
  return {
    credentialId,
    ...(doc.instanceId !== undefined ? { instanceId: doc.instanceId } : {}),
    kind: doc.kind,
    ...(doc.pool !== undefined ? { pool: doc.pool } : {}),
    ...(doc.scopes !== undefined ? { scopes: doc.scopes } : {}),
    name: doc.name,
    createdAt: doc.createdAt.toDate().toISOString(),
    revokedAt: doc.revokedAt?.toDate().toISOString() ?? null,
    lastUsedAt: doc.lastUsedAt?.toDate().toISOString() ?? null,
  };
}
