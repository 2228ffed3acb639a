import { createHash } from "node:crypto";
import type { DocumentReference, Timestamp } from "firebase-admin/firestore";
import { db } from "./firestore";

export const QUEUE_TAG_SETS = "queueTagSets";

/**
 * `queueTagSets/{sha256(queue)}`: the tag sets a queue has had jobs with, so a tagged runner
 * reads only the pending index entries of sets it may take. Grows only (a set is added before
 * its first job is written and never removed), so it can never hide a job; an empty set costs a
 * claim one index lookup that finds nothing.
 */
export interface QueueTagSetsDoc {
  /** The queue these sets belong to (the document id is its hash: queues contain `/`). */
  queue: string;
  /** `tagSetKey` of every non-empty tag set ever queued here. */
  tagSets: string[];
  /** Last time a set was added. */
  updatedAt: Timestamp;
}

export function queueTagSets(queue: string): DocumentReference<QueueTagSetsDoc> {
  const id = createHash("sha256").update(queue, "utf8").digest("hex").slice(0, 40);
  return db().collection(QUEUE_TAG_SETS).doc(id) as DocumentReference<QueueTagSetsDoc>;
}
