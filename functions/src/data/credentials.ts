import type { CollectionReference, DocumentSnapshot, Query } from "firebase-admin/firestore";
import { COLLECTIONS, type CredentialDoc } from "./collections";
import { db } from "./firestore";

export function credentials(): CollectionReference<CredentialDoc> {
  return db().collection(COLLECTIONS.credentials) as CollectionReference<CredentialDoc>;
}

/** Single-field equality on `instanceId`: served by Firestore's automatic index. */
export async function findInstance(instanceId: string): Promise<DocumentSnapshot<CredentialDoc> | null> {
  const snap = await credentials().where("instanceId", "==", instanceId).limit(1).get();
  return snap.docs[0] ?? null;
}

/** `teamId ==` + `kind ==` + order by `createdAt`: composite index in firestore.indexes.json. */
export function teamCredentials(teamId: string, kind: CredentialDoc["kind"]): Query<CredentialDoc> {
  return credentials().where("teamId", "==", teamId).where("kind", "==", kind).orderBy("createdAt", "desc");
}
