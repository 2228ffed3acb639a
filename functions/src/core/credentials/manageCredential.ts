import { Timestamp, type DocumentSnapshot } from "firebase-admin/firestore";
import type { UserPrincipal } from "../../auth/authenticate";
import type { CredentialDoc } from "../../data/collections";
import { credentials, findInstance } from "../../data/credentials";
import { assert, NotFound } from "../../http/errors";

/**
 * A credential is managed in the team it acts for (the route's role rule decides who there); a
 * platform admin may also manage global runner instances. Anyone else gets 404, so ids of other
 * teams' credentials are not confirmed. Credentials from before teams are their owner's.
 */
async function mayManage(user: UserPrincipal, doc: CredentialDoc): Promise<boolean> {
  if ((doc.teamId ?? doc.ownerUid) === user.teamId) return true;
  return doc.kind === "runner" && doc.pool === "global" && (await user.isAdmin());
}

async function managed(user: UserPrincipal, snap: DocumentSnapshot<CredentialDoc> | null, what: string) {
  const doc = snap?.data();
  assert(
    snap !== null && doc !== undefined && (await mayManage(user, doc)),
    new NotFound("NOT_FOUND", `No such ${what}.`),
  );
  return { snap, doc };
}

export async function findManagedInstance(user: UserPrincipal, instanceId: string) {
  return managed(user, await findInstance(instanceId), "runner instance");
}

export async function findManagedApiKey(user: UserPrincipal, credentialId: string) {
  const snap = await credentials().doc(credentialId).get();
  const found = await managed(user, snap.exists ? snap : null, "API key");
  assert(found.doc.kind === "apiKey", new NotFound("NOT_FOUND", "No such API key."));
  return found;
}

/** Idempotent: revoking a revoked credential keeps its first `revokedAt`. */
export async function revokeCredential(snap: DocumentSnapshot<CredentialDoc>, now: Date): Promise<void> {
  if (snap.data()?.revokedAt) return;
  await snap.ref.update({ revokedAt: Timestamp.fromDate(now) });
}

export async function renameCredential(snap: DocumentSnapshot<CredentialDoc>, name: string): Promise<void> {
  await snap.ref.update({ name });
}
