import { createHash } from "node:crypto";
import type { DocumentReference, Timestamp } from "firebase-admin/firestore";
import { db } from "./firestore";

export const QUEUE_TAG_SETS = "queueTagSets";

/**
 * `queueTagSets/{sha256(queue)}`: a queue's summary. The tag sets it has had jobs with, so a
 * tagged runner reads only the pending index entries of sets it may take, and whether dispatch
 * from it is paused (`core/jobs/queuePause.ts`). Grows only (a set is added before
 * its first job is written and never removed), so it can never hide a job; an empty set costs a
 * claim one index lookup that finds nothing.
 */
export interface QueueTagSetsDoc {
  /** The queue these sets belong to (the document id is its hash: queues contain `/`). */
  queue: string;
  /** `tagSetKey` of every non-empty tag set ever queued here. */
  tagSets: string[];
  /** Last time a set was added or the queue paused or resumed. */
  updatedAt: Timestamp;
  /** Dispatch paused: no leases from this queue until resumed (absent: running). */
  paused?: boolean;
  /** When it was paused; null while running. */
  pausedAt?: Timestamp | null;
  /** Who paused it (a uid, or `apiKey:<credential id>`); null while running. */
  pausedBy?: string | null;
}

export function queueTagSets(queue: string): DocumentReference<QueueTagSetsDoc> {
  const id = createHash("sha256").update(queue, "utf8").digest("hex").slice(0, 40);
  return db().collection(QUEUE_TAG_SETS).doc(id) as DocumentReference<QueueTagSetsDoc>;
}
