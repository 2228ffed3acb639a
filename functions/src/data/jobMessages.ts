import type { CollectionReference, Query, Timestamp } from "firebase-admin/firestore";
import { COLLECTIONS } from "./collections";
import { db } from "./firestore";

/** `jobs/{jobId}/messages/{seq zero-padded}`: a mid-flight message for the job's holder. */
export interface JobMessageDoc {
  /** Position among the job's messages (1, 2, …), from the job's `messageSeq`. */
  seq: number;
  /** The message as sent (trimmed, at most MAX_MESSAGE_CHARS). */
  text: string;
  /** Who sent it: a Firebase uid or an API key's credential id. */
  sentBy: string;
  /** When it was posted. */
  createdAt: Timestamp;
  /** Set in the same transaction as the heartbeat whose answer carried it. */
  delivered: boolean;
  /** When that heartbeat committed; null until delivered. */
  deliveredAt: Timestamp | null;
  /** The runner id whose heartbeat received it. */
  deliveredTo: string | null;
}

/** Zero-padded ids sort as the numbers do. */
const SEQ_ID_WIDTH = 12;

export function jobMessages(jobId: string): CollectionReference<JobMessageDoc> {
  return db().collection(COLLECTIONS.jobs).doc(jobId).collection("messages") as CollectionReference<JobMessageDoc>;
}

export function messageId(seq: number): string {
  return String(seq).padStart(SEQ_ID_WIDTH, "0");
}

/**
 * Messages after the job's delivery mark, in order. Index: single-field `seq` (automatic) —
 * the mark on the job doc replaces a `delivered == false` filter that would need a composite.
 */
export function messagesAfter(jobId: string, afterSeq: number, limit: number): Query<JobMessageDoc> {
  return jobMessages(jobId).where("seq", ">", afterSeq).orderBy("seq", "asc").limit(limit);
}
