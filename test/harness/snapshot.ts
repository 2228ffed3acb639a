/** A whole-database dump through firebase-admin, for "nothing changed" assertions. */
import type { DocumentReference, Firestore } from "firebase-admin/firestore";

async function dumpDoc(ref: DocumentReference, out: Record<string, unknown>): Promise<void> {
  const snap = await ref.get();
  if (snap.exists) out[ref.path] = snap.data();
  for (const collection of await ref.listCollections()) {
    for (const child of await collection.listDocuments()) await dumpDoc(child, out);
  }
}

/** Every document (and subcollection document) by path, as a stable JSON string. */
export async function databaseSnapshot(db: Firestore, ignoreFields: string[] = ["lastUsedAt"]): Promise<string> {
  const out: Record<string, unknown> = {};
  for (const collection of await db.listCollections()) {
    for (const ref of await collection.listDocuments()) await dumpDoc(ref, out);
  }
  const paths = Object.keys(out).sort();
  return JSON.stringify(
    paths.map((p) => [p, out[p]]),
    (key, value: unknown) => (ignoreFields.includes(key) ? undefined : value),
  );
}
