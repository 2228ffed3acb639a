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

/**
 * Documents written or deleted so far by the offline Firestore (its stats counters), or null on
 * another emulator. Unchanged counters mean an unchanged database, without a full dump.
 */
export async function committedWrites(): Promise<number | null> {
  const host = process.env.FIRESTORE_EMULATOR_HOST;
  if (host === undefined) return null;
  try {
    const response = await fetch(`http://${host}/emulator/v1/stats`);
    if (!response.ok) return null;
    const stats = (await response.json()) as { documentWrites?: unknown; documentDeletes?: unknown };
    return typeof stats.documentWrites === "number" && typeof stats.documentDeletes === "number"
      ? stats.documentWrites + stats.documentDeletes
      : null;
  } catch {
    return null;
  }
}

/** The database as of now: a dump, and the write counter it was taken at. */
export interface DatabaseState {
  snapshot: string;
  writes: number | null;
}

/**
 * "Did anything change?" for a run of calls, cheaply: the dump is taken again only when the write
 * counter moved, and a comparison dumps only when it moved since `before`.
 */
export function changeTracker(db: Firestore): {
  state(): Promise<DatabaseState>;
  unchangedSince(before: DatabaseState): Promise<boolean>;
} {
  let cached: DatabaseState | undefined;
  return {
    async state() {
      const writes = await committedWrites();
      if (cached === undefined || writes === null || cached.writes !== writes)
        cached = { snapshot: await databaseSnapshot(db), writes };
      return cached;
    },
    async unchangedSince(before) {
      const writes = await committedWrites();
      if (writes !== null && writes === before.writes) return true;
      return (await databaseSnapshot(db)) === before.snapshot;
    },
  };
}
