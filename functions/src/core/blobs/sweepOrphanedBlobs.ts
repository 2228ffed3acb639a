import { COLLECTIONS } from "../../data/collections";
import { blobReferences } from "../../data/blobReferences";
import { db } from "../../data/firestore";
import type { BlobStore } from "./blobStore";

export interface BlobSweepPolicy {
  /** A blob put more recently than this is kept whatever refers to it (its record may not be committed yet). */
  graceMs: number;
  /** Blobs looked at per run: bounds one run's reads (five one-match queries per blob). */
  batch: number;
}

export interface BlobSweepResult {
  examined: number;
  deleted: number;
  /** Kept: something refers to them. */
  referenced: number;
  /** Kept: put within the grace period. */
  recent: number;
  /** True when this run reached the last blob (the next one starts from the first again). */
  wrapped: boolean;
}

/** `counters/blobSweep`: where the next run of the sweep resumes. */
interface BlobSweepCursor {
  /** Hash of the last blob examined; null to start from the first. */
  after: string | null;
}

/**
 * Deletes blobs nothing refers to any more (artifact records TTL-deleted, versions and workspaces
 * deleted, uploads whose transaction failed). One bounded pass over the next `batch` blobs in
 * hash order; a cursor carries the next run on, so every blob is looked at in turn.
 *
 * Safe beside uploads and against itself: blobs are content-addressed and shared, so a blob is
 * deleted only when none of the places in `blobReferences` names it, it was last put before the
 * grace period, and it was not put again since it was listed (the delete is conditional on its
 * version). Two runs at once at worst both examine a blob; one delete wins, the other finds it
 * gone. A reference is only ever written after its blob's put, within one request, far shorter
 * than the grace period.
 */
export async function sweepOrphanedBlobs(
  store: BlobStore,
  now: Date,
  policy: BlobSweepPolicy,
): Promise<BlobSweepResult> {
  const cursorRef = db().collection(COLLECTIONS.counters).doc("blobSweep");
  const after = ((await cursorRef.get()).data() as BlobSweepCursor | undefined)?.after ?? null;
  const blobs = await store.list(after, policy.batch);
  const result: BlobSweepResult = { examined: blobs.length, deleted: 0, referenced: 0, recent: 0, wrapped: false };
  const cutoff = now.getTime() - policy.graceMs;
  for (const blob of blobs) {
    if (blob.lastPutAt.getTime() > cutoff) {
      result.recent++;
      continue;
    }
    if (await isReferenced(blob.sha256)) {
      result.referenced++;
      continue;
    }
    if (await store.deleteUnlessPutAgain(blob)) result.deleted++;
  }
  result.wrapped = blobs.length < policy.batch;
  const next: BlobSweepCursor = { after: result.wrapped ? null : (blobs[blobs.length - 1]?.sha256 ?? null) };
  await cursorRef.set(next);
  return result;
}

/**
 * Asks every place at one read time (a read-only transaction's snapshot): a record that hands a
 * blob on to another (a deployment copying its version's bundle, then the version deleted) is
 * seen in one of the two, never in neither.
 */
async function isReferenced(sha256: string): Promise<boolean> {
  return db().runTransaction(
    async (tx) => {
      const found = await Promise.all(blobReferences(sha256).map((q) => tx.get(q.limit(1).select())));
      return found.some((snap) => !snap.empty);
    },
    { readOnly: true },
  );
}
